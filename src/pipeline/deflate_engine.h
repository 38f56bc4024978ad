// One DEFLATE (RFC 1951) library behind one small interface, so that the
// parallel gzip compressor does not care which library compresses a block:
// zlib (the reference), libdeflate (fast whole-buffer compression) or ISA-L
// (Intel's igzip, the fastest at low levels). Each backend file says what its
// library can and cannot do.
//
// Threads: an engine is used by one thread at a time (each worker owns one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "pipeline/compressor.h"

namespace pgdump2s3::pipeline {

// DEFLATE looks back at most 32 KiB (RFC 1951 section 2), so the last
// 32 KiB before a block is all the dictionary it can use.
inline constexpr std::size_t kDeflateWindow = 32 * 1024;

enum class BlockEnd {
  // Ends with a sync flush (an empty stored block): byte-aligned and not
  // final, so the next block's bytes can simply follow.
  kSyncFlush,
  // The last block of a DEFLATE stream (BFINAL set).
  kFinal,
};

class DeflateEngine {
 public:
  virtual ~DeflateEngine() = default;

  // Whether compress() can end a block with a sync flush and start from a
  // dictionary, so that blocks join into one DEFLATE stream. When false,
  // every block must be BlockEnd::kFinal and stands alone.
  virtual bool continues_stream() const = 0;

  // Compresses `input` as raw DEFLATE into `output`, as the continuation of
  // a stream whose preceding bytes end with `dictionary` (at most
  // kDeflateWindow bytes; ignored when !continues_stream()). Returns the
  // bytes written, or 0 when the result does not fit in `output` (the caller
  // then stores the block uncompressed).
  virtual std::size_t compress(std::span<const std::uint8_t> dictionary,
                               std::span<const std::uint8_t> input, BlockEnd end,
                               std::span<std::uint8_t> output) = 0;

  // CRC-32 of RFC 1952 (the gzip trailer's), continued from `crc`.
  virtual std::uint32_t crc32(std::uint32_t crc, std::span<const std::uint8_t> data) const = 0;
};

// Throws ConfigError when the backend does not support `level`.
std::unique_ptr<DeflateEngine> make_deflate_engine(DeflateBackend backend, int level);

// One per backend (deflate_engine_<backend>.cpp); the level is already checked.
std::unique_ptr<DeflateEngine> make_zlib_engine(int level);
std::unique_ptr<DeflateEngine> make_libdeflate_engine(int level);
std::unique_ptr<DeflateEngine> make_isal_engine(int level);

const char* backend_name(DeflateBackend backend);

}  // namespace pgdump2s3::pipeline
