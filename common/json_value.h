#ifndef RIPOSTE_COMMON_JSON_VALUE_H_
#define RIPOSTE_COMMON_JSON_VALUE_H_

// Reading JSON: the one parser in Riposte, for what remote APIs answer
// (Microsoft Graph, mail gateways, token endpoints), what adapters stored in
// their memos, the files operators give the CLI, and what test fakes report.
// Writing JSON is common/json.h's job.
//
// The parsing is nlohmann/json's (Debian's nlohmann-json3-dev); this target
// is the only one that includes it, and no exception leaves it. The result
// is our own small value tree, so callers never touch a throwing API.
//
// What is accepted: exactly one RFC 8259 value, optionally surrounded by
// JSON whitespace and preceded by a UTF-8 byte order mark (which RFC 8259
// lets a parser ignore). Rejected: comments, trailing commas, single quotes,
// NaN, leading zeros, ill-formed UTF-8 (overlong forms, encoded surrogates,
// anything above U+10FFFF), unpaired \u surrogates, NUL bytes anywhere,
// numbers that overflow a double, duplicate keys in one object, nesting
// deeper than JsonParseOptions::max_depth and input longer than max_bytes.
// Parsing never recurses (nlohmann's parser keeps its own stack on the heap),
// and the tree it builds is at most kDepthCap deep.
//
// Thread safety: Parse is reentrant; a JsonValue is plain data
// (thread-compatible).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte {

struct JsonParseOptions {
  // How a syntax error says where it is.
  enum class ErrorPosition {
    // "JSON: <what> at byte N": for machine input (API answers, memos).
    kByteOffset,
    // "LINE:COLUMN: <what>": for files people write (see JsonLineColumn).
    kLineColumn,
  };

  // Copying and destroying a JsonValue recurse once per level, so no option
  // can allow more than this.
  static constexpr int kDepthCap = 512;

  // Arrays and objects nested deeper than this (or than kDepthCap) are
  // rejected.
  int max_depth = 64;
  // Longer input is rejected before parsing starts.
  size_t max_bytes = 16 << 20;
  ErrorPosition error_position = ErrorPosition::kByteOffset;
};

// One JSON value. Objects keep their members in document order. Each value
// remembers the span of the parsed text it came from, so callers can point
// at it (line:column) or hand its exact text on. Copyable and movable.
class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Parses `text` as one JSON document. InvalidArgument when it is not
  // valid JSON (see the file comment) or exceeds `options`; the message
  // names the position as `options.error_position` asks.
  static absl::StatusOr<JsonValue> Parse(absl::string_view text,
                                         const JsonParseOptions& options = {});

  // "null", "boolean", "number", "string", "array" or "object".
  static absl::string_view TypeName(Type type);

  // A null value.
  JsonValue() = default;

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // The value of a bool; false for other types.
  bool bool_value() const { return type_ == Type::kBool && bool_; }
  // The value of a number as a double; 0 for other types.
  double number_value() const { return type_ == Type::kNumber ? number_ : 0; }
  // The number exactly as written, e.g. "1.50e3"; empty for other types.
  const std::string& number_text() const;
  // The number if it is written as an integer (no fraction or exponent)
  // that fits in int64; nullopt otherwise.
  std::optional<int64_t> AsInt64() const;
  // The decoded text of a string; empty for other types.
  const std::string& string_value() const;

  // Arrays: the elements. Empty for other types.
  const std::vector<JsonValue>& elements() const;

  // Objects: the number of members and each member in document order.
  size_t member_count() const { return keys_.size(); }
  const std::string& member_key(size_t i) const { return keys_[i].text; }
  // Byte offset of the member's key (its opening quote) in the parsed text.
  size_t member_key_offset(size_t i) const { return keys_[i].offset; }
  const JsonValue& member_value(size_t i) const { return values_[i]; }

  // The member named `key`, or nullptr if this is not an object or has no
  // such member.
  const JsonValue* Find(absl::string_view key) const;

  // Conveniences for typed members: nullopt when absent or of another type.
  std::optional<std::string> GetString(absl::string_view key) const;
  std::optional<bool> GetBool(absl::string_view key) const;
  std::optional<int64_t> GetInt64(absl::string_view key) const;
  // The member's elements if it is an array, else an empty vector.
  const std::vector<JsonValue>& GetArray(absl::string_view key) const;

  // Where this value stood in the text given to Parse: bytes
  // [source_begin, source_end). 0 and 0 for a value not made by Parse.
  size_t source_begin() const { return begin_; }
  size_t source_end() const { return end_; }
  // This value's text as written, given the text it was parsed from.
  absl::string_view SourceText(absl::string_view parsed_text) const {
    return parsed_text.substr(begin_, end_ - begin_);
  }

 private:
  friend class JsonTreeBuilder;

  struct Key {
    std::string text;
    size_t offset = 0;
  };

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  // The decoded string, or a number's literal text.
  std::string text_;
  // Array elements, or object values (parallel to keys_).
  std::vector<JsonValue> values_;
  std::vector<Key> keys_;
};

// A place in a text, for messages to people: 1-based line, and 1-based
// column counting UTF-8 characters (a stray byte counts as one).
struct JsonLineColumn {
  int line = 1;
  int column = 1;
};

// Where byte `offset` of `text` is; offsets past the end mean the end.
// Lines end at "\n" (a "\r" before it is part of the line).
JsonLineColumn LineColumnAt(absl::string_view text, size_t offset);

}  // namespace riposte

#endif  // RIPOSTE_COMMON_JSON_VALUE_H_
