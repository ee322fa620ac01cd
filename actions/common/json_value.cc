#include "actions/common/json_value.h"

#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace riposte::actions::common {

namespace {

const std::string& EmptyString() {
  static const std::string* const empty = new std::string();
  return *empty;
}

const std::vector<JsonValue>& EmptyElements() {
  static const std::vector<JsonValue>* const empty =
      new std::vector<JsonValue>();
  return *empty;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
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

}  // namespace

// Recursive descent over the input; `pos_` is the next unread byte.
class JsonParser {
 public:
  JsonParser(absl::string_view text, const JsonParseOptions& options)
      : text_(text), options_(options) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    if (text_.size() > options_.max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON: document of ", text_.size(),
                       " bytes exceeds the limit of ", options_.max_bytes));
    }
    JsonValue value;
    SkipWhitespace();
    if (!ParseValue(0, &value)) return error_;
    SkipWhitespace();
    if (pos_ != text_.size()) {
      Fail("unexpected data after the JSON value");
      return error_;
    }
    return value;
  }

 private:
  bool Fail(absl::string_view what) { return FailAt(what, pos_); }
  bool FailAt(absl::string_view what, size_t offset) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("JSON: ", what, " at byte ", offset));
    return false;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipWhitespace() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  bool ConsumeLiteral(absl::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) {
      return Fail("invalid literal");
    }
    pos_ += literal.size();
    return true;
  }

  bool ParseValue(int depth, JsonValue* out) {
    if (AtEnd()) return Fail("unexpected end of input");
    switch (Peek()) {
      case 'n':
        out->type_ = JsonValue::Type::kNull;
        return ConsumeLiteral("null");
      case 't':
        out->type_ = JsonValue::Type::kBool;
        out->bool_ = true;
        return ConsumeLiteral("true");
      case 'f':
        out->type_ = JsonValue::Type::kBool;
        out->bool_ = false;
        return ConsumeLiteral("false");
      case '"':
        out->type_ = JsonValue::Type::kString;
        return ParseString(&out->text_);
      case '[':
        return ParseArray(depth + 1, out);
      case '{':
        return ParseObject(depth + 1, out);
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ParseNumber(out);
        return Fail("unexpected character");
    }
  }

  bool ParseArray(int depth, JsonValue* out) {
    if (depth > options_.max_depth) return Fail("nesting too deep");
    out->type_ = JsonValue::Type::kArray;
    ++pos_;  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      out->values_.emplace_back();
      if (!ParseValue(depth, &out->values_.back())) return false;
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated array");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  bool ParseObject(int depth, JsonValue* out) {
    if (depth > options_.max_depth) return Fail("nesting too deep");
    out->type_ = JsonValue::Type::kObject;
    ++pos_;  // '{'
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    absl::flat_hash_set<std::string> seen;
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Fail("expected a string key");
      const size_t key_offset = pos_;
      std::string key;
      if (!ParseString(&key)) return false;
      if (!seen.insert(key).second) {
        return FailAt("duplicate object key", key_offset);
      }
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Fail("expected ':'");
      ++pos_;
      SkipWhitespace();
      out->keys_.push_back(std::move(key));
      out->values_.emplace_back();
      if (!ParseValue(depth, &out->values_.back())) return false;
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated object");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  // number = [ "-" ] int [ frac ] [ exp ]
  bool ParseNumber(JsonValue* out) {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (AtEnd() || !IsDigit(Peek())) return Fail("expected a digit");
    if (Peek() == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(Peek())) return Fail("leading zero in number");
    } else {
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("expected a digit");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("expected a digit");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    const absl::string_view literal = text_.substr(start, pos_ - start);
    double value = 0;
    if (!absl::SimpleAtod(literal, &value) || !std::isfinite(value)) {
      return FailAt("number out of range", start);
    }
    out->type_ = JsonValue::Type::kNumber;
    out->number_ = value;
    out->text_ = std::string(literal);
    return true;
  }

  // Reads four hex digits after "\u".
  bool ParseHex4(uint32_t* out) {
    if (text_.size() - pos_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = HexDigit(text_[pos_ + i]);
      if (d < 0) return Fail("invalid \\u escape");
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  bool ParseEscape(std::string* out) {
    const size_t escape_start = pos_;
    ++pos_;  // '\'
    if (AtEnd()) return Fail("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"': out->push_back('"'); return true;
      case '\\': out->push_back('\\'); return true;
      case '/': out->push_back('/'); return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': break;
      default:
        return FailAt("invalid escape", escape_start);
    }
    uint32_t cp = 0;
    if (!ParseHex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return FailAt("unpaired low surrogate", escape_start);
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") {
        return FailAt("unpaired high surrogate", escape_start);
      }
      pos_ += 2;
      uint32_t low = 0;
      if (!ParseHex4(&low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return FailAt("unpaired high surrogate", escape_start);
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return true;
  }

  // Copies one well-formed UTF-8 sequence starting at a byte >= 0x80.
  bool CopyUtf8Sequence(std::string* out) {
    const size_t start = pos_;
    const unsigned char b0 = static_cast<unsigned char>(text_[pos_]);
    int length = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2, min = 0x80, cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3, min = 0x800, cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return Fail("invalid UTF-8");
    }
    if (text_.size() - pos_ < static_cast<size_t>(length)) {
      return Fail("invalid UTF-8");
    }
    for (int i = 1; i < length; ++i) {
      const unsigned char b = static_cast<unsigned char>(text_[pos_ + i]);
      if ((b & 0xC0) != 0x80) return Fail("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Fail("invalid UTF-8");
    }
    pos_ += length;
    out->append(text_.data() + start, length);
    return true;
  }

  bool ParseString(std::string* out) {
    const size_t start = pos_;
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) return FailAt("unterminated string", start);
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
      } else if (c < 0x20) {
        return Fail("control character in string");
      } else if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
      } else if (!CopyUtf8Sequence(out)) {
        return false;
      }
    }
  }

  absl::string_view text_;
  const JsonParseOptions& options_;
  size_t pos_ = 0;
  absl::Status error_;
};

absl::StatusOr<JsonValue> JsonValue::Parse(absl::string_view text,
                                           const JsonParseOptions& options) {
  return JsonParser(text, options).ParseDocument();
}

const std::string& JsonValue::number_text() const {
  return type_ == Type::kNumber ? text_ : EmptyString();
}

std::optional<int64_t> JsonValue::AsInt64() const {
  if (type_ != Type::kNumber) return std::nullopt;
  if (text_.find_first_of(".eE") != std::string::npos) return std::nullopt;
  int64_t v = 0;
  if (!absl::SimpleAtoi(text_, &v)) return std::nullopt;
  return v;
}

const std::string& JsonValue::string_value() const {
  return type_ == Type::kString ? text_ : EmptyString();
}

const std::vector<JsonValue>& JsonValue::elements() const {
  return type_ == Type::kArray ? values_ : EmptyElements();
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &values_[i];
  }
  return nullptr;
}

std::optional<std::string> JsonValue::GetString(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->string_value();
}

std::optional<bool> JsonValue::GetBool(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->bool_value();
}

std::optional<int64_t> JsonValue::GetInt64(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return v->AsInt64();
}

const std::vector<JsonValue>& JsonValue::GetArray(absl::string_view key) const {
  const JsonValue* v = Find(key);
  if (v == nullptr) return EmptyElements();
  return v->elements();
}

}  // namespace riposte::actions::common
