// Grandfather-father-son retention: which backups to keep, planned from
// their times alone (pure: no I/O), so that every rule can be tested on
// made-up timelines.
//
// Each rule looks at all backups on its own and keeps some; a backup is
// kept when any rule keeps it (restic's "forget" does the same):
//   keep_last N     the N newest;
//   keep_daily D    the newest backup of each of the D newest days that
//                   have one (days with no backup do not count);
//   keep_weekly W   the same per ISO 8601 week (Monday to Sunday);
//   keep_monthly M  the same per calendar month.
// Days, weeks and months are those of the local time zone (TZ, as date(1)
// and cron read it; UTC in the container, where TZ is unset), as restic and
// borg count them.
//
// Whatever the rules say, the newest good backup (one whose manifest
// matches it) is kept, and when none is good, the newest backup: a policy
// can never delete the only restorable backup.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgdump2s3::pipeline {

struct RetentionPolicy {
  int keep_last = 0;
  int keep_daily = 0;
  int keep_weekly = 0;
  int keep_monthly = 0;
  bool empty() const { return keep_last == 0 && keep_daily == 0 && keep_weekly == 0 && keep_monthly == 0; }
  // "last 3, daily 7, weekly 4, monthly 12" (the rules that are set).
  std::string describe() const;
};

struct RetentionCandidate {
  std::string key;
  std::chrono::system_clock::time_point time;
  bool good = false;  // its manifest is there and matches
};

struct RetentionDecision {
  std::string key;
  std::chrono::system_clock::time_point time;
  bool keep = false;
  // Why it is kept: "last 1", "daily 2026-11-25", "weekly 2026-W48",
  // "monthly 2026-11", "newest good backup". Empty: deleted.
  std::vector<std::string> reasons;
};

// One decision per candidate, newest first (ties: the greater key first,
// as sort_newest_first orders them).
std::vector<RetentionDecision> plan_retention(std::vector<RetentionCandidate> candidates,
                                              const RetentionPolicy& policy);

// An age such as "24h", "90m", "7d", "3600s", "1d12h"; nullopt when the
// text is not one (a bare number has no unit and is refused).
std::optional<std::chrono::seconds> parse_age(std::string_view text);

}  // namespace pgdump2s3::pipeline
