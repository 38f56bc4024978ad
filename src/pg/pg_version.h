// PostgreSQL version numbers, as the server reports them (server_version_num)
// and as the client tools print them (`pg_dump --version`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgdump2s3::pg {

// Versions are handled as server_version_num integers: 150004 is 15.4,
// 90624 is 9.6.24. The numbering scheme changed at 10 (before 10 the major
// version had two parts), so majors compare correctly only in this form.

// The version rounded down to its major release: 150004 -> 150000, 90624 -> 90600.
int major_version_num(int version_num);
// The major release as people write it and Debian names its folders
// (/usr/lib/postgresql/N, postgresql-client-N): "15", "9.6".
std::string major_version_name(int version_num);

// Parses "15.4", "9.6.24", "16devel", "17beta1", "17rc1" into a version
// number; nullopt when `text` does not start with a version.
std::optional<int> parse_version_number(std::string_view text);

// The version printed by `<tool> --version`, e.g.
// "pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)"; nullopt when the
// output is not a PostgreSQL tool's.
std::optional<int> parse_tool_version_output(std::string_view output);

}  // namespace pgdump2s3::pg
