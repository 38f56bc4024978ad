#include "pipeline/decompressor.h"

#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

// Output is handed on in pieces of this size: large enough that the sink (a
// write() into pg_restore's pipe) is called rarely, small enough to stay in
// cache.
constexpr std::size_t kOutputChunk = 256 * 1024;

class IdentityDecompressor final : public Decompressor {
 public:
  explicit IdentityDecompressor(ByteSink sink) : sink_(std::move(sink)) {}
  void write(std::string_view input) override {
    bytes_ += input.size();
    if (!input.empty()) sink_(input);
  }
  void finish() override {}
  std::uint64_t bytes_in() const override { return bytes_; }
  std::uint64_t bytes_out() const override { return bytes_; }

 private:
  ByteSink sink_;
  std::uint64_t bytes_ = 0;
};

class GzipDecompressor final : public Decompressor {
 public:
  explicit GzipDecompressor(ByteSink sink) : sink_(std::move(sink)), out_(kOutputChunk) {
    // 16 + MAX_WBITS: a gzip wrapper only, header and trailer checked
    // (zlib manual, inflateInit2).
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) throw RuntimeError("gzip: cannot initialise zlib");
  }
  ~GzipDecompressor() override { inflateEnd(&stream_); }

  void write(std::string_view input) override {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    for (;;) {
      if (member_ended_) {
        if (stream_.avail_in == 0) return;
        // RFC 1952 2.2: another member follows. gzip(1) only warns about
        // bytes that are not one ("trailing garbage ignored"); a backup with
        // such bytes is not what was uploaded, so it is an error here.
        if (stream_.next_in[0] != 0x1f) fail("bytes after the end of the last gzip member are not another member");
        inflateReset(&stream_);
        member_ended_ = false;
      }
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uInt>(out_.size());
      const uInt before = stream_.avail_in;
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      consumed_ += before - stream_.avail_in;
      const bool output_full = stream_.avail_out == 0;
      const bool progress = before != stream_.avail_in || stream_.avail_out < out_.size();
      emit();
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
        ++members_;
        continue;
      }
      if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) fail(stream_.msg != nullptr ? stream_.msg : "invalid deflate data");
      if (rc == Z_MEM_ERROR) throw RuntimeError("gzip: out of memory");
      // Z_OK or Z_BUF_ERROR: go on while input is left or output may be
      // pending (inflate filled the whole buffer).
      if ((stream_.avail_in == 0 && !output_full) || !progress) return;
    }
  }

  void finish() override {
    if (members_ == 0 && consumed_ == 0) throw RuntimeError("gzip: the stream is empty");
    if (!member_ended_) {
      throw RuntimeError("gzip: the stream ends in the middle of member " + std::to_string(members_ + 1) +
                         " after " + std::to_string(consumed_) +
                         " compressed bytes (a truncated object?): its end and CRC-32 are missing");
    }
  }
  std::uint64_t bytes_in() const override { return consumed_; }
  std::uint64_t bytes_out() const override { return produced_; }

 private:
  void emit() {
    const std::size_t n = out_.size() - stream_.avail_out;
    if (n == 0) return;
    produced_ += n;
    sink_(std::string_view(reinterpret_cast<const char*>(out_.data()), n));
  }
  [[noreturn]] void fail(const std::string& why) {
    throw RuntimeError("gzip: corrupt data at compressed byte " + std::to_string(consumed_) + " (member " +
                       std::to_string(members_ + 1) + "): " + why);
  }

  ByteSink sink_;
  std::vector<Bytef> out_;
  z_stream stream_{};
  bool member_ended_ = false;
  int members_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t produced_ = 0;
};

class ZstdDecompressor final : public Decompressor {
 public:
  explicit ZstdDecompressor(ByteSink sink) : sink_(std::move(sink)), out_(ZSTD_DStreamOutSize()) {
    context_ = ZSTD_createDCtx();
    if (context_ == nullptr) throw RuntimeError("zstd: cannot create a decompression context");
  }
  ~ZstdDecompressor() override { ZSTD_freeDCtx(context_); }

  void write(std::string_view input) override {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    // Until all input is used and the output buffer was not filled (a full
    // buffer may mean more output is pending).
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const std::size_t before = in.pos;
      const std::size_t rc = ZSTD_decompressStream(context_, &out, &in);
      if (ZSTD_isError(rc)) {
        throw RuntimeError("zstd: corrupt data at compressed byte " + std::to_string(consumed_ + before) + ": " +
                           ZSTD_getErrorName(rc));
      }
      consumed_ += in.pos - before;
      const bool progress = in.pos > before || out.pos > 0;
      // 0: a frame is complete and flushed (zstd manual,
      // ZSTD_decompressStream). A call without progress says nothing: after
      // a frame it returns the size of the next frame's header.
      if (progress) frame_open_ = rc != 0;
      if (out.pos > 0) {
        produced_ += out.pos;
        sink_(std::string_view(out_.data(), out.pos));
      }
      if ((in.pos == in.size && out.pos < out.size) || !progress) break;
    }
  }

  void finish() override {
    if (consumed_ == 0) throw RuntimeError("zstd: the stream is empty");
    if (frame_open_) {
      throw RuntimeError("zstd: the stream ends in the middle of a frame after " + std::to_string(consumed_) +
                         " compressed bytes (a truncated object?)");
    }
  }
  std::uint64_t bytes_in() const override { return consumed_; }
  std::uint64_t bytes_out() const override { return produced_; }

 private:
  ByteSink sink_;
  std::vector<char> out_;
  ZSTD_DCtx* context_ = nullptr;
  bool frame_open_ = false;
  std::uint64_t consumed_ = 0;
  std::uint64_t produced_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> make_decompressor(CompressionFormat format, ByteSink sink) {
  switch (format) {
    case CompressionFormat::kGzip: return std::make_unique<GzipDecompressor>(std::move(sink));
    case CompressionFormat::kZstd: return std::make_unique<ZstdDecompressor>(std::move(sink));
    case CompressionFormat::kNone: break;
  }
  return std::make_unique<IdentityDecompressor>(std::move(sink));
}

CompressionFormat detect_compression(std::string_view b) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) return CompressionFormat::kGzip;
  if (b.size() >= 4 && byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
    return CompressionFormat::kZstd;
  }
  return CompressionFormat::kNone;
}

}  // namespace pgdump2s3::pipeline
