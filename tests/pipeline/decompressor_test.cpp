// The restore's decompression stage against streams we did not write:
// stock gzip, pigz (also -i, independent blocks), several members joined
// with cat, stock zstd (also several frames), fed whole and one byte at a
// time; and the damage verify must catch: a cut stream, a flipped byte,
// trailing bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "pipeline/decompressor.h"
#include "support/process.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

// Text that compresses like a dump, with some noise so that deflate uses
// all block types.
std::string sample_text(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out;
  while (out.size() < size) {
    out += std::to_string(random() % 100000) + "\tcustomer" + std::to_string(random() % 5000) + "@example.com\t";
    for (int i = 0; i < 8; ++i) out += static_cast<char>('a' + random() % 26);
    out += "\n";
  }
  out.resize(size);
  return out;
}

// `tool args... FILE` writes FILE.ext; returns its bytes.
std::string compress_with(const std::vector<std::string>& tool, const std::string& data, const std::string& ext) {
  TempDir dir;
  const std::string file = dir.file("data");
  write_file(file, data);
  std::vector<std::string> argv = tool;
  argv.push_back(file);
  auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(file + ext);
}

// Decompresses `input` fed in pieces of `piece` bytes (0: whole).
std::string decompress(CompressionFormat format, std::string_view input, std::size_t piece = 0) {
  std::string out;
  auto d = make_decompressor(format, [&out](std::string_view bytes) { out.append(bytes); });
  if (piece == 0) piece = input.size();
  for (std::size_t at = 0; at < input.size(); at += piece) d->write(input.substr(at, piece));
  d->finish();
  EXPECT_EQ(d->bytes_in(), input.size());
  EXPECT_EQ(d->bytes_out(), out.size());
  return out;
}

TEST(Decompressor, StockGzipWholeAndByteByByte) {
  const std::string data = sample_text(3 << 20, 1);
  const std::string gz = compress_with({"gzip", "-6"}, data, ".gz");
  EXPECT_EQ(detect_compression(gz), CompressionFormat::kGzip);
  EXPECT_EQ(decompress(CompressionFormat::kGzip, gz), data);
  const std::string small = sample_text(200 << 10, 2);
  EXPECT_EQ(decompress(CompressionFormat::kGzip, compress_with({"gzip"}, small, ".gz"), 1), small);
}

TEST(Decompressor, PigzIndependentBlocks) {
  const std::string data = sample_text(2 << 20, 3);
  EXPECT_EQ(decompress(CompressionFormat::kGzip, compress_with({"pigz", "-i", "-b", "128"}, data, ".gz"), 4093), data);
}

// RFC 1952 2.2: a gzip file is a series of members; `cat a.gz b.gz` and
// `gzip -dc` gives both inputs.
TEST(Decompressor, SeveralGzipMembers) {
  const std::string a = sample_text(700 << 10, 4);
  const std::string b = sample_text(10, 5);
  const std::string c = sample_text(300 << 10, 6);
  const std::string joined = compress_with({"gzip"}, a, ".gz") + compress_with({"gzip", "-1"}, b, ".gz") +
                             compress_with({"gzip", "-9"}, c, ".gz");
  EXPECT_EQ(decompress(CompressionFormat::kGzip, joined), a + b + c);
  EXPECT_EQ(decompress(CompressionFormat::kGzip, joined, 1), a + b + c);
}

TEST(Decompressor, CutGzipStreamIsAnError) {
  const std::string gz = compress_with({"gzip"}, sample_text(1 << 20, 7), ".gz");
  for (std::size_t keep : {gz.size() - 1, gz.size() - 8, gz.size() / 2, std::size_t{5}}) {
    try {
      decompress(CompressionFormat::kGzip, std::string_view(gz).substr(0, keep));
      ADD_FAILURE() << "a stream cut to " << keep << " of " << gz.size() << " bytes was accepted";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("ends in the middle"), std::string::npos) << e.what();
    }
  }
}

TEST(Decompressor, FlippedByteInGzipIsAnError) {
  const std::string gz = compress_with({"gzip"}, sample_text(1 << 20, 8), ".gz");
  for (std::size_t at : {gz.size() / 3, gz.size() - 6 /* the CRC-32 */, gz.size() - 2 /* ISIZE */}) {
    std::string damaged = gz;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
    EXPECT_THROW(decompress(CompressionFormat::kGzip, damaged), RuntimeError) << "byte " << at;
  }
}

TEST(Decompressor, BytesAfterTheLastGzipMemberAreAnError) {
  const std::string gz = compress_with({"gzip"}, sample_text(1000, 9), ".gz");
  try {
    decompress(CompressionFormat::kGzip, gz + std::string(512, '\0'));
    ADD_FAILURE() << "zero padding after the member was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("not another member"), std::string::npos) << e.what();
  }
}

TEST(Decompressor, StockZstdAndSeveralFrames) {
  const std::string a = sample_text(2 << 20, 10);
  const std::string b = sample_text(100 << 10, 11);
  const std::string one = compress_with({"zstd", "-q", "-3"}, a, ".zst");
  EXPECT_EQ(detect_compression(one), CompressionFormat::kZstd);
  EXPECT_EQ(decompress(CompressionFormat::kZstd, one), a);
  const std::string two = one + compress_with({"zstd", "-q", "--no-check"}, b, ".zst");
  EXPECT_EQ(decompress(CompressionFormat::kZstd, two, 1), a + b);
}

TEST(Decompressor, CutOrFlippedZstdIsAnError) {
  const std::string zst = compress_with({"zstd", "-q"}, sample_text(1 << 20, 12), ".zst");
  EXPECT_THROW(decompress(CompressionFormat::kZstd, std::string_view(zst).substr(0, zst.size() - 1)), RuntimeError);
  EXPECT_THROW(decompress(CompressionFormat::kZstd, std::string_view(zst).substr(0, zst.size() / 2)), RuntimeError);
  std::string damaged = zst;
  damaged[zst.size() - 2] = static_cast<char>(damaged[zst.size() - 2] ^ 0x01);  // the content checksum
  EXPECT_THROW(decompress(CompressionFormat::kZstd, damaged), RuntimeError);
}

TEST(Decompressor, EmptyStreamsAreErrors) {
  EXPECT_THROW(decompress(CompressionFormat::kGzip, ""), RuntimeError);
  EXPECT_THROW(decompress(CompressionFormat::kZstd, ""), RuntimeError);
}

TEST(Decompressor, UncompressedPassesThrough) {
  const std::string data = "PGDMP\x01\x0e and the rest";
  EXPECT_EQ(detect_compression(data), CompressionFormat::kNone);
  EXPECT_EQ(decompress(CompressionFormat::kNone, data, 3), data);
}

TEST(Decompressor, DetectsByMagicNotByName) {
  EXPECT_EQ(detect_compression("\x1f\x8b\x08"), CompressionFormat::kGzip);
  EXPECT_EQ(detect_compression(std::string("\x28\xb5\x2f\xfd", 4)), CompressionFormat::kZstd);
  EXPECT_EQ(detect_compression("--\n-- PostgreSQL database dump"), CompressionFormat::kNone);
  EXPECT_EQ(detect_compression("\x1f"), CompressionFormat::kNone);
  EXPECT_EQ(detect_compression(""), CompressionFormat::kNone);
}

}  // namespace
}  // namespace pgdump2s3::pipeline
