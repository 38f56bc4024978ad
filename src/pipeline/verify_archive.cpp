#include "pipeline/verify_archive.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "pg/pg_version.h"
#include "pipeline/spool_folder.h"
#include "util/error.h"

namespace pgdump2s3::pipeline {
namespace {

// An anonymous in-memory file for pg_restore --list's output: the child
// writes all of it without anyone reading a pipe meanwhile (a pipe left
// unread would block it, and so the stream feeding it).
class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("pg_restore-list", MFD_CLOEXEC)) {
    if (fd_ < 0) throw RuntimeError(std::string("memfd_create: ") + std::strerror(errno));
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  int fd() const { return fd_; }
  std::string contents() const {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
      const ssize_t n = pread(fd_, buf, sizeof buf, at);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

 private:
  int fd_;
};

// Entries of a `pg_restore --list` listing: every line but the ';' comments.
int count_entries(std::string_view listing) {
  int entries = 0;
  while (!listing.empty()) {
    const std::size_t end = listing.find('\n');
    const std::string_view line = listing.substr(0, end);
    if (!line.empty() && line.front() != ';') ++entries;
    if (end == std::string_view::npos) break;
    listing.remove_prefix(end + 1);
  }
  return entries;
}

// The newest pg_restore found: any archive an older pg_dump wrote, it reads.
pg::FoundTool newest_pg_restore(const pg::ToolSearch& search) {
  std::vector<pg::FoundTool> found = pg::find_tools("pg_restore", search);
  if (found.empty()) {
    throw ConfigError("pg_restore not found (install postgresql-client, or set PG_RESTORE_PATH to it)");
  }
  const pg::FoundTool* newest = &found.front();
  for (const pg::FoundTool& t : found) {
    if (t.version_num > newest->version_num) newest = &t;
  }
  return *newest;
}

void require_success(std::string_view what, const pg::ExitStatus& status, const ToolMessages& messages) {
  if (!status.success()) throw RuntimeError(std::string(what) + " " + status.describe() + ": " + messages.first_errors());
}

// pg_restore --list reading stdin; it stops reading after the table of
// contents, which is fine: the rest is still decompressed and hashed.
class ListSink final : public DumpSink {
 public:
  ListSink(pg::ChildOptions options, ChildSlot& slot, std::function<void(int entries)> done)
      : done_(std::move(done)) {
    options.stdout_to = pg::Redirect::to_fd(listing_.fd());
    sink_ = std::make_unique<ChildSink>(std::move(options), slot, [](const pg::ExitStatus& s, const ToolMessages& m) {
      require_success("pg_restore --list", s, m);
    }, ChildSink::EarlyExit::kAllowed);
  }
  void write(std::string_view bytes) override { sink_->write(bytes); }
  void finish() override {
    sink_->finish();
    done_(count_entries(listing_.contents()));
  }

 private:
  MemoryFile listing_;
  std::unique_ptr<ChildSink> sink_;
  std::function<void(int)> done_;
};

class PlainCheckSink final : public DumpSink {
 public:
  explicit PlainCheckSink(std::string& detail) : detail_(detail) {}
  void write(std::string_view bytes) override { end_.write(bytes); }
  void finish() override {
    if (!end_.complete()) {
      throw RuntimeError("the SQL does not end as pg_dump's plain output ends (\"-- PostgreSQL database dump "
                         "complete\"): the dump is incomplete");
    }
    detail_ = "plain SQL, complete: it ends with pg_dump's \"PostgreSQL database dump complete\"";
  }

 private:
  PlainDumpEnd end_;
  std::string& detail_;
};

// The tar of a directory-format dump: tar reads all of it (and fails on a
// damaged or cut tar) unpacking only toc.dat, which pg_restore --list reads.
class DirectoryListSink final : public DumpSink {
 public:
  DirectoryListSink(const RestoreSettings& settings, pg::FoundTool tool, ChildSlot& slot, std::string& detail)
      : spool_(settings.temp_dir), tool_(std::move(tool)), slot_(slot), detail_(detail), quiet_(settings.quiet) {
    pg::ChildOptions o;
    o.argv = {"tar", "--extract", "--file=-", "--directory=" + spool_.path(), "--no-same-owner", "--wildcards",
              "*toc.dat"};
    o.stdout_to = pg::Redirect::null();
    o.quiet = quiet_;
    tar_ = std::make_unique<ChildSink>(std::move(o), slot_, [](const pg::ExitStatus& s, const ToolMessages& m) {
      require_success("tar", s, m);
    });
  }
  void write(std::string_view bytes) override { tar_->write(bytes); }
  void finish() override {
    tar_->finish();
    pg::ChildOptions o;
    o.argv = {tool_.path, "--list", "--format=directory", spool_.path()};
    o.quiet = quiet_;
    MemoryFile listing;
    o.stdout_to = pg::Redirect::to_fd(listing.fd());
    ChildSink(std::move(o), slot_, [](const pg::ExitStatus& s, const ToolMessages& m) {
      require_success("pg_restore --list", s, m);
    }).finish();
    detail_ = "the tar is whole, and pg_restore " + pg::major_version_name(tool_.version_num) +
              " --list read its toc.dat: " + std::to_string(count_entries(listing.contents())) + " entries";
  }

 private:
  SpoolFolder spool_;
  pg::FoundTool tool_;
  ChildSlot& slot_;
  std::string& detail_;
  bool quiet_;
  std::unique_ptr<ChildSink> tar_;
};

}  // namespace

ArchiveCheck::ArchiveCheck(RestoreSettings settings) : settings_(std::move(settings)) {}
ArchiveCheck::~ArchiveCheck() = default;

std::unique_ptr<DumpSink> ArchiveCheck::open(ArchiveKind kind, std::string_view head) {
  switch (kind) {
    case ArchiveKind::kCustom:
    case ArchiveKind::kTar: {
      const pg::FoundTool tool = newest_pg_restore(settings_.tools);
      pg::ChildOptions o;
      o.argv = {tool.path, "--list", "--format=" + std::string(pg_restore_format(kind))};
      o.quiet = settings_.quiet;
      const std::string name = "pg_restore " + pg::major_version_name(tool.version_num);
      return std::make_unique<ListSink>(std::move(o), slot_, [this, name](int entries) {
        detail_ = name + " --list read the table of contents: " + std::to_string(entries) + " entries";
      });
    }
    case ArchiveKind::kDirectoryTar:
      return std::make_unique<DirectoryListSink>(settings_, newest_pg_restore(settings_.tools), slot_, detail_);
    case ArchiveKind::kPlain:
      if (!looks_like_plain_dump(head)) {
        throw RuntimeError("neither a pg_dump archive (custom or tar) nor pg_dump's plain SQL: it starts with none "
                           "of their headers");
      }
      return std::make_unique<PlainCheckSink>(detail_);
  }
  throw RuntimeError("unknown archive kind");
}

}  // namespace pgdump2s3::pipeline
