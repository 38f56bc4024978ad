// ISA-L igzip: Intel's hand-written DEFLATE, the fastest of the three at the
// price of fewer levels (0-3) and a somewhat lower ratio than zlib at the
// same speed. Its streaming API has what block-parallel gzip needs
// (isa-l/igzip_lib.h): isal_deflate_set_dict() after isal_deflate_init(),
// SYNC_FLUSH ("byte align the deflate block by appending an empty stored
// block") and end_of_stream for the final block.
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/deflate_engine.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

// Levels 1-3 need a work buffer; igzip_lib.h suggests ISAL_DEF_LVLx_DEFAULT.
std::size_t level_buffer_size(int level) {
  switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return ISAL_DEF_LVL0_DEFAULT;
  }
}

class IsalEngine final : public DeflateEngine {
 public:
  explicit IsalEngine(int level) : level_(level), level_buffer_(level_buffer_size(level)) {}

  bool continues_stream() const override { return true; }

  std::size_t compress(std::span<const std::uint8_t> dictionary, std::span<const std::uint8_t> input,
                       BlockEnd end, std::span<std::uint8_t> output) override {
    isal_deflate_init(&stream_);
    stream_.level = static_cast<std::uint32_t>(level_);
    stream_.level_buf = level_buffer_.empty() ? nullptr : level_buffer_.data();
    stream_.level_buf_size = static_cast<std::uint32_t>(level_buffer_.size());
    stream_.gzip_flag = IGZIP_DEFLATE;  // raw DEFLATE: the gzip framing is ours
    stream_.flush = end == BlockEnd::kFinal ? NO_FLUSH : SYNC_FLUSH;
    stream_.end_of_stream = end == BlockEnd::kFinal ? 1 : 0;
    // ISA-L's API takes non-const pointers but only reads the input and the
    // dictionary.
    if (!dictionary.empty() &&
        isal_deflate_set_dict(&stream_, const_cast<std::uint8_t*>(dictionary.data()),
                              static_cast<std::uint32_t>(dictionary.size())) != COMP_OK) {
      throw RuntimeError("ISA-L isal_deflate_set_dict failed");
    }
    stream_.next_in = const_cast<std::uint8_t*>(input.data());
    stream_.avail_in = static_cast<std::uint32_t>(input.size());
    stream_.next_out = output.data();
    stream_.avail_out = static_cast<std::uint32_t>(output.size());
    const int result = isal_deflate(&stream_);
    if (result != COMP_OK) throw RuntimeError("ISA-L isal_deflate failed: " + std::to_string(result));
    // igzip_lib.h: after a sync flush, output space left over guarantees
    // that all input was flushed; the final block is done at ZSTATE_END.
    const bool complete = end == BlockEnd::kFinal
                              ? stream_.internal_state.state == ZSTATE_END
                              : stream_.avail_in == 0 && stream_.avail_out > 0;
    if (!complete) return 0;
    return output.size() - stream_.avail_out;
  }

  std::uint32_t crc32(std::uint32_t crc, std::span<const std::uint8_t> data) const override {
    // crc32_gzip_refl is the reflected CRC-32 of gzip (isa-l/crc.h), chained
    // like zlib's crc32().
    return crc32_gzip_refl(crc, data.data(), data.size());
  }

 private:
  const int level_;
  std::vector<std::uint8_t> level_buffer_;
  isal_zstream stream_{};
};

}  // namespace

std::unique_ptr<DeflateEngine> make_isal_engine(int level) { return std::make_unique<IsalEngine>(level); }

}  // namespace pgdump2s3::pipeline
