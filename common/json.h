#ifndef RIPOSTE_COMMON_JSON_H_
#define RIPOSTE_COMMON_JSON_H_

// Small helpers for *writing* JSON: log lines, audit exports, webhook bodies.
// There is no parser here; output is compact (no whitespace) and
// deterministic, so it can be compared byte for byte in tests and hashed.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace riposte {

// Returns `s` as a JSON string literal, quotes included (RFC 8259).
// `"` and `\` are escaped, as are all control characters below U+0020
// (\b \f \n \r \t by name, the rest as \u00XX). Bytes that are not part of a
// well-formed UTF-8 sequence are replaced by \ufffd, one per maximal
// ill-formed subsequence, so the result is always valid JSON whatever `s`
// holds. Other characters, including non-ASCII, are copied unchanged.
std::string JsonQuote(absl::string_view s);

// Appends JsonQuote(s) to `*out`.
void AppendJsonQuoted(absl::string_view s, std::string* out);

// Returns a JSON number for `value`: integers (|value| < 2^63) without a
// fraction or exponent, other finite values in the shortest form that reads
// back to the same double, and `null` for NaN and infinities, which JSON
// cannot represent.
std::string JsonDouble(double value);

// Whether `s` is entirely well-formed UTF-8 (no surrogates, no overlong
// forms, nothing above U+10FFFF). For callers that must reject rather than
// repair text, e.g. Prometheus label values.
bool IsValidUtf8(absl::string_view s);

// Builds one JSON object; members appear in the order they were added.
// Keys are escaped like values. Duplicate keys are not detected: not adding
// them is the caller's job. Nested objects and arrays go in through AddRaw.
//
//   std::string json = JsonObjectWriter()
//                          .Add("user", "alice@contoso.com")
//                          .AddInt("score", 87)
//                          .Finish();   // {"user":"alice@contoso.com","score":87}
//
// Thread-compatible: one writer must not be used from two threads at once.
class JsonObjectWriter {
 public:
  JsonObjectWriter();

  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;
  JsonObjectWriter(JsonObjectWriter&&) = default;
  JsonObjectWriter& operator=(JsonObjectWriter&&) = default;

  // A string member. A null `value` pointer writes `null`.
  JsonObjectWriter& Add(absl::string_view key, absl::string_view value);
  JsonObjectWriter& Add(absl::string_view key, const char* value);
  JsonObjectWriter& AddInt(absl::string_view key, int64_t value);
  JsonObjectWriter& AddUint(absl::string_view key, uint64_t value);
  // NaN and infinities are written as null (see JsonDouble).
  JsonObjectWriter& AddDouble(absl::string_view key, double value);
  JsonObjectWriter& AddBool(absl::string_view key, bool value);
  JsonObjectWriter& AddNull(absl::string_view key);
  // `json` must already be one valid JSON value; it is copied verbatim.
  JsonObjectWriter& AddRaw(absl::string_view key, absl::string_view json);

  // Closes the object and returns it. Call once; the writer is spent after.
  std::string Finish();

 private:
  void AddKey(absl::string_view key);

  std::string out_;
  bool empty_ = true;
};

// Builds one JSON array; elements appear in the order they were added.
// Thread-compatible.
class JsonArrayWriter {
 public:
  JsonArrayWriter();

  JsonArrayWriter(const JsonArrayWriter&) = delete;
  JsonArrayWriter& operator=(const JsonArrayWriter&) = delete;
  JsonArrayWriter(JsonArrayWriter&&) = default;
  JsonArrayWriter& operator=(JsonArrayWriter&&) = default;

  // A string element. A null `value` pointer writes `null`.
  JsonArrayWriter& Add(absl::string_view value);
  JsonArrayWriter& Add(const char* value);
  JsonArrayWriter& AddInt(int64_t value);
  JsonArrayWriter& AddUint(uint64_t value);
  // NaN and infinities are written as null (see JsonDouble).
  JsonArrayWriter& AddDouble(double value);
  JsonArrayWriter& AddBool(bool value);
  JsonArrayWriter& AddNull();
  // `json` must already be one valid JSON value; it is copied verbatim.
  JsonArrayWriter& AddRaw(absl::string_view json);

  // Closes the array and returns it. Call once; the writer is spent after.
  std::string Finish();

 private:
  void Separate();

  std::string out_;
  bool empty_ = true;
};

}  // namespace riposte

#endif  // RIPOSTE_COMMON_JSON_H_
