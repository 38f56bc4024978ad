#include "pipeline/part_assembler.h"

namespace pgdump2s3::pipeline {

PartAssembler::PartAssembler(PartSize part_size, PartSink sink)
    : part_size_(std::move(part_size)), sink_(std::move(sink)) {
  current_.number = next_number_;
  target_ = part_size_(current_.number);
}

void PartAssembler::add(Slice slice) {
  bytes_ += slice.length;
  while (slice.length > 0) {
    // A full part goes out only once more bytes follow, so that the final
    // part is always flagged `last` (a stream of exactly one part size is
    // one PutObject, not a multipart upload of one part).
    if (current_.size == target_) emit(false);
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(target_ - current_.size, slice.length));
    current_.slices.push_back(Slice{slice.buffer, slice.offset, take});
    current_.size += take;
    slice.offset += take;
    slice.length -= take;
  }
}

void PartAssembler::finish() { emit(true); }

void PartAssembler::emit(bool last) {
  Part part = std::move(current_);
  part.last = last;
  current_ = Part{};
  current_.number = ++next_number_;
  if (!last) target_ = part_size_(current_.number);
  sink_(std::move(part));
}

}  // namespace pgdump2s3::pipeline
