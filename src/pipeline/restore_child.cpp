#include "pipeline/restore_child.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

constexpr std::size_t kKeptErrors = 5;
constexpr std::string_view kErrorsIgnored = "errors ignored on restore: ";

bool is_error_line(const std::string& line) {
  return line.find("error:") != std::string::npos || line.find("ERROR:") != std::string::npos ||
         line.find("FATAL:") != std::string::npos;
}

}  // namespace

void ToolMessages::add(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (first_line_.empty()) first_line_ = line;
  if (auto at = line.find(kErrorsIgnored); at != std::string::npos) {
    errors_ignored_ = std::atoi(line.c_str() + at + kErrorsIgnored.size());
    return;
  }
  if (!is_error_line(line)) return;
  ++error_count_;
  if (errors_.size() < kKeptErrors) errors_.push_back(line);
}

std::string ToolMessages::first_errors(std::size_t count) const {
  std::lock_guard lock(mutex_);
  if (errors_.empty()) return first_line_;
  std::string out;
  for (std::size_t i = 0; i < errors_.size() && i < count; ++i) out += (i == 0 ? "" : "; ") + errors_[i];
  return out;
}

int ToolMessages::error_lines() const {
  std::lock_guard lock(mutex_);
  return error_count_;
}

std::optional<int> ToolMessages::errors_ignored() const {
  std::lock_guard lock(mutex_);
  return errors_ignored_;
}

void ChildSlot::set(pg::ChildProcess* child) {
  std::lock_guard lock(mutex_);
  child_ = child;
}

void ChildSlot::stop() {
  std::lock_guard lock(mutex_);
  if (child_ != nullptr) child_->send_signal(SIGTERM);
}

ChildSink::ChildSink(pg::ChildOptions options, ChildSlot& slot, ExitJudge judge, EarlyExit early_exit)
    : messages_(std::make_shared<ToolMessages>()),
      name_(std::filesystem::path(options.argv.at(0)).filename().string()),
      slot_(slot),
      judge_(std::move(judge)),
      early_exit_(early_exit) {
  options.stdin_from = pg::Redirect::pipe();
  std::function<void(const std::string&)> also = std::move(options.on_stderr_line);
  options.on_stderr_line = [messages = messages_, also](const std::string& line) {
    messages->add(line);
    if (also) also(line);
  };
  child_ = std::make_unique<pg::ChildProcess>(std::move(options));
  slot_.set(child_.get());
}

ChildSink::~ChildSink() {
  // Before the child goes: the signal listener must not reach a dead one.
  slot_.set(nullptr);
}

void ChildSink::write(std::string_view bytes) {
  while (!bytes.empty() && !done_reading_) {
    const ssize_t n = ::write(child_->stdin_fd(), bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EPIPE) {
      // SIGPIPE is ignored (ShutdownSignal::install), so write fails instead.
      if (early_exit_ == EarlyExit::kFailure) stopped_reading();
      done_reading_ = true;
      child_->close_stdin();
    } else if (errno != EINTR) {
      throw RuntimeError("writing the dump to " + name_ + ": " + std::strerror(errno));
    }
  }
}

void ChildSink::finish() {
  child_->close_stdin();
  const pg::ExitStatus status = child_->wait();
  judge_(status, *messages_);
}

void ChildSink::stopped_reading() {
  child_->close_stdin();
  const pg::ExitStatus status = child_->wait();
  judge_(status, *messages_);
  // It exited 0 without reading everything: what it restored is not the dump.
  throw RuntimeError(name_ + " exited (" + status.describe() + ") before it had read the whole dump");
}

}  // namespace pgdump2s3::pipeline
