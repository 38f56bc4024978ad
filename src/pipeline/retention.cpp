#include "pipeline/retention.h"

#include <algorithm>
#include <ctime>
#include <functional>

namespace pgdump2s3::pipeline {
namespace {

using Clock = std::chrono::system_clock;

std::tm local_time(Clock::time_point time) {
  const std::time_t t = Clock::to_time_t(time);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

std::string day_of(Clock::time_point time) {
  const std::tm tm = local_time(time);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// ISO 8601 week-numbering year and week: %G-W%V (the week of 29 December
// may be week 1 of the next year).
std::string week_of(Clock::time_point time) {
  const std::tm tm = local_time(time);
  char buf[16];
  std::strftime(buf, sizeof buf, "%G-W%V", &tm);
  return buf;
}

std::string month_of(Clock::time_point time) {
  const std::tm tm = local_time(time);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

// Keeps the newest backup of each of the `count` newest periods; the
// decisions are newest first, so the first of a period is its newest.
void keep_per_period(std::vector<RetentionDecision>& decisions, int count, std::string_view rule,
                     const std::function<std::string(Clock::time_point)>& period_of) {
  std::string last;
  int periods = 0;
  for (RetentionDecision& d : decisions) {
    if (periods >= count) return;
    std::string period = period_of(d.time);
    if (period == last) continue;
    last = period;
    ++periods;
    d.keep = true;
    d.reasons.push_back(std::string(rule) + " " + period);
  }
}

}  // namespace

std::string RetentionPolicy::describe() const {
  std::string out;
  auto add = [&out](const char* name, int n) {
    if (n > 0) out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(n);
  };
  add("last", keep_last);
  add("daily", keep_daily);
  add("weekly", keep_weekly);
  add("monthly", keep_monthly);
  return out.empty() ? "nothing" : out;
}

std::vector<RetentionDecision> plan_retention(std::vector<RetentionCandidate> candidates,
                                              const RetentionPolicy& policy) {
  std::sort(candidates.begin(), candidates.end(), [](const RetentionCandidate& a, const RetentionCandidate& b) {
    return a.time != b.time ? a.time > b.time : a.key > b.key;
  });
  std::vector<RetentionDecision> decisions;
  decisions.reserve(candidates.size());
  for (const RetentionCandidate& c : candidates) decisions.push_back({c.key, c.time, false, {}});

  for (int i = 0; i < policy.keep_last && i < static_cast<int>(decisions.size()); ++i) {
    decisions[static_cast<std::size_t>(i)].keep = true;
    decisions[static_cast<std::size_t>(i)].reasons.push_back("last " + std::to_string(i + 1));
  }
  keep_per_period(decisions, policy.keep_daily, "daily", day_of);
  keep_per_period(decisions, policy.keep_weekly, "weekly", week_of);
  keep_per_period(decisions, policy.keep_monthly, "monthly", month_of);

  if (!decisions.empty()) {
    auto good = std::find_if(candidates.begin(), candidates.end(), [](const RetentionCandidate& c) { return c.good; });
    const std::size_t safe = good == candidates.end() ? 0 : static_cast<std::size_t>(good - candidates.begin());
    RetentionDecision& d = decisions[safe];
    d.keep = true;
    d.reasons.push_back(good == candidates.end() ? "newest backup (none has a matching manifest)"
                                                 : "newest good backup");
  }
  return decisions;
}

std::optional<std::chrono::seconds> parse_age(std::string_view text) {
  std::chrono::seconds total{0};
  bool any = false;
  while (!text.empty()) {
    std::size_t digits = 0;
    long long n = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 12) {
      n = n * 10 + (text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits == text.size()) return std::nullopt;
    switch (text[digits]) {
      case 's': total += std::chrono::seconds(n); break;
      case 'm': total += std::chrono::minutes(n); break;
      case 'h': total += std::chrono::hours(n); break;
      case 'd': total += std::chrono::days(n); break;
      case 'w': total += std::chrono::weeks(n); break;
      default: return std::nullopt;
    }
    any = true;
    text.remove_prefix(digits + 1);
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace pgdump2s3::pipeline
