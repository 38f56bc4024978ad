// The INI dialect of the AWS shared files (~/.aws/config, ~/.aws/credentials)
// as the AWS CLI reads them: botocore's configloader on top of Python's
// configparser. That means:
//   - "[name]" section headers; "key = value" or "key: value" (the first '='
//     or ':' splits); keys are case-folded to lower case; values trimmed;
//   - full-line comments starting with '#' or ';' (a '#' later in a line is
//     part of the value, as configparser has no inline comments by default);
//   - a line indented deeper than its key continues that key's value, and a
//     key whose value starts on the next line holds one level of nested
//     "sub = value" pairs ("s3 =\n  addressing_style = path");
//   - a repeated section or key is an error (configparser's strict mode), as
//     is a line before the first section or a line that is not "key = value".
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace pgdump2s3::s3 {

struct IniSection {
  std::map<std::string, std::string> values;
  // Keys with nested pairs, e.g. "s3" -> {"addressing_style": "path"}.
  std::map<std::string, std::map<std::string, std::string>> nested;

  // nullptr when the key is absent.
  const std::string* value(std::string_view key) const;
  const std::string* nested_value(std::string_view key, std::string_view sub_key) const;
  bool empty() const { return values.empty() && nested.empty(); }
};

// Section name (as written between the brackets, trimmed) -> section.
using IniFile = std::map<std::string, IniSection, std::less<>>;

// ASCII lower case: how keys are folded, and how the AWS tools compare
// their case-insensitive values ("true", "IPv6", "virtual", URL schemes).
std::string ascii_lower(std::string_view text);

// Parses `text`; `path` only names the file in errors. Throws ConfigError
// naming the file and the line number for text the AWS CLI would refuse.
IniFile parse_ini(std::string_view text, const std::string& path);

}  // namespace pgdump2s3::s3
