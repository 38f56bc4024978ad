// zlib: the reference DEFLATE implementation. It does everything the
// parallel compressor needs: raw streams (windowBits -15), a preset
// dictionary (deflateSetDictionary), Z_SYNC_FLUSH to end a block on a byte
// boundary and Z_FINISH to end the stream (zlib.h). It is also the slowest.
#include <zlib.h>

#include <stdexcept>

#include "pipeline/deflate_engine.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

class ZlibEngine final : public DeflateEngine {
 public:
  explicit ZlibEngine(int level) {
    // Negative windowBits: raw DEFLATE, no zlib wrapper; the gzip framing is
    // ours. memLevel 8 is zlib's default.
    if (deflateInit2(&stream_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw RuntimeError("zlib deflateInit2 failed (out of memory?)");
    }
  }
  ~ZlibEngine() override { deflateEnd(&stream_); }
  ZlibEngine(const ZlibEngine&) = delete;
  ZlibEngine& operator=(const ZlibEngine&) = delete;

  bool continues_stream() const override { return true; }

  std::size_t compress(std::span<const std::uint8_t> dictionary, std::span<const std::uint8_t> input,
                       BlockEnd end, std::span<std::uint8_t> output) override {
    deflateReset(&stream_);
    if (!dictionary.empty() &&
        deflateSetDictionary(&stream_, dictionary.data(), static_cast<uInt>(dictionary.size())) != Z_OK) {
      throw RuntimeError("zlib deflateSetDictionary failed");
    }
    // zlib's API predates const: it only reads next_in.
    stream_.next_in = const_cast<Bytef*>(input.data());
    stream_.avail_in = static_cast<uInt>(input.size());
    stream_.next_out = output.data();
    stream_.avail_out = static_cast<uInt>(output.size());
    const int result = deflate(&stream_, end == BlockEnd::kFinal ? Z_FINISH : Z_SYNC_FLUSH);
    // A flush is complete only if zlib had output space left over (zlib.h:
    // "If deflate returns with avail_out == 0, this function must be called
    // again"); otherwise the block did not fit.
    const bool complete = end == BlockEnd::kFinal
                              ? result == Z_STREAM_END
                              : result == Z_OK && stream_.avail_in == 0 && stream_.avail_out > 0;
    if (!complete) return 0;
    return output.size() - stream_.avail_out;
  }

  std::uint32_t crc32(std::uint32_t crc, std::span<const std::uint8_t> data) const override {
    return static_cast<std::uint32_t>(::crc32_z(crc, data.data(), data.size()));
  }

 private:
  z_stream stream_{};
};

}  // namespace

std::unique_ptr<DeflateEngine> make_zlib_engine(int level) { return std::make_unique<ZlibEngine>(level); }

}  // namespace pgdump2s3::pipeline
