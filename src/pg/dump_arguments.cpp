#include "pg/dump_arguments.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <span>

#include "pg/shell_words.h"
#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

// The pg_dump options that take an argument (pg_dump.c, getopt_long table,
// PostgreSQL 15 to 18). Any other option is a flag. Knowing them matters to
// tell an option's argument from a stray database name, and to resolve
// abbreviations, which getopt_long accepts (--form=tar is --format=tar).
constexpr std::string_view kShortWithArgument = "deEfFhjnNpStTUZ";
constexpr std::string_view kLongWithArgument[] = {
    "compress", "dbname", "encoding", "exclude-extension", "exclude-schema", "exclude-table",
    "exclude-table-and-children", "exclude-table-data", "exclude-table-data-and-children", "extension",
    "extra-float-digits", "file", "filter", "format", "host", "include-foreign-data", "jobs",
    "lock-wait-timeout", "port", "restrict-key", "role", "rows-per-insert", "schema", "section", "snapshot",
    "superuser", "sync-method", "table", "table-and-children", "username",
};
constexpr std::string_view kLongFlags[] = {
    "attribute-inserts", "binary-upgrade", "blobs", "clean", "column-inserts", "create", "data-only",
    "disable-dollar-quoting", "disable-triggers", "enable-row-security", "help", "if-exists", "inserts",
    "large-objects", "load-via-partition-root", "no-acl", "no-blobs", "no-comments", "no-data",
    "no-large-objects", "no-owner", "no-password", "no-policies", "no-privileges", "no-publications",
    "no-reconnect", "no-schema", "no-security-labels", "no-statistics", "no-subscriptions", "no-sync",
    "no-table-access-method", "no-tablespaces", "no-toast-compression", "no-unlogged-table-data",
    "on-conflict-do-nothing", "password", "quote-all-identifiers", "schema-only", "sequence-data",
    "serializable-deferrable", "statistics", "statistics-only", "strict-names", "use-set-session-authorization",
    "verbose", "version", "with-data", "with-schema", "with-statistics",
};

struct LongOption {
  std::string name;  // the full name when known (abbreviation resolved), else as given
  bool known = false;
  bool takes_argument = false;
};

// getopt_long semantics: an exact name, else a prefix of exactly one name.
LongOption resolve_long_option(std::string_view given) {
  LongOption prefix_match{std::string(given), false, false};
  int prefix_matches = 0;
  for (bool takes_argument : {true, false}) {
    for (std::string_view name : takes_argument ? std::span<const std::string_view>(kLongWithArgument)
                                                : std::span<const std::string_view>(kLongFlags)) {
      if (name == given) return {std::string(name), true, takes_argument};
      if (name.starts_with(given) && ++prefix_matches == 1) prefix_match = {std::string(name), true, takes_argument};
    }
  }
  // None, or ambiguous: left as given (pg_dump reports it).
  if (prefix_matches != 1) return {std::string(given), false, false};
  return prefix_match;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A schema given to -n/-N as one plain name (as pg_dump would match it),
// nullopt for a pattern (wildcards, several parts, quoting within).
std::optional<std::string> plain_schema_name(std::string_view pattern) {
  if (pattern.size() >= 2 && pattern.front() == '"' && pattern.back() == '"') {
    std::string_view inner = pattern.substr(1, pattern.size() - 2);
    if (inner.find_first_of("\"") == std::string_view::npos) return std::string(inner);
    return std::nullopt;
  }
  bool plain = !pattern.empty() && std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
  });
  if (!plain) return std::nullopt;
  return lower(pattern);  // unquoted names are folded to lower case, as in SQL
}

class Parser {
 public:
  Parser(std::vector<std::string> words, std::string_view variable) : variable_(variable) {
    result_.args = std::move(words);
  }

  DumpArguments parse() {
    const std::vector<std::string>& words = result_.args;
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::string& word = words[i];
      if (word == "--") {
        if (i + 1 < words.size()) refuse_database_name(words[i + 1]);
        break;
      }
      if (word.starts_with("--")) {
        std::size_t eq = word.find('=');
        std::string given = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        LongOption option = resolve_long_option(given);
        // Any abbreviation of --file, even one ambiguous in this table
        // (--fi: --file or --filter), is --file to some pg_dump version.
        if (!given.empty() && std::string_view("file").starts_with(given)) refuse_file("--" + given);
        std::optional<std::string> value;
        if (eq != std::string::npos) {
          value = word.substr(eq + 1);
        } else if (option.takes_argument && i + 1 < words.size()) {
          value = words[++i];
        }
        apply(option.known ? option.name : given, value);
      } else if (word.size() > 1 && word[0] == '-') {
        // A cluster of short options: -vxO, -Fc, -f out (getopt).
        for (std::size_t k = 1; k < word.size(); ++k) {
          char letter = word[k];
          if (kShortWithArgument.find(letter) == std::string_view::npos) {
            apply_short(letter, std::nullopt);
            continue;
          }
          std::optional<std::string> value;
          if (k + 1 < word.size()) {
            value = word.substr(k + 1);
          } else if (i + 1 < words.size()) {
            value = words[++i];
          }
          apply_short(letter, value);
          break;
        }
      } else {
        refuse_database_name(word);
      }
    }
    return std::move(result_);
  }

 private:
  [[noreturn]] void refuse_file(const std::string& flag) {
    throw ConfigError(std::string(variable_) + ": " + flag +
                      " is not allowed: pg_dump must write to stdout, which pgdump2s3 streams to S3");
  }

  [[noreturn]] void refuse_database(const std::string& what) {
    throw ConfigError(std::string(variable_) + ": " + what +
                      " is not allowed: the database comes from DATABASE_URL");
  }

  void refuse_database_name(const std::string& word) { refuse_database("a database name (\"" + word + "\")"); }

  void apply_short(char letter, const std::optional<std::string>& value) {
    switch (letter) {
      case 'f': refuse_file("-f");
      case 'd': refuse_database("-d");
      case 'F': apply("format", value); break;
      case 'j': apply("jobs", value); break;
      case 'n': apply("schema", value); break;
      case 'N': apply("exclude-schema", value); break;
      case 't': apply("table", value); break;
      case 'T': apply("exclude-table", value); break;
      default: break;
    }
  }

  void apply(const std::string& name, const std::optional<std::string>& value) {
    if (name == "dbname") refuse_database("--dbname");
    if (name == "format" && value) {
      result_.format = parse_format(*value);
    } else if (name == "jobs" && value) {
      int jobs = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), jobs);
      if (ec != std::errc() || end != value->data() + value->size() || jobs < 1) {
        throw ConfigError(std::string(variable_) + ": --jobs wants a positive number, not \"" + *value + "\"");
      }
      result_.jobs = jobs;
    } else if ((name == "schema" || name == "exclude-schema") && value) {
      std::optional<std::string> schema = plain_schema_name(*value);
      if (!schema) {
        result_.selects_by_pattern = true;
      } else {
        (name == "schema" ? result_.schemas : result_.excluded_schemas).push_back(*schema);
      }
    } else if (selects_tables(name)) {
      result_.selects_by_pattern = true;
    } else if (name == "enable-row-security") {
      result_.enable_row_security = true;
    }
  }

  // --table, --exclude-table, --filter... choose tables; --exclude-table-data
  // does not: pg_dump still locks those tables, which needs SELECT.
  static bool selects_tables(const std::string& name) {
    return (name.starts_with("table") || name.starts_with("exclude-table") || name == "filter") &&
           !name.starts_with("exclude-table-data");
  }

  DumpFormat parse_format(const std::string& value) {
    // pg_dump compares case-insensitively (parseArchiveFormat).
    std::string v = lower(value);
    if (v == "p" || v == "plain") return DumpFormat::kPlain;
    if (v == "c" || v == "custom") return DumpFormat::kCustom;
    if (v == "d" || v == "directory") return DumpFormat::kDirectory;
    if (v == "t" || v == "tar") return DumpFormat::kTar;
    throw ConfigError(std::string(variable_) + ": unknown --format \"" + value +
                      "\" (expected c|custom, d|directory, t|tar or p|plain)");
  }

  std::string_view variable_;
  DumpArguments result_;
};

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && lower(text.substr(text.size() - suffix.size())) == suffix;
}

}  // namespace

std::string_view format_name(DumpFormat format) {
  switch (format) {
    case DumpFormat::kPlain: return "plain";
    case DumpFormat::kCustom: return "custom";
    case DumpFormat::kDirectory: return "directory";
    case DumpFormat::kTar: return "tar";
  }
  return "plain";
}

DumpArguments parse_dump_arguments(std::string_view text, std::string_view variable) {
  return Parser(split_shell_words(text, variable), variable).parse();
}

DumpArguments default_dump_arguments(std::string_view destination_key) {
  DumpArguments result;
  for (std::string_view suffix : {".tar.gz", ".tgz", ".tar"}) {
    if (ends_with_ignoring_case(destination_key, suffix)) result.format = DumpFormat::kTar;
  }
  bool plain = ends_with_ignoring_case(destination_key, ".sql.gz") || ends_with_ignoring_case(destination_key, ".sql");
  if (result.format == DumpFormat::kTar) {
    result.args = {"--format=tar"};
  } else if (plain) {
    result.format = DumpFormat::kPlain;
    result.args = {"--format=plain"};
  } else {
    result.format = DumpFormat::kCustom;
    result.args = {"--format=custom", "--compress=0"};
  }
  // --if-exists with --clean: a plain dump restored with psql -v
  // ON_ERROR_STOP=1 into a fresh database must not stop at its first DROP.
  for (const char* always : {"--no-owner", "--clean", "--if-exists", "--no-privileges"}) {
    result.args.emplace_back(always);
  }
  return result;
}

DumpArguments resolve_dump_arguments(const std::optional<std::string>& pg_dump_args,
                                     std::string_view destination_key) {
  if (pg_dump_args) return parse_dump_arguments(*pg_dump_args);
  return default_dump_arguments(destination_key);
}

}  // namespace pgdump2s3::pg
