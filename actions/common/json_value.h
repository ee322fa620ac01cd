#ifndef RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_
#define RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_

// A strict RFC 8259 JSON parser producing a small value tree, for reading
// what remote APIs (Microsoft Graph, mail gateways, token endpoints) answer
// and what adapters stored in their memos. Writing JSON is
// //common:json's job.
//
// Strict means: exactly one value, optionally surrounded by JSON whitespace;
// no comments, trailing commas, single quotes, NaN, leading zeros or byte
// order mark; strings must be well-formed UTF-8 with only the escapes the
// RFC defines, and \u escapes must pair surrogates correctly; object keys
// must be unique. Errors are InvalidArgument and name the byte offset.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::common {

struct JsonParseOptions {
  // Arrays and objects nested deeper than this are rejected.
  int max_depth = 64;
  // Longer input is rejected before parsing starts.
  size_t max_bytes = 16 << 20;
};

// One JSON value. Objects keep their members in document order. Values are
// plain data: copyable, movable, thread-compatible.
class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Parses `text` as one JSON document. InvalidArgument ("JSON: ... at byte
  // N") when it is not valid JSON or exceeds `options`.
  static absl::StatusOr<JsonValue> Parse(absl::string_view text,
                                         const JsonParseOptions& options = {});

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
  const std::string& member_key(size_t i) const { return keys_[i]; }
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

 private:
  friend class JsonParser;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  // The decoded string, or a number's literal text.
  std::string text_;
  // Array elements, or object values (parallel to keys_).
  std::vector<JsonValue> values_;
  std::vector<std::string> keys_;
};

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_
