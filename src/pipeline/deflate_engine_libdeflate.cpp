// libdeflate: fast whole-buffer DEFLATE with a better ratio than zlib at the
// same level. Its compressor cannot take a preset dictionary and always ends
// its output with a final block (BFINAL set), and it does not say at which
// bit the final block starts (libdeflate.h, 1.14: libdeflate_deflate_compress
// has only the buffer in and out). So its blocks cannot be joined into one
// DEFLATE stream.
//
// What the gzip compressor does with it: every block is a complete DEFLATE
// stream and becomes its own gzip member (header, data, CRC-32 and size of
// that block). RFC 1952 section 2.2 defines a gzip file as "a series of
// members", and gzip, pigz, zcat and zlib's gzread decompress them one after
// the other into the concatenated data. Without a dictionary each block starts
// from an empty window, which costs a little ratio at 1 MiB blocks. A reader
// that stops at the end of the first member (zlib inflate() with no loop)
// sees only the first block; the zlib and ISA-L backends write one member.
#include <libdeflate.h>

#include <stdexcept>

#include "pipeline/deflate_engine.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

class LibdeflateEngine final : public DeflateEngine {
 public:
  explicit LibdeflateEngine(int level) : compressor_(libdeflate_alloc_compressor(level)) {
    if (compressor_ == nullptr) throw RuntimeError("libdeflate_alloc_compressor failed (out of memory?)");
  }
  ~LibdeflateEngine() override { libdeflate_free_compressor(compressor_); }
  LibdeflateEngine(const LibdeflateEngine&) = delete;
  LibdeflateEngine& operator=(const LibdeflateEngine&) = delete;

  bool continues_stream() const override { return false; }

  std::size_t compress(std::span<const std::uint8_t>, std::span<const std::uint8_t> input, BlockEnd end,
                       std::span<std::uint8_t> output) override {
    if (end != BlockEnd::kFinal) throw std::logic_error("libdeflate writes only final blocks");
    // Returns 0 when the result does not fit (libdeflate.h).
    return libdeflate_deflate_compress(compressor_, input.data(), input.size(), output.data(), output.size());
  }

  std::uint32_t crc32(std::uint32_t crc, std::span<const std::uint8_t> data) const override {
    return libdeflate_crc32(crc, data.data(), data.size());
  }

 private:
  libdeflate_compressor* compressor_;
};

}  // namespace

std::unique_ptr<DeflateEngine> make_libdeflate_engine(int level) {
  return std::make_unique<LibdeflateEngine>(level);
}

}  // namespace pgdump2s3::pipeline
