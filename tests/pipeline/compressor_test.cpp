// The compression stage, checked by readers we did not write (STYLE.md habit
// 8): stock gzip -t, pigz -t and zcat for every deflate backend, zstd -t and
// zstd -dc for zstd, and zlib's inflate for the member structure.
#include <zlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/compressor.h"
#include "pipeline/deflate_engine.h"
#include "pipeline/gzip_format.h"
#include "support/process.h"
#include "util/digest.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

using testing::CommandOptions;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

constexpr std::size_t kMiB = 1024 * 1024;

// Deterministic text shaped like pg_dump's COPY data (shared/bench/README.md
// describes the real thing): audit events with JSON payloads, chat lines
// drawn from a vocabulary with a Zipf law, hex bytea, uuids. It gzips about
// 3:1, like a real dump, rather than 30:1 like blank-padded pgbench rows.
class DumpLikeText {
 public:
  explicit DumpLikeText(std::uint64_t seed) : random_(seed) {
    const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pre", "str",
                               "an", "el", "ion", "or", "ust", "qu", "ba", "de", "fi", "go"};
    for (int i = 0; i < 3000; ++i) {
      std::string word;
      for (std::uint64_t n = 1 + next(3); n > 0; --n) word += syllables[next(20)];
      vocabulary_.push_back(word);
    }
  }

  // Appends exactly `size` bytes.
  void append(std::string& out, std::size_t size) {
    while (size > 0) {
      if (carry_.empty()) carry_ = line();
      const std::size_t n = std::min(size, carry_.size());
      out.append(carry_, 0, n);
      carry_.erase(0, n);
      size -= n;
    }
  }

  std::string take(std::size_t size) {
    std::string out;
    out.reserve(size);
    append(out, size);
    return out;
  }

 private:
  // xorshift64*: the same sequence everywhere (std distributions are not).
  std::uint64_t next(std::uint64_t bound) {
    random_ ^= random_ >> 12;
    random_ ^= random_ << 25;
    random_ ^= random_ >> 27;
    return (random_ * 2685821657736338717ULL >> 11) % bound;
  }
  const std::string& zipf_word() {
    // Rank r with probability about 1/r: exp(u * ln N) spreads u over ranks.
    const double u = static_cast<double>(next(1 << 20)) / (1 << 20);
    const auto rank = static_cast<std::size_t>(std::exp(u * std::log(vocabulary_.size())));
    return vocabulary_[std::min(rank, vocabulary_.size()) - 1];
  }
  void hex(std::string& out, std::size_t bytes) {
    static const char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes; ++i) {
      const std::uint64_t b = next(256);
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
  std::string line() {
    std::string s = std::to_string(++row_) + "\t" + std::to_string(1000 + next(90000)) + "\t2026-0" +
                    std::to_string(1 + next(9)) + "-1" + std::to_string(next(10)) + " 1" +
                    std::to_string(next(10)) + ":" + std::to_string(10 + next(50)) + ":" +
                    std::to_string(10 + next(50)) + "+00\t";
    const std::uint64_t kind = next(100);
    if (kind < 2) {  // a thumbnail: bytea as hex
      s += "\\\\x";
      hex(s, 100 + next(400));
    } else if (kind < 12) {  // an API token: uuid and a SHA-256 hex
      hex(s, 4);
      s += "-";
      hex(s, 2);
      s += "-4";
      hex(s, 6);
      s += "\t";
      hex(s, 32);
    } else if (kind < 40) {  // a chat message
      s += "Hello " + zipf_word() + ",\\n";
      for (std::uint64_t n = 8 + next(60); n > 0; --n) s += zipf_word() + (next(12) == 0 ? ". " : " ");
      s += "\\nBest regards\\n" + zipf_word();
    } else {  // an audit event with a JSON payload
      static const char* types[] = {"login", "logout", "order.created", "order.paid", "settings.changed"};
      s += std::string(types[next(5)]) + "\t10." + std::to_string(next(256)) + "." + std::to_string(next(256)) +
           "." + std::to_string(next(256)) + "\tMozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/1" +
           std::to_string(next(30)) + ".0\t{\"session\": \"";
      hex(s, 8);
      s += "\", \"plan\": \"" + zipf_word() + "\", \"amount\": " + std::to_string(next(100000)) + "}";
    }
    s += "\n";
    return s;
  }

  std::uint64_t random_;
  std::uint64_t row_ = 0;
  std::vector<std::string> vocabulary_;
  std::string carry_;
};

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t value = random();
    std::memcpy(out.data() + i, &value, std::min<std::size_t>(8, size - i));
  }
  return out;
}

struct Config {
  const char* name;
  CompressionFormat format;
  DeflateBackend backend;
  int level;
};

// gtest prints a parameter in the test's listing; the name, not its bytes.
void PrintTo(const Config& config, std::ostream* out) { *out << config.name; }

CompressionSettings settings_for(const Config& config, int threads = 3) {
  CompressionSettings settings;
  settings.format = config.format;
  settings.backend = config.backend;
  settings.level = config.level;
  settings.threads = threads;
  return settings;
}

// Drives a compressor like the pipeline's reader: every write is a buffer
// from an input pool that has one buffer more than the compressor may hold,
// so a compressor that kept more would make the reader wait for ever; the
// test fails on that instead of hanging.
class Driver {
 public:
  Driver(const CompressionSettings& settings, std::size_t input_buffer_size, std::size_t output_buffers)
      : input_pool_(input_buffer_size, input_buffers_held(settings) + 1),
        output_pool_(std::max<std::size_t>(1, output_buffer_size(settings, input_buffer_size)), output_buffers),
        compressor_(make_compressor(settings, output_pool_, [this](Slice slice) {
          out_.append(slice.view());
          ++slices_;
        })) {}

  // Writes `data` in pieces of the given sizes, cycling through them.
  void write(std::string_view data, const std::vector<std::size_t>& piece_sizes) {
    for (std::size_t offset = 0, i = 0; offset < data.size(); ++i) {
      const std::size_t n = std::min(piece_sizes[i % piece_sizes.size()], data.size() - offset);
      ASSERT_GT(input_pool_.free_count(), 0u) << "the compressor holds more input buffers than it says";
      BufferRef buffer = input_pool_.acquire();
      ASSERT_LE(n, buffer->capacity);
      std::memcpy(buffer->data, data.data() + offset, n);
      buffer->size = n;
      compressor_->write(std::move(buffer));
      offset += n;
    }
  }
  void finish() { compressor_->finish(); }

  Compressor& compressor() { return *compressor_; }
  BufferPool& output_pool() { return output_pool_; }
  const std::string& out() const { return out_; }
  std::size_t slices() const { return slices_; }

 private:
  BufferPool input_pool_;
  BufferPool output_pool_;
  std::string out_;
  std::size_t slices_ = 0;
  std::unique_ptr<Compressor> compressor_;
};

// Decompresses with zlib's inflate, member after member (RFC 1952 2.2).
struct Inflated {
  bool ok = false;
  int members = 0;
  std::string data;
};

Inflated zlib_inflate(const std::string& gz) {
  Inflated result;
  z_stream z{};
  if (inflateInit2(&z, 16 + 15) != Z_OK) return result;  // 16: gzip wrapper only
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::array<char, 65536> chunk;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = chunk.size();
    const int rc = inflate(&z, Z_NO_FLUSH);
    result.data.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc == Z_STREAM_END) {
      ++result.members;
      if (z.avail_in == 0) {
        result.ok = true;
        break;
      }
      inflateReset(&z);
    } else if (rc != Z_OK) {
      break;
    }
  }
  inflateEnd(&z);
  return result;
}

// The stock tools accept `compressed` and give back exactly `original`.
void expect_stock_tools_read(const CompressionSettings& settings, const std::string& compressed,
                             const std::string& original) {
  TempDir dir;
  if (settings.format == CompressionFormat::kZstd) {
    const std::string file = dir.file("out.zst");
    testing::write_file(file, compressed);
    auto test = run_command({"zstd", "-t", "-q", file});
    EXPECT_EQ(test.exit_code, 0) << test.err;
    auto decompressed = run_command({"zstd", "-dc", file});
    EXPECT_EQ(decompressed.exit_code, 0) << decompressed.err;
    EXPECT_TRUE(decompressed.out == original) << "zstd -dc gave " << decompressed.out.size() << " bytes, expected "
                                              << original.size();
    return;
  }
  const std::string file = dir.file("out.gz");
  testing::write_file(file, compressed);
  for (const char* tool : {"gzip", "pigz"}) {
    auto test = run_command({tool, "-t", file});
    EXPECT_EQ(test.exit_code, 0) << tool << " -t: " << test.err;
  }
  auto decompressed = run_command({"zcat", file});
  EXPECT_EQ(decompressed.exit_code, 0) << decompressed.err;
  EXPECT_TRUE(decompressed.out == original) << "zcat gave " << decompressed.out.size() << " bytes, expected "
                                            << original.size();
  const Inflated inflated = zlib_inflate(compressed);
  EXPECT_TRUE(inflated.ok);
  EXPECT_TRUE(inflated.data == original);
  // zlib and ISA-L continue one DEFLATE stream: one member. libdeflate
  // writes one member per block (deflate_engine_libdeflate.cpp).
  if (settings.backend != DeflateBackend::kLibdeflate) {
    EXPECT_EQ(inflated.members, 1);
  }
}

std::string compress_all(const CompressionSettings& settings, const std::string& data,
                         const std::vector<std::size_t>& piece_sizes, std::size_t output_buffers = 8) {
  const std::size_t largest = *std::max_element(piece_sizes.begin(), piece_sizes.end());
  Driver driver(settings, largest, output_buffers);
  driver.write(data, piece_sizes);
  driver.finish();
  EXPECT_EQ(driver.compressor().bytes_in(), data.size());
  EXPECT_EQ(driver.compressor().bytes_out(), driver.out().size());
  return driver.out();
}

class CompressorTest : public ::testing::TestWithParam<Config> {
 protected:
  CompressionSettings settings() const { return settings_for(GetParam()); }
  void check_round_trip(const std::string& data, const std::vector<std::size_t>& piece_sizes) {
    const std::string compressed = compress_all(settings(), data, piece_sizes);
    expect_stock_tools_read(settings(), compressed, data);
  }
};

TEST_P(CompressorTest, EmptyInput) { check_round_trip("", {kMiB}); }

TEST_P(CompressorTest, OneByte) { check_round_trip("x", {kMiB}); }

TEST_P(CompressorTest, FedOneByteAtATime) {
  // More than two staging blocks, one write per byte.
  check_round_trip(DumpLikeText(1).take(300 * 1024 + 7), {1});
}

TEST_P(CompressorTest, RandomIncompressibleData) {
  // DEFLATE expands random data; the output buffers still hold every block.
  check_round_trip(random_bytes(3 * kMiB + 17, 2), {kMiB});
}

TEST_P(CompressorTest, DumpLikeTextInMiBBuffers) {
  const std::string data = DumpLikeText(3).take(8 * kMiB + 12345);
  const std::string compressed = compress_all(settings(), data, {kMiB});
  expect_stock_tools_read(settings(), compressed, data);
  const double ratio = static_cast<double>(data.size()) / static_cast<double>(compressed.size());
  EXPECT_GT(ratio, 2.0) << "dump-like text should compress (level " << GetParam().level << ")";
}

TEST_P(CompressorTest, MixedWriteSizes) {
  // Short pipe reads between full ones: staged and in-place blocks alternate,
  // and in-place blocks take their dictionary from staged ones.
  check_round_trip(DumpLikeText(4).take(5 * kMiB), {1, 100, 40000, kMiB, 5000, 70000, 32767, 32768, 3});
}

TEST_P(CompressorTest, ManyThreadsTinyOutputPool) {
  // 16 workers share one output buffer: blocks must take it in order and the
  // driver must keep emitting, or this deadlocks.
  const CompressionSettings many = settings_for(GetParam(), 16);
  const std::string data = DumpLikeText(5).take(6 * kMiB + 1);
  const std::string compressed = compress_all(many, data, {256 * 1024, 64 * 1024, kMiB}, 1);
  expect_stock_tools_read(many, compressed, data);
}

TEST_P(CompressorTest, SmallOutputsPackedWhileDownstreamHoldsThem) {
  // pgbench-like rows compress about 35:1. Downstream keeps every slice (a
  // part waiting for S3), and the pool has far fewer buffers than there are
  // blocks: only outputs packed into shared buffers let the stream finish.
  std::string data;
  for (int row = 1; data.size() < 40 * kMiB; ++row) {
    data += std::to_string(row) + "\t1\t0\t" + std::string(84, ' ') + "\n";
  }
  BufferPool input_pool(kMiB, input_buffers_held(settings()) + 1);
  BufferPool output_pool(output_buffer_size(settings(), kMiB), 8);
  std::vector<Slice> held;
  auto compressor = make_compressor(settings(), output_pool, [&](Slice slice) { held.push_back(std::move(slice)); });
  for (std::size_t offset = 0; offset < data.size(); offset += kMiB) {
    BufferRef buffer = input_pool.acquire();
    buffer->size = std::min(kMiB, data.size() - offset);
    std::memcpy(buffer->data, data.data() + offset, buffer->size);
    compressor->write(std::move(buffer));
  }
  compressor->finish();
  std::string compressed;
  for (const Slice& slice : held) compressed.append(slice.view());
  held.clear();
  compressor.reset();
  expect_stock_tools_read(settings(), compressed, data);
}

TEST_P(CompressorTest, OutputPoolCancelledMidStream) {
  // Downstream keeps every slice (a stalled uploader), so the compressor runs
  // out of output buffers; then the pipeline is cancelled.
  BufferPool input_pool(kMiB, input_buffers_held(settings()) + 1);
  BufferPool output_pool(output_buffer_size(settings(), kMiB), 3);
  std::vector<Slice> held;  // after the pools: slices go back before the pools go
  auto compressor = make_compressor(settings(), output_pool, [&](Slice slice) { held.push_back(std::move(slice)); });
  DumpLikeText text(6);
  std::thread canceller([&] {
    while (output_pool.free_count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    output_pool.cancel();
  });
  bool threw = false;
  try {
    for (int i = 0; i < 64; ++i) {
      BufferRef buffer = input_pool.acquire();
      const std::string piece = text.take(kMiB);
      std::memcpy(buffer->data, piece.data(), piece.size());
      buffer->size = piece.size();
      compressor->write(std::move(buffer));
    }
    compressor->finish();
  } catch (const RuntimeError&) {
    threw = true;
  }
  canceller.join();
  EXPECT_TRUE(threw) << "a cancelled pipeline must not look like a finished stream";
  compressor.reset();  // joins the workers: must not hang
}

TEST_P(CompressorTest, CancelWhileWorkersWaitForOutputBuffers) {
  BufferPool input_pool(kMiB, input_buffers_held(settings()) + 1);
  BufferPool output_pool(output_buffer_size(settings(), kMiB), 2);
  std::vector<Slice> held;
  auto compressor = make_compressor(settings(), output_pool, [&](Slice slice) { held.push_back(std::move(slice)); });
  DumpLikeText text(7);
  // Two blocks fill the pool; the next two wait for buffers downstream holds.
  // (zstd's output of 4 MiB of text fits in the two buffers.)
  for (int i = 0; i < 4; ++i) {
    BufferRef buffer = input_pool.acquire();
    const std::string piece = text.take(kMiB);
    std::memcpy(buffer->data, piece.data(), piece.size());
    buffer->size = piece.size();
    compressor->write(std::move(buffer));
  }
  compressor->cancel();
  compressor.reset();  // must return: workers waiting for memory are woken
  SUCCEED();
}

const Config kConfigs[] = {
    {"zlib_6", CompressionFormat::kGzip, DeflateBackend::kZlib, 6},
    {"libdeflate_6", CompressionFormat::kGzip, DeflateBackend::kLibdeflate, 6},
    {"isal_0", CompressionFormat::kGzip, DeflateBackend::kIsal, 0},
    {"isal_3", CompressionFormat::kGzip, DeflateBackend::kIsal, 3},
    {"zstd_3", CompressionFormat::kZstd, DeflateBackend::kZlib, 3},
};

INSTANTIATE_TEST_SUITE_P(Engines, CompressorTest, ::testing::ValuesIn(kConfigs),
                         [](const ::testing::TestParamInfo<Config>& info) { return std::string(info.param.name); });

TEST(DefaultCompressor, TwoHundredMiBDumpLikeStream) {
  // The default engine and level on a stream the size of a small real dump,
  // written to a file as it comes and read back by the stock tools.
  const CompressionSettings settings;
  TempDir dir;
  const std::string gz = dir.file("dump.gz");
  std::ofstream file(gz, std::ios::binary);
  BufferPool input_pool(kMiB, input_buffers_held(settings) + 1);
  BufferPool output_pool(output_buffer_size(settings, kMiB), 8);
  auto compressor = make_compressor(settings, output_pool, [&](Slice slice) {
    file.write(slice.view().data(), static_cast<std::streamsize>(slice.length));
  });
  DumpLikeText text(8);
  StreamingDigest input_digest(StreamingDigest::Kind::kSha256);
  const std::size_t total = 200 * kMiB;
  for (std::size_t written = 0; written < total;) {
    BufferRef buffer = input_pool.acquire();
    // Short reads now and then, like a pipe.
    const std::size_t size = std::min(total - written, written % (7 * kMiB) == 0 ? 20000 : kMiB);
    const std::string piece = text.take(size);
    input_digest.update(piece);
    std::memcpy(buffer->data, piece.data(), size);
    buffer->size = size;
    compressor->write(std::move(buffer));
    written += size;
  }
  compressor->finish();
  file.close();
  EXPECT_EQ(compressor->bytes_in(), total);

  CommandOptions slow;
  slow.timeout_s = 300;
  for (const char* tool : {"gzip", "pigz"}) {
    auto test = run_command({tool, "-t", gz}, slow);
    EXPECT_EQ(test.exit_code, 0) << tool << " -t: " << test.err;
  }
  const std::string plain = dir.file("dump");
  CommandOptions to_file = slow;
  to_file.stdout_file = plain;
  auto unzipped = run_command({"zcat", gz}, to_file);
  ASSERT_EQ(unzipped.exit_code, 0) << unzipped.err;
  StreamingDigest output_digest(StreamingDigest::Kind::kSha256);
  std::ifstream in(plain, std::ios::binary);
  std::string chunk(kMiB, '\0');
  std::size_t read_back = 0;
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    output_digest.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
    read_back += static_cast<std::size_t>(in.gcount());
  }
  EXPECT_EQ(read_back, total);
  EXPECT_EQ(output_digest.finish_hex(), input_digest.finish_hex());
}

TEST(IdentityCompressor, PassesInputBuffersOnWithoutCopying) {
  CompressionSettings settings;
  settings.format = CompressionFormat::kNone;
  BufferPool input_pool(64, 2);
  std::vector<Slice> out;
  auto compressor = make_compressor(settings, input_pool, [&](Slice slice) { out.push_back(std::move(slice)); });
  BufferRef buffer = input_pool.acquire();
  std::memcpy(buffer->data, "hello", 5);
  buffer->size = 5;
  const Buffer* original = buffer.get();
  compressor->write(std::move(buffer));
  compressor->write(input_pool.acquire());  // empty: nothing to pass on
  compressor->finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].buffer.get(), original);
  EXPECT_EQ(out[0].view(), "hello");
  EXPECT_EQ(compressor->bytes_in(), 5u);
  EXPECT_EQ(compressor->bytes_out(), 5u);
  EXPECT_EQ(output_buffer_size(settings, kMiB), 0u);
}

TEST(DeflateEngines, Crc32CheckValue) {
  // The CRC-32 check value of "123456789" (RFC 1952's CRC, as in zlib).
  const std::string_view digits = "123456789";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size());
  for (DeflateBackend backend : {DeflateBackend::kZlib, DeflateBackend::kLibdeflate, DeflateBackend::kIsal}) {
    auto engine = make_deflate_engine(backend, 1);
    EXPECT_EQ(engine->crc32(0, bytes), 0xCBF43926u) << backend_name(backend);
    EXPECT_EQ(engine->crc32(engine->crc32(0, bytes.first(4)), bytes.subspan(4)), 0xCBF43926u)
        << backend_name(backend) << " continued";
  }
}

TEST(DeflateEngines, LevelsOutsideTheBackendsRangeAreConfigErrors) {
  EXPECT_THROW(make_deflate_engine(DeflateBackend::kIsal, 4), ConfigError);
  EXPECT_THROW(make_deflate_engine(DeflateBackend::kZlib, 10), ConfigError);
  EXPECT_THROW(make_deflate_engine(DeflateBackend::kLibdeflate, 13), ConfigError);
  EXPECT_THROW(make_deflate_engine(DeflateBackend::kZlib, -1), ConfigError);
  CompressionSettings zstd;
  zstd.format = CompressionFormat::kZstd;
  zstd.level = 1000;
  BufferPool pool(output_buffer_size(zstd, kMiB), 1);
  EXPECT_THROW(make_compressor(zstd, pool, [](Slice) {}), ConfigError);
  CompressionSettings negative_threads;
  negative_threads.threads = -1;
  EXPECT_THROW(make_compressor(negative_threads, pool, [](Slice) {}), ConfigError);
}

TEST(GzipFormat, OutputBuffersTooSmallForABlockAreRefused) {
  CompressionSettings settings;
  BufferPool tiny(16, 4);
  EXPECT_THROW(make_compressor(settings, tiny, [](Slice) {}), ConfigError);
}

TEST(GzipFormat, LargestBlockFitsItsBufferAndOneMoreDoesNot) {
  for (std::size_t buffer : {std::size_t{100}, std::size_t{4096}, std::size_t{70000}, kMiB, 5 * kMiB + 3}) {
    const std::size_t block = max_gzip_block_input(buffer);
    ASSERT_GT(block, 0u);
    EXPECT_LE(gzip_block_buffer_size(block), buffer);
    EXPECT_GT(gzip_block_buffer_size(block + 1), buffer);
    EXPECT_GE(gzip_block_buffer_size(block), stored_size(block) + kGzipHeaderSize + kGzipTrailerSize);
  }
  EXPECT_EQ(max_gzip_block_input(kGzipHeaderSize + kGzipTrailerSize), 0u);
  EXPECT_GE(max_gzip_block_input(gzip_block_buffer_size(kMiB)), kMiB);
}

TEST(GzipFormat, StoredBlocksInflate) {
  // Stored blocks, final and not, read back by zlib's raw inflate.
  const std::string data = random_bytes(200000, 9);
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  std::vector<std::uint8_t> out(2 * stored_size(data.size()));
  std::size_t size = write_stored_blocks(bytes.first(70000), BlockEnd::kSyncFlush, out);
  size += write_stored_blocks(bytes.subspan(70000), BlockEnd::kFinal, std::span(out).subspan(size));
  EXPECT_EQ(size, stored_size(70000) + stored_size(data.size() - 70000));
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
  std::string back(data.size() + 1, '\0');
  z.next_in = out.data();
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(back.data());
  z.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u);
  back.resize(back.size() - z.avail_out);
  inflateEnd(&z);
  EXPECT_TRUE(back == data);
}

}  // namespace
}  // namespace pgdump2s3::pipeline
