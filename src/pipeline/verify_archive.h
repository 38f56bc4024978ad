// The archive check of `verify` without a database: pg_restore --list must
// read the table of contents of a custom or tar archive (of the tar of a
// directory-format dump: its toc.dat, unpacked alone), and plain SQL must
// start and end as pg_dump's plain output does.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "pipeline/restore_child.h"
#include "pipeline/restore_format.h"
#include "pipeline/restore_target.h"

namespace pgdump2s3::pipeline {

class ArchiveCheck {
 public:
  explicit ArchiveCheck(RestoreSettings settings);
  ~ArchiveCheck();

  // A SinkFactory for stream_dump.
  std::unique_ptr<DumpSink> open(ArchiveKind kind, std::string_view head);
  // What the check found, once its sink finished: "pg_restore 15 --list
  // read the table of contents: 42 entries".
  const std::string& detail() const { return detail_; }
  void stop() { slot_.stop(); }

 private:
  RestoreSettings settings_;
  ChildSlot slot_;
  std::string detail_;
};

}  // namespace pgdump2s3::pipeline
