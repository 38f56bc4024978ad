// Grandfather-father-son planning on made-up timelines: every rule alone,
// rules together, ties, days that have no backup, ISO weeks across a new
// year, time zones, an empty prefix, and the backup that is never deleted.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <time.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "pipeline/backup_listing.h"
#include "pipeline/retention.h"

namespace pgdump2s3::pipeline {
namespace {

// The plan uses the local time zone (TZ), as date(1) does: each test sets
// it and puts the old one back.
class TimeZone {
 public:
  explicit TimeZone(const char* tz) {
    if (const char* old = getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~TimeZone() {
    if (old_) setenv("TZ", old_->c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

TimePoint at(const std::string& iso) {
  std::optional<TimePoint> t = parse_iso8601(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(TimePoint{});
}

// One candidate per time, its key the time itself (so keys sort like times).
std::vector<RetentionCandidate> timeline(const std::vector<std::string>& times, const std::set<std::string>& good = {}) {
  std::vector<RetentionCandidate> out;
  for (const std::string& t : times) out.push_back({"db/" + t + ".dump.gz", at(t), good.contains(t)});
  return out;
}

// key -> reasons joined, for the kept ones only.
std::map<std::string, std::string> kept(const std::vector<RetentionDecision>& plan) {
  std::map<std::string, std::string> out;
  for (const RetentionDecision& d : plan) {
    if (!d.keep) continue;
    std::string reasons;
    for (const std::string& r : d.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
    out["db/" + format_iso8601(d.time) + ".dump.gz" == d.key ? format_iso8601(d.time) : d.key] = reasons;
  }
  return out;
}

RetentionPolicy policy(int last, int daily, int weekly, int monthly) { return {last, daily, weekly, monthly}; }

TEST(Retention, EmptyPrefixPlansNothing) {
  EXPECT_TRUE(plan_retention({}, policy(3, 7, 4, 12)).empty());
}

TEST(Retention, PlanIsNewestFirst) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z", "2026-11-02T00:00:00Z"}),
                             policy(1, 0, 0, 0));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(format_iso8601(plan[0].time), "2026-11-03T00:00:00Z");
  EXPECT_EQ(format_iso8601(plan[1].time), "2026-11-02T00:00:00Z");
  EXPECT_EQ(format_iso8601(plan[2].time), "2026-11-01T00:00:00Z");
}

TEST(Retention, KeepLast) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "2026-11-01T12:00:00Z",
                                       "2026-11-01T13:00:00Z"}),
                             policy(2, 0, 0, 0));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{
                            {"2026-11-01T13:00:00Z", "last 1, newest backup (none has a matching manifest)"},
                            {"2026-11-01T12:00:00Z", "last 2"}}));
}

// Days without a backup do not use up the count; within a day the newest wins.
TEST(Retention, KeepDailyCountsDaysThatHaveBackups) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-11-01T01:00:00Z", "2026-11-01T23:00:00Z", "2026-11-03T08:00:00Z",
                                       "2026-11-03T09:00:00Z", "2026-11-06T00:00:00Z"},
                                      {"2026-11-06T00:00:00Z"}),
                             policy(0, 3, 0, 0));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{
                            {"2026-11-06T00:00:00Z", "daily 2026-11-06, newest good backup"},
                            {"2026-11-03T09:00:00Z", "daily 2026-11-03"},
                            {"2026-11-01T23:00:00Z", "daily 2026-11-01"}}));
}

// ISO 8601 weeks run Monday to Sunday; 2026-12-28 .. 2027-01-03 is 2026-W53.
TEST(Retention, KeepWeeklyByIsoWeekAcrossTheNewYear) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-12-20T12:00:00Z", "2026-12-21T12:00:00Z", "2026-12-29T12:00:00Z",
                                       "2027-01-03T23:59:59Z", "2027-01-04T00:00:00Z"}),
                             policy(0, 0, 3, 0));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{
                            {"2027-01-04T00:00:00Z", "weekly 2027-W01, newest backup (none has a matching manifest)"},
                            {"2027-01-03T23:59:59Z", "weekly 2026-W53"},
                            {"2026-12-21T12:00:00Z", "weekly 2026-W52"}}));
}

TEST(Retention, KeepMonthly) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-01-31T23:00:00Z", "2026-02-01T00:00:00Z", "2026-02-28T12:00:00Z",
                                       "2026-03-15T00:00:00Z", "2025-12-31T00:00:00Z"},
                                      {"2026-03-15T00:00:00Z"}),
                             policy(0, 0, 0, 3));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{
                            {"2026-03-15T00:00:00Z", "monthly 2026-03, newest good backup"},
                            {"2026-02-28T12:00:00Z", "monthly 2026-02"},
                            {"2026-01-31T23:00:00Z", "monthly 2026-01"}}));
}

// Each rule picks on its own; a backup picked by several lists every reason.
TEST(Retention, RulesTogetherKeepTheUnion) {
  TimeZone utc("UTC");
  std::vector<std::string> times;
  for (int day = 1; day <= 60; ++day) {  // a backup every day at 02:00, 2026-10-01 .. 2026-11-29
    const TimePoint t = at("2026-10-01T02:00:00Z") + std::chrono::days(day - 1);
    times.push_back(format_iso8601(t));
  }
  auto plan = plan_retention(timeline(times, {times.back()}), policy(2, 3, 2, 2));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{
                            {"2026-11-29T02:00:00Z", "last 1, daily 2026-11-29, weekly 2026-W48, monthly 2026-11, "
                                                     "newest good backup"},
                            {"2026-11-28T02:00:00Z", "last 2, daily 2026-11-28"},
                            {"2026-11-27T02:00:00Z", "daily 2026-11-27"},
                            {"2026-11-22T02:00:00Z", "weekly 2026-W47"},
                            {"2026-10-31T02:00:00Z", "monthly 2026-10"}}));
  EXPECT_EQ(plan.size(), 60u);
}

// Equal times (two backups in one second, or keys with only a date): the
// greater key counts as the newer, the same order `list` shows.
TEST(Retention, TiesAreBrokenByKey) {
  TimeZone utc("UTC");
  const TimePoint t = at("2026-11-25T00:00:00Z");
  std::vector<RetentionCandidate> same = {{"db/2026-11-25-a.sql.gz", t, false}, {"db/2026-11-25-c.sql.gz", t, false},
                                          {"db/2026-11-25-b.sql.gz", t, false}};
  auto plan = plan_retention(same, policy(1, 1, 0, 0));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].key, "db/2026-11-25-c.sql.gz");
  EXPECT_TRUE(plan[0].keep);
  EXPECT_FALSE(plan[1].keep);
  EXPECT_FALSE(plan[2].keep);
  // The order given does not matter.
  std::reverse(same.begin(), same.end());
  EXPECT_EQ(plan_retention(same, policy(1, 1, 0, 0))[0].key, "db/2026-11-25-c.sql.gz");
}

// 23:30 and 00:30 UTC are two days in London in winter, one day in Tokyo
// (08:30 and 09:30), and in New York both fall on the day before.
TEST(Retention, DaysAreThoseOfTheLocalTimeZone) {
  const auto times = timeline({"2026-11-24T12:00:00Z", "2026-11-25T23:30:00Z", "2026-11-26T00:30:00Z"});
  {
    TimeZone zone("Europe/London");
    EXPECT_EQ(kept(plan_retention(times, policy(0, 2, 0, 0))),
              (std::map<std::string, std::string>{
                  {"2026-11-26T00:30:00Z", "daily 2026-11-26, newest backup (none has a matching manifest)"},
                  {"2026-11-25T23:30:00Z", "daily 2026-11-25"}}));
  }
  {
    TimeZone zone("Asia/Tokyo");
    EXPECT_EQ(kept(plan_retention(times, policy(0, 2, 0, 0))),
              (std::map<std::string, std::string>{
                  {"2026-11-26T00:30:00Z", "daily 2026-11-26, newest backup (none has a matching manifest)"},
                  {"2026-11-24T12:00:00Z", "daily 2026-11-24"}}));
  }
  {
    TimeZone zone("America/New_York");
    EXPECT_EQ(kept(plan_retention(times, policy(0, 2, 0, 0))),
              (std::map<std::string, std::string>{
                  {"2026-11-26T00:30:00Z", "daily 2026-11-25, newest backup (none has a matching manifest)"},
                  {"2026-11-24T12:00:00Z", "daily 2026-11-24"}}));
  }
}

// However strict the policy, the newest backup whose manifest matches stays:
// a newer broken one (a manifest that does not match, or none) does not count.
TEST(Retention, NewestGoodBackupIsNeverDeleted) {
  TimeZone utc("UTC");
  auto plan = plan_retention(timeline({"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"},
                                      {"2026-11-01T00:00:00Z"}),
                             policy(1, 0, 0, 0));
  EXPECT_EQ(kept(plan), (std::map<std::string, std::string>{{"2026-11-03T00:00:00Z", "last 1"},
                                                            {"2026-11-01T00:00:00Z", "newest good backup"}}));
  // Without any good one, the newest is kept whatever the policy says.
  auto none_good = plan_retention(timeline({"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"}), policy(0, 0, 0, 0));
  EXPECT_EQ(kept(none_good), (std::map<std::string, std::string>{
                                 {"2026-11-02T00:00:00Z", "newest backup (none has a matching manifest)"}}));
}

TEST(Retention, PolicyDescription) {
  EXPECT_EQ(policy(3, 0, 4, 0).describe(), "last 3, weekly 4");
  EXPECT_EQ(policy(0, 0, 0, 0).describe(), "nothing");
  EXPECT_TRUE(policy(0, 0, 0, 0).empty());
  EXPECT_FALSE(policy(0, 0, 0, 1).empty());
}

TEST(Retention, Ages) {
  using namespace std::chrono;
  EXPECT_EQ(parse_age("24h"), seconds(hours(24)));
  EXPECT_EQ(parse_age("90m"), seconds(minutes(90)));
  EXPECT_EQ(parse_age("7d"), seconds(days(7)));
  EXPECT_EQ(parse_age("2w"), seconds(weeks(2)));
  EXPECT_EQ(parse_age("1d12h"), seconds(hours(36)));
  EXPECT_EQ(parse_age("0s"), seconds(0));
  EXPECT_EQ(parse_age("3600"), std::nullopt);
  EXPECT_EQ(parse_age("h"), std::nullopt);
  EXPECT_EQ(parse_age("24 h"), std::nullopt);
  EXPECT_EQ(parse_age("24y"), std::nullopt);
  EXPECT_EQ(parse_age(""), std::nullopt);
}

}  // namespace
}  // namespace pgdump2s3::pipeline
