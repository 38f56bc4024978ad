// The bytes of the gzip file format (RFC 1952) and of stored DEFLATE blocks
// (RFC 1951 section 3.2.4) that the parallel gzip compressor writes around
// and instead of what a deflate engine produces, and the output size bound
// that makes an output buffer always large enough for one block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "pipeline/deflate_engine.h"

namespace pgdump2s3::pipeline {

inline constexpr std::size_t kGzipHeaderSize = 10;
inline constexpr std::size_t kGzipTrailerSize = 8;

// RFC 1952 section 2.3: magic, CM=8 (deflate), no flags, MTIME=0 ("no time
// stamp is available", so equal input gives equal output), OS=3 (Unix).
void write_gzip_header(std::span<std::uint8_t, kGzipHeaderSize> out);
// CRC-32 of the member's data, then ISIZE: its size modulo 2^32, both
// little-endian.
void write_gzip_trailer(std::span<std::uint8_t, kGzipTrailerSize> out, std::uint32_t crc,
                        std::uint64_t size);

// Writes `input` as stored (uncompressed) blocks of at most 65,535 bytes,
// starting on a byte boundary; with BlockEnd::kFinal the last one has
// BFINAL set. Stored blocks end byte-aligned, so no flush marker is needed
// after them. Returns the bytes written; `out` must hold stored_size().
std::size_t write_stored_blocks(std::span<const std::uint8_t> input, BlockEnd end,
                                std::span<std::uint8_t> out);
// 5 bytes of header per block (RFC 1951 section 3.2.4), one block at least.
std::size_t stored_size(std::size_t input_size);

// The room a block of `input_size` bytes may use in an output buffer,
// header and trailer included. A deflate engine gets it all; when its
// result does not fit (incompressible data, which DEFLATE can expand) the
// block is stored instead, which always fits.
std::size_t gzip_block_buffer_size(std::size_t input_size);
// The largest block whose gzip_block_buffer_size() fits in `buffer_size`;
// 0 when even one byte does not fit.
std::size_t max_gzip_block_input(std::size_t buffer_size);

}  // namespace pgdump2s3::pipeline
