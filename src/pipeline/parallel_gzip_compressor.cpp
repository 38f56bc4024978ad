#include "pipeline/parallel_gzip_compressor.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "pipeline/gzip_format.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {

namespace {

std::span<const std::uint8_t> bytes_of(const Slice& slice) {
  if (!slice.buffer) return {};
  return {slice.buffer->data + slice.offset, slice.length};
}

// The last kDeflateWindow bytes of `slice`: all a following block can refer to.
Slice window_tail(const Slice& slice) {
  const std::size_t length = std::min(slice.length, kDeflateWindow);
  return Slice{slice.buffer, slice.offset + slice.length - length, length};
}

RuntimeError cancelled_error() {
  return RuntimeError("gzip compression stopped: the pipeline was cancelled");
}

}  // namespace

ParallelGzipCompressor::ParallelGzipCompressor(DeflateBackend backend, int level, int threads,
                                               BufferPool& output_pool, SliceSink sink)
    : output_pool_(output_pool), sink_(std::move(sink)), blocks_(max_in_flight(threads)) {
  for (int i = 0; i < threads; ++i) engines_.push_back(make_deflate_engine(backend, level));
  single_member_ = engines_.front()->continues_stream();
  max_block_ = std::min(max_gzip_block_input(output_pool_.buffer_size()), kMaxBlock);
  if (max_block_ == 0) {
    throw ConfigError("gzip output buffers of " + std::to_string(output_pool_.buffer_size()) +
                      " bytes are too small for a block (need output_buffer_size())");
  }
  staging_block_ = std::min(max_block_, kStagingBlock);
  try {
    for (auto& engine : engines_) workers_.emplace_back([this, &engine] { worker_loop(*engine); });
  } catch (...) {
    stop_workers();
    throw;
  }
}

ParallelGzipCompressor::~ParallelGzipCompressor() { stop_workers(); }

void ParallelGzipCompressor::stop_workers() {
  bool wake_acquirers = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_acquirers = acquiring_ > 0;
  }
  work_ready_.notify_all();
  block_done_.notify_all();
  // A worker blocked in acquire() wakes only on a freed buffer or a
  // cancelled pool; an unfinished compressor is being torn down after a
  // failure, so the pool's budget is not needed any more.
  if (wake_acquirers) output_pool_.cancel();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void ParallelGzipCompressor::cancel() {
  bool wake_acquirers = false;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    stopping_ = true;
    wake_acquirers = acquiring_ > 0;
  }
  work_ready_.notify_all();
  block_done_.notify_all();
  if (wake_acquirers) output_pool_.cancel();
}

void ParallelGzipCompressor::check_usable() const {
  if (finished_) throw std::logic_error("Compressor used after finish()");
  if (failed_) throw RuntimeError("gzip compression already failed");
}

void ParallelGzipCompressor::write(BufferRef input) {
  check_usable();
  try {
    const std::size_t size = input ? input->size : 0;
    bytes_in_ += size;
    if (size == 0) return;
    if (size < kInPlaceMinimum) {
      stage(input->bytes());
    } else {
      dispatch_staging(inner_block_end());
      for (std::size_t offset = 0; offset < size;) {
        const std::size_t length = std::min(max_block_, size - offset);
        dispatch(Slice{input, offset, length}, inner_block_end());
        offset += length;
      }
    }
    emit_ready();
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void ParallelGzipCompressor::finish() {
  check_usable();
  try {
    if (staging_) {
      dispatch_staging(BlockEnd::kFinal);
    } else if (single_member_ || dispatched_ == 0) {
      // The stream needs its final block (BFINAL) even when the input ended
      // exactly after a sync-flushed block: an empty one, 2 bytes. Empty
      // input still makes a valid .gz.
      dispatch(Slice{}, BlockEnd::kFinal);
    }
    while (emitted_ < dispatched_) emit_oldest();
    finished_ = true;
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void ParallelGzipCompressor::stage(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    if (!staging_) {
      // Never waits: the staged blocks in flight, the one before the oldest
      // (its dictionary) and previous_ hold at most max_in_flight() + 1.
      if (!staging_pool_) staging_pool_ = std::make_unique<BufferPool>(staging_block_, blocks_.size() + 2);
      staging_ = staging_pool_->acquire();
    }
    const std::size_t length = std::min(bytes.size(), staging_->capacity - staging_->size);
    std::memcpy(staging_->data + staging_->size, bytes.data(), length);
    staging_->size += length;
    bytes = bytes.subspan(length);
    if (staging_->size == staging_->capacity) dispatch_staging(inner_block_end());
  }
}

void ParallelGzipCompressor::dispatch_staging(BlockEnd end) {
  if (!staging_) return;
  const std::size_t size = staging_->size;
  dispatch(Slice{std::move(staging_), 0, size}, end);
  staging_.reset();
}

void ParallelGzipCompressor::dispatch(Slice input, BlockEnd end) {
  // Backpressure: with max_in_flight() blocks between dispatch and
  // emission, the driver waits for the oldest.
  while (dispatched_ - emitted_ >= blocks_.size()) emit_oldest();
  Block& block = slot(dispatched_);
  block.dictionary = single_member_ ? previous_ : Slice{};
  block.gzip_header = !single_member_ || dispatched_ == 0;
  block.end = end;
  if (single_member_) previous_ = window_tail(input);
  block.input = std::move(input);
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) throw cancelled_error();
    block.state = BlockState::kQueued;
    ++dispatched_;
  }
  work_ready_.notify_one();
}

void ParallelGzipCompressor::emit_oldest() {
  Block& block = slot(emitted_);
  {
    std::unique_lock lock(mutex_);
    block_done_.wait(lock, [&] { return block.state != BlockState::kQueued || cancelled_; });
    if (cancelled_) throw cancelled_error();
    if (block.state == BlockState::kFailed && worker_error_) std::rethrow_exception(worker_error_);
    if (block.state != BlockState::kDone) throw cancelled_error();  // no output buffer: pool cancelled
  }
  emit(block);
}

void ParallelGzipCompressor::emit_ready() {
  while (emitted_ < dispatched_) {
    Block& block = slot(emitted_);
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) throw cancelled_error();
      if (block.state != BlockState::kDone) return;
    }
    emit(block);
  }
}

void ParallelGzipCompressor::emit(Block& block) {
  BufferRef output = std::move(block.output);
  block.output.reset();
  block.state = BlockState::kFree;
  ++emitted_;
  if (single_member_) {
    // RFC 1952 2.3.1: CRC32 and ISIZE of the whole member's data.
    crc_ = static_cast<std::uint32_t>(crc32_combine(crc_, block.crc, static_cast<z_off_t>(block.input_size)));
    emitted_input_ += block.input_size;
    if (block.end == BlockEnd::kFinal) {
      // compress() left kGzipTrailerSize bytes free for this.
      write_gzip_trailer(output->writable().subspan(output->size).first<kGzipTrailerSize>(), crc_,
                         emitted_input_);
      output->size += kGzipTrailerSize;
    }
  }
  const std::size_t size = output->size;
  bytes_out_ += size;
  // Packing: a block's output usually fills a fraction of its buffer (a
  // third on application data, a thirtieth on pgbench's), and downstream
  // holds a part's buffers until S3 acknowledges it. Emitted one buffer per
  // block, a 5 MiB part of very compressible data would pin more buffers
  // than the pool has, and the pipeline would wait on itself. So an output
  // that fits in the free room of the previous block's buffer is copied
  // there (bytes past every slice already emitted from it, which no reader
  // touches) and its own buffer goes back to the pool at once. Only
  // compressed bytes are copied, at most one buffer's worth per buffer.
  // The previous buffer is only watched (weak_ptr): it is used while
  // downstream still holds it, which is when packing matters. Holding it
  // here would keep it from the pool, and with few buffers the oldest block
  // would wait for a buffer that only this thread could give back.
  if (BufferRef tail = tail_.lock(); tail && tail->capacity - tail->size >= size) {
    std::memcpy(tail->data + tail->size, output->data, size);
    const std::size_t offset = tail->size;
    tail->size += size;
    output.reset();
    sink_(Slice{std::move(tail), offset, size});
    return;
  }
  tail_ = output;
  sink_(Slice{std::move(output), 0, size});
}

void ParallelGzipCompressor::worker_loop(DeflateEngine& engine) {
  for (;;) {
    Block* block = nullptr;
    BufferRef output;
    {
      // Taking a block and its output buffer under acquire_mutex_ makes
      // blocks take buffers in order (see the header).
      std::lock_guard order(acquire_mutex_);
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || taken_ < dispatched_; });
      if (stopping_) return;
      block = &slot(taken_++);
      ++acquiring_;
      lock.unlock();
      output = output_pool_.acquire();  // nullptr: the pipeline was cancelled
      lock.lock();
      --acquiring_;
      if (!output) {
        block->state = BlockState::kFailed;
        lock.unlock();
        block_done_.notify_all();
        continue;
      }
    }
    try {
      compress(engine, *block, std::move(output));
      std::lock_guard lock(mutex_);
      block->state = BlockState::kDone;
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!worker_error_) worker_error_ = std::current_exception();
      block->state = BlockState::kFailed;
    }
    block_done_.notify_all();
  }
}

void ParallelGzipCompressor::compress(DeflateEngine& engine, Block& block, BufferRef output) {
  const std::span<const std::uint8_t> input = bytes_of(block.input);
  const std::span<std::uint8_t> out = output->writable();
  std::size_t size = 0;
  if (block.gzip_header) {
    write_gzip_header(out.first<kGzipHeaderSize>());
    size = kGzipHeaderSize;
  }
  // Everything but the trailer's room is the engine's; the pool's buffers
  // are at least gzip_block_buffer_size(max_block_), so stored blocks fit.
  const std::span<std::uint8_t> room = out.subspan(size, out.size() - size - kGzipTrailerSize);
  std::size_t written = engine.compress(bytes_of(block.dictionary), input, block.end, room);
  if (written == 0) written = write_stored_blocks(input, block.end, room);
  size += written;
  block.crc = engine.crc32(0, input);
  block.input_size = input.size();
  if (!single_member_) {
    // A member of its own (libdeflate): its own trailer.
    write_gzip_trailer(out.subspan(size).first<kGzipTrailerSize>(), block.crc, input.size());
    size += kGzipTrailerSize;
  }
  output->size = size;
  block.output = std::move(output);
  // Give the input buffers back now: the reader may be waiting for one.
  block.input = Slice{};
  block.dictionary = Slice{};
}

}  // namespace pgdump2s3::pipeline
