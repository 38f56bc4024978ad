#include "s3/ini_file.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  explicit Parser(const std::string& path) : path_(path) {}

  IniFile parse(std::string_view text) {
    std::size_t line_number = 0;
    while (!text.empty()) {
      std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      ++line_number;
      read_line(line, line_number);
    }
    finish_value();
    return std::move(file_);
  }

 private:
  [[noreturn]] void fail(std::size_t line_number, std::string_view why) const {
    throw ConfigError(path_ + " line " + std::to_string(line_number) + ": " + std::string(why) +
                      " (the AWS CLI would refuse this file too)");
  }

  void read_line(std::string_view line, std::size_t line_number) {
    std::string_view content = trim(line);
    if (content.empty()) {
      // configparser keeps blank lines inside a multi-line value (trailing
      // ones are dropped when the value is joined).
      if (key_) lines_.emplace_back();
      return;
    }
    if (content.front() == '#' || content.front() == ';') return;  // a comment
    std::size_t indent = line.find_first_not_of(" \t\r\f\v");
    if (key_ && indent > key_indent_) {
      lines_.emplace_back(content);  // continues the current value
      return;
    }
    finish_value();
    key_indent_ = indent;
    if (content.front() == '[' && content.back() == ']' && content.size() > 2) {
      std::string name(trim(content.substr(1, content.size() - 2)));
      if (file_.contains(name)) fail(line_number, "section [" + name + "] appears twice");
      section_ = &file_[name];
      return;
    }
    if (section_ == nullptr) fail(line_number, "a setting before the first [section]");
    std::size_t split = content.find_first_of("=:");
    if (split == std::string_view::npos) fail(line_number, "expected \"name = value\"");
    std::string key = ascii_lower(trim(content.substr(0, split)));
    if (key.empty()) fail(line_number, "a value without a name");
    if (section_->values.contains(key) || section_->nested.contains(key)) {
      fail(line_number, "setting \"" + key + "\" appears twice in its section");
    }
    key_ = std::move(key);
    key_line_ = line_number;
    lines_.assign(1, std::string(trim(content.substr(split + 1))));
  }

  // Stores the value collected for the current key: joined with newlines
  // like configparser, and parsed as nested pairs when it starts on the
  // line after its key (botocore's _parse_nested).
  void finish_value() {
    if (!key_) return;
    while (lines_.size() > 1 && lines_.back().empty()) lines_.pop_back();
    if (lines_.size() > 1 && lines_.front().empty()) {
      std::map<std::string, std::string> nested;
      for (std::size_t i = 1; i < lines_.size(); ++i) {
        if (lines_[i].empty()) continue;
        std::size_t eq = lines_[i].find('=');
        if (eq == std::string::npos) fail(key_line_, "nested setting under \"" + *key_ + "\" is not \"name = value\"");
        nested[std::string(trim(std::string_view(lines_[i]).substr(0, eq)))] =
            std::string(trim(std::string_view(lines_[i]).substr(eq + 1)));
      }
      section_->nested[*key_] = std::move(nested);
    } else {
      std::string joined;
      for (std::size_t i = 0; i < lines_.size(); ++i) {
        if (i > 0) joined += '\n';
        joined += lines_[i];
      }
      section_->values[*key_] = std::move(joined);
    }
    key_.reset();
    lines_.clear();
  }

  const std::string& path_;
  IniFile file_;
  IniSection* section_ = nullptr;
  std::optional<std::string> key_;  // the key whose value is being collected
  std::size_t key_indent_ = 0;
  std::size_t key_line_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::string* IniSection::value(std::string_view key) const {
  auto it = values.find(std::string(key));
  return it == values.end() ? nullptr : &it->second;
}

const std::string* IniSection::nested_value(std::string_view key, std::string_view sub_key) const {
  auto it = nested.find(std::string(key));
  if (it == nested.end()) return nullptr;
  auto sub = it->second.find(std::string(sub_key));
  return sub == it->second.end() ? nullptr : &sub->second;
}

IniFile parse_ini(std::string_view text, const std::string& path) {
  return Parser(path).parse(text);
}

}  // namespace pgdump2s3::s3
