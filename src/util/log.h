// Log lines to stderr: plain text by default, one JSON object per line with
// LOG_FORMAT=json (for log shippers). Thread-safe: each line is written whole.
//
// Every line passes through the secret registry first: any registered secret
// (a password, a secret key, a token) is replaced by "***" wherever it
// appears, so a secret that slips into a message still never reaches a log.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgdump2s3::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kPlain, kJson };

using Fields = std::vector<std::pair<std::string, std::string>>;

void set_format(Format format);
void set_min_level(Level level);
Format format();

// Registers a secret to be masked in every later log line and in redact().
// Values shorter than 4 characters are ignored (masking them would mangle text).
void add_secret(std::string_view secret);
// Replaces every registered secret in `text` by "***".
std::string redact(std::string_view text);

void write(Level level, std::string_view message, const Fields& fields = {});

inline void debug(std::string_view m, const Fields& f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, const Fields& f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, const Fields& f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, const Fields& f = {}) { write(Level::kError, m, f); }

}  // namespace pgdump2s3::log
