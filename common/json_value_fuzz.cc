// Fuzzes the one JSON reader (JsonValue::Parse) with arbitrary bytes: it
// must return a value or InvalidArgument, never crash, and what it returns
// must be self-consistent (spans inside the text, string values that
// JsonQuote writes back and Parse reads again unchanged).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/json.h"
#include "common/json_value.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Visits every value, checking what callers rely on.
void Walk(const riposte::JsonValue& value, absl::string_view text, int depth) {
  Check(depth <= riposte::JsonParseOptions::kDepthCap);
  Check(value.source_begin() <= value.source_end());
  Check(value.source_end() <= text.size());
  (void)value.SourceText(text);
  (void)value.AsInt64();
  (void)riposte::JsonValue::TypeName(value.type());
  if (value.is_string()) {
    const std::string& s = value.string_value();
    Check(riposte::IsValidUtf8(s));
    absl::StatusOr<riposte::JsonValue> again =
        riposte::JsonValue::Parse(riposte::JsonQuote(s));
    Check(again.ok() && again->is_string() && again->string_value() == s);
  }
  for (const riposte::JsonValue& element : value.elements()) {
    Walk(element, text, depth + 1);
  }
  for (size_t i = 0; i < value.member_count(); ++i) {
    Check(value.member_key_offset(i) < text.size());
    Check(value.Find(value.member_key(i)) == &value.member_value(i));
    Walk(value.member_value(i), text, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<riposte::JsonValue> value = riposte::JsonValue::Parse(text);
  if (value.ok()) {
    Walk(*value, text, 0);
  } else {
    Check(value.status().code() == absl::StatusCode::kInvalidArgument);
  }

  // The options file readers use: line:column positions, shallow nesting.
  riposte::JsonParseOptions options;
  options.error_position = riposte::JsonParseOptions::ErrorPosition::kLineColumn;
  options.max_depth = 4;
  absl::StatusOr<riposte::JsonValue> shallow =
      riposte::JsonValue::Parse(text, options);
  if (shallow.ok()) Walk(*shallow, text, 0);
  (void)riposte::LineColumnAt(text, size / 2);

  // What the writer makes of the same bytes is always valid JSON.
  Check(riposte::JsonValue::Parse(riposte::JsonQuote(text)).ok());
  return 0;
}
