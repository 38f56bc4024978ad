// The decompression stage of a restore: a filter (STYLE.md, pgBackRest) fed
// the object's bytes in order, as they arrive, that hands the dump's bytes in
// order to a sink, and says at the end whether the stream was complete.
//
// gzip: zlib inflate, every member in turn (RFC 1952 section 2.2: "a gzip
// file consists of a series of members"; pigz -i and `cat a.gz b.gz` make
// several), each one's CRC-32 and ISIZE checked by zlib. zstd: every frame
// in turn (RFC 8878 section 3.1), skippable frames skipped, each frame's
// content checksum checked when it has one.
//
// Threads: one thread calls write() and finish(); the sink runs on it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "pipeline/compressor.h"

namespace pgdump2s3::pipeline {

using ByteSink = std::function<void(std::string_view)>;

class Decompressor {
 public:
  virtual ~Decompressor() = default;
  // Decompresses `input`, calling the sink with what it yields (zero or
  // more times). Throws RuntimeError on corrupt data, naming the compressed
  // byte offset where it was found.
  virtual void write(std::string_view input) = 0;
  // The input ended: throws RuntimeError unless the stream was complete (a
  // truncated object ends in the middle of a member or frame).
  virtual void finish() = 0;
  virtual std::uint64_t bytes_in() const = 0;
  virtual std::uint64_t bytes_out() const = 0;
};

std::unique_ptr<Decompressor> make_decompressor(CompressionFormat format, ByteSink sink);

// Enough of a stream's first bytes to tell its compression by its magic
// number (gzip 1f 8b, RFC 1952 section 2.3.1; zstd 28 b5 2f fd, RFC 8878
// section 3.1.1); anything else is taken as uncompressed. Fewer bytes only at
// the end of a stream.
inline constexpr std::size_t kCompressionMagicBytes = 4;
CompressionFormat detect_compression(std::string_view first_bytes);

}  // namespace pgdump2s3::pipeline
