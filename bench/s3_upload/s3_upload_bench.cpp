// Upload throughput of MultipartUpload (parts sent in place from memory,
// N workers) against `aws s3 cp -` fed the same bytes on stdin, to the same
// server, alternating, several rounds. Keys come from the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never argv. README.md beside.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "s3/multipart_upload.h"
#include "s3/part_schedule.h"
#include "s3/s3_client.h"
#include "s3/static_credentials_provider.h"

extern char** environ;

namespace s3 = pgdump2s3::s3;

namespace {

using Clock = std::chrono::steady_clock;

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(name) + " is not set");
  return v;
}

std::string random_bytes(std::size_t size) {
  std::string out(size, '\0');
  std::mt19937_64 random(1);
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    std::uint64_t v = random();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Measure {
  double wall_s = 0;
  double cpu_s = 0;  // this process only (the AWS CLI's is its own)
};

Measure upload_with_engine(const s3::S3Client& client, const s3::S3Location& at, const std::string& data,
                           std::size_t part_size, std::size_t concurrency) {
  s3::MultipartUploadOptions options;
  options.concurrency = concurrency;
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  s3::MultipartUpload upload(client, at, options);
  std::string_view bytes(data);
  for (std::size_t offset = 0; offset < bytes.size(); offset += part_size) {
    upload.add_part({{bytes.substr(offset, part_size), nullptr}});
  }
  upload.finish();
  return {std::chrono::duration<double>(Clock::now() - t0).count(), cpu_seconds() - cpu0};
}

Measure upload_with_aws_cli(const std::string& endpoint, const std::string& region, const std::string& uri,
                            const std::string& data) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
  std::vector<std::string> args = {"aws", "--endpoint-url", endpoint, "--region", region, "s3", "cp", "-", uri,
                                   "--only-show-errors"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto t0 = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, "aws", &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start aws");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[0]);
  for (std::size_t off = 0; off < data.size();) {
    ssize_t n = write(pipe_fds[1], data.data() + off, data.size() - off);
    if (n <= 0) throw std::runtime_error("writing to aws failed");
    off += static_cast<std::size_t>(n);
  }
  close(pipe_fds[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("aws s3 cp failed");
  return {std::chrono::duration<double>(Clock::now() - t0).count(), 0};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Upload throughput: pgdump2s3's multipart engine vs aws s3 cp -"};
  std::string endpoint, bucket = "backups", region = "us-east-1", prefix = "bench/s3_upload";
  std::size_t size_mib = 1024, part_mib = 0, concurrency = 4;
  int rounds = 3;
  std::string checksum = "md5";
  app.add_option("--endpoint", endpoint, "S3 endpoint URL (path-style)")->required();
  app.add_option("--bucket", bucket);
  app.add_option("--region", region);
  app.add_option("--prefix", prefix, "key prefix of the uploaded objects");
  app.add_option("--size-mib", size_mib, "object size");
  app.add_option("--part-mib", part_mib, "part size; 0: PartSchedule from the size (5 MiB up to 5 GiB)");
  app.add_option("--concurrency", concurrency, "parts in flight");
  app.add_option("--rounds", rounds);
  app.add_option("--checksum", checksum, "md5 (Content-MD5) or sha256 (x-amz-checksum-sha256)")
      ->check(CLI::IsMember({"md5", "sha256"}));
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);

  try {
    s3::S3ClientConfig config;
    config.settings.endpoint_url = endpoint;
    config.settings.path_style = true;
    config.settings.region = region;
    config.checksum = checksum == "sha256" ? s3::PayloadChecksum::kSha256 : s3::PayloadChecksum::kContentMd5;
    config.credentials = std::make_shared<s3::StaticCredentialsProvider>(
        s3::Credentials{required_env("AWS_ACCESS_KEY_ID"), required_env("AWS_SECRET_ACCESS_KEY"), "", {}},
        "environment");
    s3::S3Client client(config);

    const std::uint64_t size = static_cast<std::uint64_t>(size_mib) * s3::kMiB;
    const std::size_t part_size =
        part_mib > 0 ? part_mib * s3::kMiB : static_cast<std::size_t>(s3::PartSchedule(size).first_part_size());
    const std::string data = random_bytes(size);
    std::printf("object %zu MiB, engine parts %zu MiB x %zu in flight, checksum %s, %d rounds, endpoint %s\n",
                size_mib, part_size / s3::kMiB, concurrency, checksum.c_str(), rounds, endpoint.c_str());

    std::vector<double> engine_mibs, engine_cpu, cli_mibs;
    for (int round = 0; round < rounds; ++round) {
      // Alternate which goes first, so neither always meets a warmer server.
      for (int turn = 0; turn < 2; ++turn) {
        bool engine_turn = (turn == 0) == (round % 2 == 0);
        if (engine_turn) {
          Measure m = upload_with_engine(client, {bucket, prefix + "/engine.bin"}, data, part_size, concurrency);
          engine_mibs.push_back(size_mib / m.wall_s);
          engine_cpu.push_back(m.cpu_s);
          std::printf("round %d engine   %7.1f MiB/s  %.2f s  cpu %.2f s\n", round + 1, size_mib / m.wall_s,
                      m.wall_s, m.cpu_s);
        } else {
          Measure m = upload_with_aws_cli(endpoint, region, "s3://" + bucket + "/" + prefix + "/aws-cli.bin", data);
          cli_mibs.push_back(size_mib / m.wall_s);
          std::printf("round %d aws cli  %7.1f MiB/s  %.2f s\n", round + 1, size_mib / m.wall_s, m.wall_s);
        }
        std::fflush(stdout);
      }
    }
    for (const char* key : {"/engine.bin", "/aws-cli.bin"}) {
      std::optional<s3::ObjectInfo> info = client.head_object({bucket, prefix + key});
      if (!info || info->size != size) throw std::runtime_error(prefix + key + " has the wrong size");
    }
    std::printf("median: engine %.1f MiB/s (cpu %.2f s per upload), aws s3 cp - %.1f MiB/s\n", median(engine_mibs),
                median(engine_cpu), median(cli_mibs));
    client.delete_objects(bucket, {prefix + "/engine.bin", prefix + "/aws-cli.bin"});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s3_upload_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
