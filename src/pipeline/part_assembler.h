// Cuts the object's byte stream (slices from the compressor, in order) into
// upload parts of the sizes the part schedule asks for, keeping references
// to the slices (no copy). The uploader hashes the whole object as parts go
// in (s3::UploadResult::sha256_hex), so this does not hash again.
//
// Threads: one owner (the driver thread) calls add() and finish(); the part
// sink runs on that thread and may block while enough parts are in flight,
// which is the backpressure from S3 to pg_dump.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pipeline/buffer_pool.h"

namespace pgdump2s3::pipeline {

struct Part {
  int number = 0;                // 1-based, as S3 numbers parts
  std::vector<Slice> slices;     // the part's bytes, in order
  std::uint64_t size = 0;
  bool last = false;             // set on the final part (possibly empty for an empty object)
};

class PartAssembler {
 public:
  using PartSize = std::function<std::uint64_t(int part_number)>;
  using PartSink = std::function<void(Part)>;

  PartAssembler(PartSize part_size, PartSink sink);

  void add(Slice slice);
  // Hands over the last part (also when the object is empty: one empty part
  // with last = true).
  void finish();

  std::uint64_t bytes() const { return bytes_; }
  int parts_emitted() const { return next_number_ - 1; }

 private:
  void emit(bool last);

  PartSize part_size_;
  PartSink sink_;
  Part current_;
  std::uint64_t target_ = 0;
  std::uint64_t bytes_ = 0;
  int next_number_ = 1;
};

}  // namespace pgdump2s3::pipeline
