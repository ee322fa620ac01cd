#include "cli/json_value.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/text.h"

namespace riposte::cli {
namespace {

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
      pos_ = 3;
      line_start_ = 3;
    }
    SkipSpace();
    if (pos_ >= text_.size()) return Error("the input is empty, expected a JSON value");
    JsonValue value;
    if (!ParseValue(&value, 0)) return status_;
    SkipSpace();
    if (pos_ < text_.size()) {
      return Error(absl::StrCat("unexpected ", Describe(),
                                " after the end of the JSON value"));
    }
    return value;
  }

 private:
  bool ParseValue(JsonValue* value, int depth) {
    if (depth > kMaxJsonDepth) {
      Fail(absl::StrCat("nested deeper than ", kMaxJsonDepth, " levels"));
      return false;
    }
    value->begin = pos_;
    value->line = line_;
    value->column = Column();
    if (pos_ >= text_.size()) {
      Fail("unexpected end of input, expected a value");
      return false;
    }
    bool ok;
    switch (text_[pos_]) {
      case '{':
        ok = ParseObject(value, depth);
        break;
      case '[':
        ok = ParseArray(value, depth);
        break;
      case '"':
        value->kind = JsonValue::Kind::kString;
        ok = ParseString(&value->string_value);
        break;
      case 't':
        ok = ParseLiteral("true", value, JsonValue::Kind::kBool, true);
        break;
      case 'f':
        ok = ParseLiteral("false", value, JsonValue::Kind::kBool, false);
        break;
      case 'n':
        ok = ParseLiteral("null", value, JsonValue::Kind::kNull, false);
        break;
      default:
        if (text_[pos_] == '-' || IsDigit(text_[pos_])) {
          value->kind = JsonValue::Kind::kNumber;
          ok = ParseNumber();
        } else {
          Fail(absl::StrCat("expected a value, found ", Describe()));
          ok = false;
        }
    }
    value->end = pos_;
    return ok;
  }

  bool ParseObject(JsonValue* value, int depth) {
    value->kind = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (Peek('}')) {
      ++pos_;
      return true;
    }
    while (true) {
      if (!Peek('"')) {
        Fail(absl::StrCat("expected a member name in double quotes, found ",
                          Describe()));
        return false;
      }
      JsonValue::Member member;
      member.key_line = line_;
      member.key_column = Column();
      if (!ParseString(&member.key)) return false;
      SkipSpace();
      if (!Peek(':')) {
        Fail(absl::StrCat("expected ':' after member name \"", member.key,
                          "\", found ", Describe()));
        return false;
      }
      ++pos_;
      SkipSpace();
      if (!ParseValue(&member.value, depth + 1)) return false;
      value->members.push_back(std::move(member));
      SkipSpace();
      if (Peek(',')) {
        ++pos_;
        SkipSpace();
        if (Peek('}')) {
          Fail("trailing comma before '}'");
          return false;
        }
        continue;
      }
      if (Peek('}')) {
        ++pos_;
        return true;
      }
      Fail(absl::StrCat("expected ',' or '}' after an object member, found ",
                        Describe()));
      return false;
    }
  }

  bool ParseArray(JsonValue* value, int depth) {
    value->kind = JsonValue::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (Peek(']')) {
      ++pos_;
      return true;
    }
    while (true) {
      JsonValue item;
      if (!ParseValue(&item, depth + 1)) return false;
      value->items.push_back(std::move(item));
      SkipSpace();
      if (Peek(',')) {
        ++pos_;
        SkipSpace();
        if (Peek(']')) {
          Fail("trailing comma before ']'");
          return false;
        }
        continue;
      }
      if (Peek(']')) {
        ++pos_;
        return true;
      }
      Fail(absl::StrCat("expected ',' or ']' after an array element, found ",
                        Describe()));
      return false;
    }
  }

  bool ParseString(std::string* out) {
    const int start_line = line_;
    const int start_column = Column();
    ++pos_;  // '"'
    while (true) {
      if (pos_ >= text_.size()) {
        status_ = absl::InvalidArgumentError(absl::StrCat(
            start_line, ":", start_column, ": unterminated string"));
        return false;
      }
      const unsigned char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        Fail(c == '\n' ? "unterminated string (a newline inside a string must "
                         "be written \\n)"
                       : "control character inside a string (escape it)");
        return false;
      }
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= text_.size()) {
        Fail("unterminated string");
        return false;
      }
      const char e = text_[pos_ + 1];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(pos_ + 2, &cp)) return false;
          size_t consumed = 6;
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_ + 6, 2) == "\\u") {
            uint32_t low;
            if (!ReadHex4(pos_ + 8, &low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              consumed = 12;
            }
          }
          AppendUtf8(cp, out);
          pos_ += consumed;
          continue;
        }
        default:
          Fail(absl::StrCat("invalid escape \\", std::string(1, e),
                            " in a string"));
          return false;
      }
      pos_ += 2;
    }
  }

  bool ReadHex4(size_t at, uint32_t* out) {
    *out = 0;
    for (size_t i = 0; i < 4; ++i) {
      if (at + i >= text_.size() || !IsHex(text_[at + i])) {
        pos_ = std::min(at + i, text_.size());
        Fail("invalid \\u escape: want four hex digits");
        return false;
      }
      const char h = text_[at + i];
      *out = *out * 16 + (IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    // Lone surrogates cannot be encoded; keep the text readable instead.
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseNumber() {
    const size_t start = pos_;
    if (Peek('-')) ++pos_;
    if (Peek('0')) {
      ++pos_;
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        Fail("invalid number: no leading zeros allowed");
        return false;
      }
    } else if (pos_ < text_.size() && IsDigit(text_[pos_])) {
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    } else {
      pos_ = start;
      Fail(absl::StrCat("expected a value, found ", Describe()));
      return false;
    }
    if (Peek('.')) {
      ++pos_;
      if (!(pos_ < text_.size() && IsDigit(text_[pos_]))) {
        Fail("invalid number: want a digit after '.'");
        return false;
      }
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (Peek('e') || Peek('E')) {
      ++pos_;
      if (Peek('+') || Peek('-')) ++pos_;
      if (!(pos_ < text_.size() && IsDigit(text_[pos_]))) {
        Fail("invalid number: want a digit in the exponent");
        return false;
      }
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    return true;
  }

  bool ParseLiteral(absl::string_view word, JsonValue* value,
                    JsonValue::Kind kind, bool b) {
    if (text_.substr(pos_, word.size()) != word) {
      Fail(absl::StrCat("expected a value, found ", Describe()));
      return false;
    }
    pos_ += word.size();
    value->kind = kind;
    value->bool_value = b;
    return true;
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsHex(char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  int Column() const {
    return DisplayWidth(text_.substr(line_start_, pos_ - line_start_)) + 1;
  }

  // What is at the current position, for messages.
  std::string Describe() const {
    if (pos_ >= text_.size()) return "the end of the input";
    const unsigned char c = text_[pos_];
    if (c < 0x20 || c >= 0x7F) return "an unexpected character";
    // A word (e.g. an unquoted name or NaN) reads better whole.
    size_t end = pos_;
    while (end < text_.size() && end - pos_ < 20 &&
           (std::isalnum(static_cast<unsigned char>(text_[end])) ||
            text_[end] == '_')) {
      ++end;
    }
    if (end > pos_ + 1) {
      return absl::StrCat("'", text_.substr(pos_, end - pos_), "'");
    }
    return absl::StrCat("'", std::string(1, static_cast<char>(c)), "'");
  }

  void Fail(absl::string_view message) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(line_, ":", Column(), ": ", message));
  }

  absl::Status Error(absl::string_view message) {
    Fail(message);
    return status_;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  absl::Status status_;
};

}  // namespace

const JsonValue::Member* JsonValue::FindMember(absl::string_view key) const {
  const Member* found = nullptr;
  for (const Member& m : members) {
    if (m.key == key) found = &m;
  }
  return found;
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  const Member* m = FindMember(key);
  return m == nullptr ? nullptr : &m->value;
}

const char* JsonKindName(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull: return "null";
    case JsonValue::Kind::kBool: return "boolean";
    case JsonValue::Kind::kNumber: return "number";
    case JsonValue::Kind::kString: return "string";
    case JsonValue::Kind::kArray: return "array";
    case JsonValue::Kind::kObject: return "object";
  }
  return "value";
}

absl::StatusOr<JsonValue> ParseJson(absl::string_view text) {
  return Parser(text).ParseDocument();
}

}  // namespace riposte::cli
