// Parallel gzip (DESIGN.md "Parallel gzip"): the input is cut into blocks,
// each block is deflated on a worker thread with the 32 KiB before it as
// dictionary and ends with a sync flush, and the driver thread emits the
// blocks in order as one gzip member, joining their CRC-32s with
// crc32_combine. The result is a plain .gz (RFC 1952) that gzip, pigz and
// zcat read. With a deflate engine that cannot continue a stream
// (libdeflate, see deflate_engine_libdeflate.cpp) every block is its own
// gzip member instead.
//
// Blocks. An input buffer of at least kInPlaceMinimum bytes is compressed in
// place: it becomes one block, or several slices of it when it is larger
// than an output buffer can take. Smaller writes (a pipe read that came back
// short, a test feeding one byte at a time) are copied into a staging block
// of kStagingBlock bytes, so that tiny writes neither make tiny blocks nor
// pin many input buffers. Staging memory is fixed: max_in_flight() + 2
// blocks, allocated on the first small write.
//
// Memory and backpressure. At most max_in_flight() blocks are between
// dispatch and emission; write() waits for the oldest one when the limit is
// reached. Each block takes one output buffer from the pool and is emitted
// as one slice of it, or copied into the free room of the previous block's
// buffer when it fits there (see emit()). Output buffers are taken in
// block order, so the
// oldest block never waits for a buffer that a younger one holds: a worker
// waits for memory only while downstream holds it (that is the
// backpressure from the uploader). The compressor keeps at most
// input_buffers_held() input buffers referenced: workers drop a block's
// input as soon as it is compressed.
//
// Threads. write(), finish(), the sink and the staging/previous/emission
// state belong to the driver thread. Workers take queued blocks, compress
// them and mark them done; the queue counters, block states, stop/cancel
// flags and the first worker error are guarded by mutex_. A block's input
// fields are written by the driver before it is queued and its result fields
// by its worker before it is marked done, both under mutex_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pipeline/compressor.h"
#include "pipeline/deflate_engine.h"

namespace pgdump2s3::pipeline {

class ParallelGzipCompressor final : public Compressor {
 public:
  // Writes smaller than this are copied into a staging block. At the size of
  // the dictionary, an in-place block is never shorter than the window the
  // next block looks back into.
  static constexpr std::size_t kInPlaceMinimum = kDeflateWindow;
  // The block size of pigz (its -b default, 128 KiB).
  static constexpr std::size_t kStagingBlock = 128 * 1024;
  // Largest block, whatever the output buffers could take: keeps the engines'
  // 32-bit lengths safe and the threads busy.
  static constexpr std::size_t kMaxBlock = 16 * 1024 * 1024;

  static std::size_t max_in_flight(int threads) { return 2 * static_cast<std::size_t>(threads); }
  // Blocks in flight plus the buffer the next block takes its dictionary from.
  static std::size_t input_buffers_held(int threads) { return max_in_flight(threads) + 1; }

  // `threads` is already resolved (at least 1). Throws ConfigError for a
  // level the backend lacks or output buffers too small for a block.
  ParallelGzipCompressor(DeflateBackend backend, int level, int threads, BufferPool& output_pool,
                         SliceSink sink);
  ~ParallelGzipCompressor() override;
  ParallelGzipCompressor(const ParallelGzipCompressor&) = delete;
  ParallelGzipCompressor& operator=(const ParallelGzipCompressor&) = delete;

  void write(BufferRef input) override;
  void finish() override;
  // Wakes the driver and the workers; a worker waiting for an output buffer
  // can only be woken by cancelling the output pool, which cancel() (and the
  // destructor of an unfinished compressor) therefore does in that case.
  void cancel() override;

  std::uint64_t bytes_in() const override { return bytes_in_; }
  std::uint64_t bytes_out() const override { return bytes_out_; }

 private:
  enum class BlockState { kFree, kQueued, kDone, kFailed };
  struct Block {
    Slice input;       // read in place; dropped by the worker when compressed
    Slice dictionary;  // the bytes just before `input`, at most kDeflateWindow
    BlockEnd end = BlockEnd::kSyncFlush;
    bool gzip_header = false;
    BlockState state = BlockState::kFree;
    // Results, written by the worker.
    BufferRef output;
    std::size_t input_size = 0;
    std::uint32_t crc = 0;
  };

  Block& slot(std::uint64_t sequence) { return blocks_[sequence % blocks_.size()]; }
  BlockEnd inner_block_end() const { return single_member_ ? BlockEnd::kSyncFlush : BlockEnd::kFinal; }
  void check_usable() const;
  void stage(std::span<const std::uint8_t> bytes);
  void dispatch_staging(BlockEnd end);
  void dispatch(Slice input, BlockEnd end);
  void emit_oldest();
  void emit_ready();
  void emit(Block& block);
  void worker_loop(DeflateEngine& engine);
  void compress(DeflateEngine& engine, Block& block, BufferRef output);
  void stop_workers();

  BufferPool& output_pool_;
  const SliceSink sink_;
  std::vector<std::unique_ptr<DeflateEngine>> engines_;  // one per worker
  bool single_member_ = true;
  std::size_t max_block_ = 0;
  std::size_t staging_block_ = 0;

  // Driver thread only.
  std::unique_ptr<BufferPool> staging_pool_;
  BufferRef staging_;
  Slice previous_;  // tail of the last dispatched block: the next one's dictionary
  std::weak_ptr<Buffer> tail_;  // the last emitted output buffer: small outputs are packed into its free room
  std::uint64_t emitted_ = 0;
  std::uint32_t crc_ = 0;
  std::uint64_t emitted_input_ = 0;
  bool finished_ = false;
  bool failed_ = false;

  std::vector<Block> blocks_;  // ring of max_in_flight() slots
  std::mutex acquire_mutex_;   // a worker holds it from taking a block to holding its output buffer
  std::mutex mutex_;
  std::condition_variable work_ready_;  // workers wait for a queued block
  std::condition_variable block_done_;  // the driver waits for the oldest block
  std::uint64_t dispatched_ = 0;        // guarded by mutex_
  std::uint64_t taken_ = 0;             // guarded by mutex_
  int acquiring_ = 0;                   // workers inside output_pool_.acquire(); guarded by mutex_
  bool stopping_ = false;               // guarded by mutex_
  bool cancelled_ = false;              // guarded by mutex_
  std::exception_ptr worker_error_;     // guarded by mutex_

  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
  std::vector<std::thread> workers_;  // last: started when everything else exists
};

}  // namespace pgdump2s3::pipeline
