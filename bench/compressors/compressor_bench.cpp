// Measures ratio and throughput of compressor configurations on one file,
// through make_compressor() exactly as the backup pipeline drives it: input
// buffers handed to write() in order, output buffers from a pool, slices to a
// sink. See README.md in this folder.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/compressor.h"

namespace pipeline = pgdump2s3::pipeline;

namespace {

struct Engine {
  pipeline::CompressionFormat format;
  pipeline::DeflateBackend backend;
};

const std::map<std::string, Engine> kEngines = {
    {"none", {pipeline::CompressionFormat::kNone, pipeline::DeflateBackend::kZlib}},
    {"zlib", {pipeline::CompressionFormat::kGzip, pipeline::DeflateBackend::kZlib}},
    {"libdeflate", {pipeline::CompressionFormat::kGzip, pipeline::DeflateBackend::kLibdeflate}},
    {"isal", {pipeline::CompressionFormat::kGzip, pipeline::DeflateBackend::kIsal}},
    {"zstd", {pipeline::CompressionFormat::kZstd, pipeline::DeflateBackend::kZlib}},
};

struct Run {
  double wall_s = 0;
  double cpu_s = 0;
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Fills a buffer with read() until it is full or the file ends, like the
// pipeline's reader; returns false at the end of the file.
bool fill(int fd, pipeline::Buffer& buffer) {
  while (buffer.size < buffer.capacity) {
    const ssize_t n = ::read(fd, buffer.data + buffer.size, buffer.capacity - buffer.size);
    if (n < 0) throw std::runtime_error("read failed");
    if (n == 0) return false;
    buffer.size += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t output_buffer_count(const pipeline::CompressionSettings& settings) {
  // The sink drops slices at once, so blocks in flight and one spare suffice.
  return std::max<std::size_t>(4, 2 * static_cast<std::size_t>(pipeline::compression_threads(settings)) + 2);
}

// Counts the output; writes it to `out_fd` when that is open (for checking
// it with gzip -t / zstd -t).
pipeline::SliceSink counting_sink(Run& run, int out_fd) {
  return [&run, out_fd](pipeline::Slice slice) {
    run.out += slice.length;
    if (out_fd >= 0 && ::write(out_fd, slice.view().data(), slice.length) != static_cast<ssize_t>(slice.length)) {
      throw std::runtime_error("write failed");
    }
  };
}

// One pass over input already in memory, in buffers of `buffer_size`.
Run compress_buffers(const pipeline::CompressionSettings& settings, const std::vector<pipeline::BufferRef>& input,
                     std::size_t buffer_size, int out_fd) {
  pipeline::BufferPool output_pool(std::max<std::size_t>(1, pipeline::output_buffer_size(settings, buffer_size)),
                                   output_buffer_count(settings));
  Run run;
  auto sink = counting_sink(run, out_fd);
  const double cpu0 = cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  {
    auto compressor = pipeline::make_compressor(settings, output_pool, sink);
    for (const auto& buffer : input) compressor->write(buffer);
    compressor->finish();
    run.in = compressor->bytes_in();
  }  // includes joining the workers
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  run.cpu_s = cpu_seconds() - cpu0;
  return run;
}

// Streams stdin through the compressor, reading like the pipeline's reader:
// measures whether compression keeps up with a producer (pg_dump | bench).
Run compress_stream(const pipeline::CompressionSettings& settings, std::size_t buffer_size, int out_fd) {
  pipeline::BufferPool input_pool(buffer_size, pipeline::input_buffers_held(settings) + 2);
  pipeline::BufferPool output_pool(std::max<std::size_t>(1, pipeline::output_buffer_size(settings, buffer_size)),
                                   output_buffer_count(settings));
  Run run;
  auto sink = counting_sink(run, out_fd);
  const double cpu0 = cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  {
    auto compressor = pipeline::make_compressor(settings, output_pool, sink);
    for (bool more = true; more;) {
      pipeline::BufferRef buffer = input_pool.acquire();
      more = fill(0, *buffer);
      compressor->write(std::move(buffer));
    }
    compressor->finish();
    run.in = compressor->bytes_in();
  }
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  run.cpu_s = cpu_seconds() - cpu0;
  return run;
}

// The whole file in buffers of `buffer_size` from `pool` (created here).
std::vector<pipeline::BufferRef> load(const std::string& path, std::unique_ptr<pipeline::BufferPool>& pool,
                                      std::size_t buffer_size) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  ::lseek(fd, 0, SEEK_SET);
  const std::size_t count = std::max<std::size_t>(1, (static_cast<std::size_t>(size) + buffer_size - 1) / buffer_size);
  pool = std::make_unique<pipeline::BufferPool>(buffer_size, count);
  std::vector<pipeline::BufferRef> buffers;
  for (std::size_t i = 0; i < count; ++i) {
    buffers.push_back(pool->acquire());
    fill(fd, *buffers.back());
  }
  ::close(fd);
  return buffers;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ratio and MiB/s of compressor configurations through the pipeline's Compressor"};
  std::string path;
  std::vector<std::string> engines = {"zlib", "libdeflate", "isal", "zstd"};
  std::vector<int> levels;
  std::vector<int> threads = {1, 2};
  int repeat = 3;
  std::size_t buffer_kib = 1024;
  std::string output;
  app.add_option("file", path, "input file ('-': stream stdin once, e.g. pg_dump ... | compressor_bench -)")
      ->required();
  app.add_option("--engine", engines, "none, zlib, libdeflate, isal, zstd")->delimiter(',');
  app.add_option("--level", levels, "levels (default per engine: zlib 1,6; libdeflate 1,6; isal 0-3; zstd 1,3)")
      ->delimiter(',');
  app.add_option("--threads", threads, "compression threads (0: one per core)")->delimiter(',');
  app.add_option("--repeat", repeat, "runs per configuration; the median is reported")->check(CLI::PositiveNumber);
  app.add_option("--buffer-kib", buffer_kib, "input buffer size in KiB (the reader's ring slots)")
      ->check(CLI::PositiveNumber);
  app.add_option("--output", output, "write the (last) compressed output here, to check it");
  CLI11_PARSE(app, argc, argv);

  const std::map<std::string, std::vector<int>> default_levels = {
      {"none", {0}}, {"zlib", {1, 6}}, {"libdeflate", {1, 6}}, {"isal", {0, 1, 2, 3}}, {"zstd", {1, 3}}};
  const std::size_t buffer_size = buffer_kib * 1024;
  int out_fd = -1;
  if (!output.empty()) {
    out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0) throw std::runtime_error("cannot create " + output);
  }

  try {
    std::unique_ptr<pipeline::BufferPool> input_pool;
    std::vector<pipeline::BufferRef> input;
    if (path != "-") input = load(path, input_pool, buffer_size);
    std::printf("%-10s %5s %7s %7s %9s %11s %12s\n", "engine", "level", "threads", "ratio", "MiB/s", "MiB/cpu-s",
                "out bytes");
    for (const auto& name : engines) {
      const auto engine = kEngines.find(name);
      if (engine == kEngines.end()) throw std::runtime_error("unknown engine " + name);
      for (int level : levels.empty() ? default_levels.at(name) : levels) {
        for (int thread_count : threads) {
          pipeline::CompressionSettings settings;
          settings.format = engine->second.format;
          settings.backend = engine->second.backend;
          settings.level = level;
          settings.threads = thread_count;
          std::vector<double> wall, cpu;
          Run run;
          for (int i = 0; i < (path == "-" ? 1 : repeat); ++i) {
            if (out_fd >= 0 && ::ftruncate(out_fd, 0) == 0) ::lseek(out_fd, 0, SEEK_SET);
            run = path == "-" ? compress_stream(settings, buffer_size, out_fd)
                              : compress_buffers(settings, input, buffer_size, out_fd);
            wall.push_back(run.wall_s);
            cpu.push_back(run.cpu_s);
          }
          const double mib = static_cast<double>(run.in) / (1024.0 * 1024.0);
          std::printf("%-10s %5d %7d %7.3f %9.1f %11.1f %12llu\n", name.c_str(), level,
                      pipeline::compression_threads(settings),
                      run.out ? static_cast<double>(run.in) / static_cast<double>(run.out) : 0.0, mib / median(wall),
                      mib / median(cpu), static_cast<unsigned long long>(run.out));
          std::fflush(stdout);
        }
      }
    }
    input.clear();  // before input_pool
  } catch (const std::exception& e) {
    std::cerr << "compressor_bench: " << e.what() << "\n";
    return 1;
  }
  if (out_fd >= 0) ::close(out_fd);
  return 0;
}
