#include "pg/shell_words.h"

#include <optional>

#include "util/error.h"

namespace pgdump2s3::pg {

std::vector<std::string> split_shell_words(std::string_view text, std::string_view variable) {
  std::vector<std::string> words;
  std::optional<std::string> word;  // engaged once a word has started, even an empty '' one
  std::size_t i = 0;
  auto unterminated = [&](const char* quote) {
    return ConfigError(std::string(variable) + ": unterminated " + quote + " quote in \"" + std::string(text) + "\"");
  };
  while (i < text.size()) {
    char ch = text[i];
    if (ch == ' ' || ch == '\t' || ch == '\n') {
      if (word) words.push_back(std::move(*word));
      word.reset();
      ++i;
      continue;
    }
    if (ch == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      i += 2;  // line continuation: joins the lines, starts no word
      continue;
    }
    if (!word) word.emplace();
    if (ch == '\'') {
      std::size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) throw unterminated("single");
      word->append(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (ch == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) throw unterminated("double");
        char c = text[i];
        if (c == '"') {
          ++i;
          break;
        }
        if (c == '\\' && i + 1 < text.size()) {
          char next = text[i + 1];
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            word->push_back(next);
            i += 2;
            continue;
          }
          if (next == '\n') {
            i += 2;
            continue;
          }
        }
        word->push_back(c);
        ++i;
      }
    } else if (ch == '\\') {
      // A trailing backslash has nothing to quote: kept.
      word->push_back(i + 1 < text.size() ? text[i + 1] : '\\');
      i += 2;
    } else {
      word->push_back(ch);
      ++i;
    }
  }
  if (word) words.push_back(std::move(*word));
  return words;
}

}  // namespace pgdump2s3::pg
