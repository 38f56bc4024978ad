#include "pipeline/gzip_format.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pgdump2s3::pipeline {

namespace {

constexpr std::size_t kMaxStoredBlock = 65535;  // LEN is 16 bits (RFC 1951 3.2.4)
constexpr std::size_t kStoredHeader = 5;        // BFINAL/BTYPE byte, LEN, NLEN

void put_le32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// Slack over the stored size: a deflate engine's output for compressible
// data is far below it, and this leaves room for the last dynamic block
// header and the sync flush marker when data is only just compressible.
std::size_t deflate_room(std::size_t input_size) { return input_size + input_size / 1024 + 64; }

}  // namespace

void write_gzip_header(std::span<std::uint8_t, kGzipHeaderSize> out) {
  const std::uint8_t header[kGzipHeaderSize] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::memcpy(out.data(), header, kGzipHeaderSize);
}

void write_gzip_trailer(std::span<std::uint8_t, kGzipTrailerSize> out, std::uint32_t crc,
                        std::uint64_t size) {
  put_le32(out.data(), crc);
  put_le32(out.data() + 4, static_cast<std::uint32_t>(size));
}

std::size_t stored_size(std::size_t input_size) {
  const std::size_t blocks = std::max<std::size_t>(1, (input_size + kMaxStoredBlock - 1) / kMaxStoredBlock);
  return input_size + blocks * kStoredHeader;
}

std::size_t write_stored_blocks(std::span<const std::uint8_t> input, BlockEnd end,
                                std::span<std::uint8_t> out) {
  if (out.size() < stored_size(input.size())) throw std::logic_error("stored block output too small");
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  do {
    const std::size_t length = std::min(kMaxStoredBlock, input.size() - in_pos);
    const bool last = in_pos + length == input.size();
    // Header bits BFINAL, then BTYPE=00 (stored); the rest of the byte is
    // padding to the byte boundary, then LEN and its one's complement NLEN.
    out[out_pos] = last && end == BlockEnd::kFinal ? 1 : 0;
    out[out_pos + 1] = static_cast<std::uint8_t>(length);
    out[out_pos + 2] = static_cast<std::uint8_t>(length >> 8);
    out[out_pos + 3] = static_cast<std::uint8_t>(~length);
    out[out_pos + 4] = static_cast<std::uint8_t>(~length >> 8);
    if (length > 0) std::memcpy(out.data() + out_pos + kStoredHeader, input.data() + in_pos, length);
    in_pos += length;
    out_pos += kStoredHeader + length;
  } while (in_pos < input.size());
  return out_pos;
}

std::size_t gzip_block_buffer_size(std::size_t input_size) {
  return kGzipHeaderSize + deflate_room(input_size) + kGzipTrailerSize;
}

std::size_t max_gzip_block_input(std::size_t buffer_size) {
  if (buffer_size < gzip_block_buffer_size(1)) return 0;
  // gzip_block_buffer_size is n + n/1024 + constant, monotonic in n: start
  // from an estimate just above the answer and step down.
  std::size_t n = buffer_size - gzip_block_buffer_size(0) + 1;
  n = n - n / 1025;
  while (n > 1 && gzip_block_buffer_size(n) > buffer_size) --n;
  return n;
}

}  // namespace pgdump2s3::pipeline
