#include "common/json_value.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace riposte {

namespace {

using Json = nlohmann::json;

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

const std::string& EmptyString() {
  static const std::string* const empty = new std::string();
  return *empty;
}

const std::vector<JsonValue>& EmptyElements() {
  static const std::vector<JsonValue>* const empty =
      new std::vector<JsonValue>();
  return *empty;
}

// Walks the input for nlohmann's lexer, which reads one byte at a time, and
// publishes how many bytes it has handed out. SAX events carry no position;
// this count is what lets the tree builder find each token in the text.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, const char* begin, size_t* consumed)
      : at_(at), begin_(begin), consumed_(consumed) {}

  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    *consumed_ = static_cast<size_t>(at_ - begin_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const CountingIterator& a, const CountingIterator& b) {
    return a.at_ == b.at_;
  }
  friend bool operator!=(const CountingIterator& a, const CountingIterator& b) {
    return a.at_ != b.at_;
  }

 private:
  const char* at_;
  const char* begin_;
  size_t* consumed_;
};

// nlohmann's message without its own position (ours replaces it: nlohmann
// counts columns in bytes and puts a newline in the wrong line) and without
// its echo of the input, which can be as long as the input.
std::string Describe(const nlohmann::detail::exception& error,
                     const std::string& last_token) {
  // out_of_range.406: "number overflow parsing '<the number>'".
  if (error.id == 406) return "number out of range";
  std::string what = error.what();
  if (absl::StartsWith(what, "[json.exception.")) {
    const size_t close = what.find("] ");
    if (close != std::string::npos) what.erase(0, close + 2);
  }
  if (absl::StartsWith(what, "parse error")) {
    const size_t colon = what.find(": ");
    if (colon != std::string::npos) what.erase(0, colon + 2);
  }
  static constexpr char kEcho[] = "; last read: '";
  const size_t echo = what.find(kEcho);
  if (echo != std::string::npos) {
    const size_t after = echo + sizeof(kEcho) - 1 + last_token.size() + 1;
    what = absl::StrCat(what.substr(0, echo),
                        after < what.size() ? what.substr(after) : "");
  }
  return what;
}

}  // namespace

// Receives nlohmann's SAX events and builds the JsonValue tree, enforcing
// the depth limit and unique keys as it goes. A false return stops the
// parse; the reason is then in error().
class JsonTreeBuilder final : public nlohmann::json_sax<Json> {
 public:
  JsonTreeBuilder(absl::string_view text, size_t start, const size_t* consumed,
                  const JsonParseOptions& options)
      : text_(text), consumed_(consumed), options_(options), done_(start) {}

  JsonValue TakeRoot() { return std::move(root_); }
  const absl::Status& error() const { return error_; }

  // Records the first error only: the one at the earliest position.
  bool Fail(absl::string_view what, size_t offset) {
    if (!error_.ok()) return false;
    if (offset > text_.size()) offset = text_.size();
    if (options_.error_position ==
        JsonParseOptions::ErrorPosition::kLineColumn) {
      const JsonLineColumn at = LineColumnAt(text_, offset);
      error_ = absl::InvalidArgumentError(
          absl::StrCat(at.line, ":", at.column, ": ", what));
    } else {
      error_ = absl::InvalidArgumentError(
          absl::StrCat("JSON: ", what, " at byte ", offset));
    }
    return false;
  }

  bool null() override {
    Scalar(JsonValue::Type::kNull, *consumed_);
    return true;
  }

  bool boolean(bool value) override {
    Scalar(JsonValue::Type::kBool, *consumed_)->bool_ = value;
    return true;
  }

  bool number_integer(number_integer_t value) override {
    return Number(static_cast<double>(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Number(static_cast<double>(value));
  }
  bool number_float(number_float_t value, const string_t&) override {
    return Number(value);
  }

  bool string(string_t& value) override {
    Scalar(JsonValue::Type::kString, *consumed_)->text_ = std::move(value);
    return true;
  }

  // Only reachable from binary formats (CBOR, ...), which we never parse.
  bool binary(binary_t&) override {
    return Fail("binary values are not JSON", *consumed_);
  }

  bool start_object(std::size_t) override {
    return Open(JsonValue::Type::kObject);
  }

  bool key(string_t& key) override {
    const size_t begin = TokenBegin();
    done_ = *consumed_;
    if (!seen_keys_.back().insert(key).second) {
      return Fail("duplicate object key", begin);
    }
    open_.back()->keys_.push_back({std::move(key), begin});
    return true;
  }

  bool end_object() override { return Close(); }

  bool start_array(std::size_t) override {
    return Open(JsonValue::Type::kArray);
  }

  bool end_array() override { return Close(); }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override {
    // `position` counts the bytes read, the offending one included.
    return Fail(Describe(error, last_token), position == 0 ? 0 : position - 1);
  }

 private:
  // The first byte of the token just read: the lexer skipped whitespace and
  // separators since the previous event.
  size_t TokenBegin() const {
    size_t i = done_;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' &&
          c != ':') {
        break;
      }
      ++i;
    }
    return i;
  }

  // The slot for the next value: the root, the next element of the open
  // array, or the value of the key just read.
  JsonValue* NewValue(JsonValue::Type type, size_t begin) {
    JsonValue* value = &root_;
    if (!open_.empty()) value = &open_.back()->values_.emplace_back();
    value->type_ = type;
    value->begin_ = begin;
    return value;
  }

  JsonValue* Scalar(JsonValue::Type type, size_t end) {
    JsonValue* value = NewValue(type, TokenBegin());
    value->end_ = end;
    done_ = *consumed_;
    return value;
  }

  // The lexer reads one byte past a number, so its end is found in the text.
  bool Number(double value) {
    const size_t begin = TokenBegin();
    size_t end = begin;
    while (end < text_.size() &&
           absl::string_view("0123456789+-.eE").find(text_[end]) !=
               absl::string_view::npos) {
      ++end;
    }
    JsonValue* number = Scalar(JsonValue::Type::kNumber, end);
    number->number_ = value;
    number->text_ = std::string(text_.substr(begin, end - begin));
    return true;
  }

  bool Open(JsonValue::Type type) {
    const size_t begin = TokenBegin();
    if (static_cast<int>(open_.size()) >=
        std::min(options_.max_depth, JsonParseOptions::kDepthCap)) {
      return Fail("nesting too deep", begin);
    }
    open_.push_back(NewValue(type, begin));
    if (type == JsonValue::Type::kObject) seen_keys_.emplace_back();
    done_ = *consumed_;
    return true;
  }

  bool Close() {
    JsonValue* closed = open_.back();
    closed->end_ = *consumed_;
    if (closed->type_ == JsonValue::Type::kObject) seen_keys_.pop_back();
    open_.pop_back();
    done_ = *consumed_;
    return true;
  }

  absl::string_view text_;
  const size_t* consumed_;
  const JsonParseOptions& options_;
  // Bytes before this are accounted for by earlier events.
  size_t done_;
  JsonValue root_;
  // Arrays and objects not closed yet, innermost last. Only the innermost
  // one grows, so pointers to the others stay valid.
  std::vector<JsonValue*> open_;
  // The keys of each open object, innermost last.
  std::vector<absl::flat_hash_set<std::string>> seen_keys_;
  absl::Status error_;
};

absl::StatusOr<JsonValue> JsonValue::Parse(absl::string_view text,
                                           const JsonParseOptions& options) {
  size_t consumed = 0;
  const size_t start = absl::StartsWith(text, kByteOrderMark) ? 3 : 0;
  JsonTreeBuilder builder(text, start, &consumed, options);
  if (text.size() > options.max_bytes) {
    builder.Fail(absl::StrCat("document of ", text.size(),
                              " bytes exceeds the limit of ",
                              options.max_bytes),
                 0);
    return builder.error();
  }
  // nlohmann's lexer takes a NUL byte for the end of the input, which would
  // hide whatever follows. NUL is never valid in JSON text (strings must
  // escape it), so refuse it up front.
  if (const size_t nul = text.find('\0'); nul != absl::string_view::npos) {
    builder.Fail("NUL byte", nul);
    return builder.error();
  }
  bool parsed = false;
  try {
    parsed = Json::sax_parse(
        CountingIterator(text.data(), text.data(), &consumed),
        CountingIterator(text.data() + text.size(), text.data(), &consumed),
        &builder, Json::input_format_t::json, /*strict=*/true,
        /*ignore_comments=*/false);
  } catch (const Json::exception& e) {
    // Not expected (errors come as parse_error events), but no exception
    // may leave this target.
    builder.Fail(e.what(), consumed);
  }
  if (!parsed || !builder.error().ok()) {
    if (builder.error().ok()) builder.Fail("invalid JSON", consumed);
    return builder.error();
  }
  return builder.TakeRoot();
}

absl::string_view JsonValue::TypeName(Type type) {
  switch (type) {
    case Type::kNull: return "null";
    case Type::kBool: return "boolean";
    case Type::kNumber: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "value";
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
    if (keys_[i].text == key) return &values_[i];
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

JsonLineColumn LineColumnAt(absl::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  JsonLineColumn at;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      line_start = i + 1;
    }
  }
  // One column per UTF-8 sequence: a lead byte takes the continuation bytes
  // that follow it, up to its length; any other byte stands alone.
  size_t i = line_start;
  while (i < offset) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    const size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    size_t next = i + 1;
    while (next < i + length && next < offset &&
           (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) {
      ++next;
    }
    i = next;
    ++at.column;
  }
  return at;
}

}  // namespace riposte
