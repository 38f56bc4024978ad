// Splits a setting such as PG_DUMP_ARGS into words the way a POSIX shell
// would, without running one (sh -c would be an injection hole and would
// need a shell in the image).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgdump2s3::pg {

// Words separated by unquoted blanks (space, tab, newline). Quoting follows
// POSIX sh (XCU 2.2): '...' keeps everything literally; "..." keeps
// everything but \" \\ \$ \` and backslash-newline; an unquoted backslash
// keeps the next character (backslash-newline joins lines); '' and "" make
// an empty word. Nothing is expanded: $VAR, `cmd`, * and ~ stay as written
// (so table patterns such as -t 'public.*' or -t public.* both reach pg_dump).
// `variable` names the setting in errors: an unterminated quote is a
// ConfigError.
std::vector<std::string> split_shell_words(std::string_view text, std::string_view variable);

}  // namespace pgdump2s3::pg
