#ifndef RIPOSTE_CLI_JSON_VALUE_H_
#define RIPOSTE_CLI_JSON_VALUE_H_

// A strict RFC 8259 JSON reader that remembers where every value starts, so
// errors in input files can name line and column. The CLI uses it to check
// the syntax of -f files and to find the breaches in them; the values
// themselves are then handed to protobuf's JSON parser.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::cli {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  struct Member;

  Kind kind = Kind::kNull;
  // The value's text is input[begin, end).
  size_t begin = 0;
  size_t end = 0;
  // Where the value starts, 1-based; columns count characters.
  int line = 1;
  int column = 1;
  std::string string_value;  // kString, unescaped
  bool bool_value = false;   // kBool
  std::vector<JsonValue> items;  // kArray
  std::vector<Member> members;   // kObject, in input order

  bool IsObject() const { return kind == Kind::kObject; }
  bool IsArray() const { return kind == Kind::kArray; }

  // The member named `key` (the last one if repeated), or nullptr.
  const JsonValue* Find(absl::string_view key) const;
  // The member itself, for its key's position.
  const Member* FindMember(absl::string_view key) const;

  absl::string_view Text(absl::string_view input) const {
    return input.substr(begin, end - begin);
  }
};

struct JsonValue::Member {
  std::string key;
  int key_line = 1;
  int key_column = 1;
  JsonValue value;
};

// "object", "array", "string", ... for messages.
const char* JsonKindName(JsonValue::Kind kind);

// Parses exactly one JSON value (surrounding whitespace and a leading UTF-8
// byte order mark allowed). Returns InvalidArgument "LINE:COLUMN: message"
// for the first syntax error, e.g. "3:18: trailing comma before '}'".
// Nesting deeper than kMaxJsonDepth is refused.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

inline constexpr int kMaxJsonDepth = 200;

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_JSON_VALUE_H_
