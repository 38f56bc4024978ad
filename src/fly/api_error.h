// Turning a Machines API answer that is not a success into one line a
// person can act on (STYLE.md habit 7), and telling which answers are worth
// another attempt (habit 6: classify, then retry).
#pragma once

#include <string>
#include <string_view>

namespace pgdump2s3::fly {

// 429 (rate limited: the API allows about 1 request/s per action and
// machine, DOCS working-with-machines-api) and 5xx are retried; the other
// errors will not change on a second try.
bool is_retriable_status(long status);

// The `error` text of an ErrorResponse body ({"error": ..., "status": ...}),
// on one line and cut short; the raw body when it is not JSON.
std::string error_detail(std::string_view body);
// The ErrorResponse `status` code (insufficient_capacity, name_taken, ...),
// empty when absent.
std::string error_status(std::string_view body);

// "Fly API rejected FLY_API_TOKEN (HTTP 401) while creating the worker
// machine in app 'x': ..." — what failed, where, why, and what to check.
// `what` is a gerund phrase ("creating the worker machine").
std::string api_error_message(long status, std::string_view body, std::string_view what,
                              std::string_view app);

// Whether the failure is the user's to fix (bad token, unknown app, a config
// the API refuses): those exit 2 like any configuration error, the others 1.
bool is_configuration_status(long status);

}  // namespace pgdump2s3::fly
