#include "common/json.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace riposte {
namespace {

// Length of the well-formed UTF-8 sequence that starts `s` (non-empty), or 0
// if there is none. In that case `*skip` is the length of the maximal
// ill-formed subpart (Unicode 15, section 3.9, "U+FFFD substitution of
// maximal subparts"), at least 1: the bytes that one U+FFFD replaces.
size_t WellFormedLength(absl::string_view s, size_t* skip) {
  const unsigned char b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return 1;
  size_t len;
  // Allowed range of the second byte; later bytes are always 80..BF.
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // No overlong forms.
    if (b0 == 0xED) hi = 0x9F;  // No surrogates.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // No overlong forms.
    if (b0 == 0xF4) hi = 0x8F;  // Nothing above U+10FFFF.
  } else {
    *skip = 1;  // 80..C1, F5..FF never start a sequence.
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    if (i >= s.size()) {
      *skip = i;
      return 0;
    }
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const unsigned char min = i == 1 ? lo : 0x80;
    const unsigned char max = i == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      *skip = i;
      return 0;
    }
  }
  return len;
}

// Bytes that can be copied as they are: printable ASCII except `"` and `\`.
bool IsPlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void AppendEscapedControl(unsigned char c, std::string* out) {
  switch (c) {
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  out->append(escaped, sizeof(escaped));
}

}  // namespace

void AppendJsonQuoted(absl::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run of plain ASCII in one go.
    size_t run = i;
    while (run < s.size() && IsPlainAscii(static_cast<unsigned char>(s[run]))) {
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;

    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      AppendEscapedControl(c, out);
      ++i;
    } else {
      size_t skip = 0;
      const size_t len = WellFormedLength(s.substr(i), &skip);
      if (len > 0) {
        out->append(s.data() + i, len);
        i += len;
      } else {
        out->append("\\ufffd");
        i += skip;
      }
    }
  }
  out->push_back('"');
}

std::string JsonQuote(absl::string_view s) {
  std::string out;
  AppendJsonQuoted(s, &out);
  return out;
}

std::string JsonDouble(double value) {
  if (!std::isfinite(value)) return "null";
  // 2^63: every integral double below it fits in int64_t exactly.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (std::trunc(value) == value && std::fabs(value) < kTwoTo63) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  // Shortest representation that round-trips (e.g. "0.1", "1.5e-07").
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, r.ptr);
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t skip = 0;
    const size_t len = WellFormedLength(s.substr(i), &skip);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// JsonObjectWriter

JsonObjectWriter::JsonObjectWriter() : out_("{") {}

void JsonObjectWriter::AddKey(absl::string_view key) {
  if (!empty_) out_.push_back(',');
  empty_ = false;
  AppendJsonQuoted(key, &out_);
  out_.push_back(':');
}

JsonObjectWriter& JsonObjectWriter::Add(absl::string_view key,
                                        absl::string_view value) {
  AddKey(key);
  AppendJsonQuoted(value, &out_);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::Add(absl::string_view key,
                                        const char* value) {
  if (value == nullptr) return AddNull(key);
  return Add(key, absl::string_view(value));
}

JsonObjectWriter& JsonObjectWriter::AddInt(absl::string_view key,
                                           int64_t value) {
  AddKey(key);
  absl::StrAppend(&out_, value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::AddUint(absl::string_view key,
                                            uint64_t value) {
  AddKey(key);
  absl::StrAppend(&out_, value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::AddDouble(absl::string_view key,
                                              double value) {
  AddKey(key);
  out_.append(JsonDouble(value));
  return *this;
}

JsonObjectWriter& JsonObjectWriter::AddBool(absl::string_view key, bool value) {
  AddKey(key);
  out_.append(value ? "true" : "false");
  return *this;
}

JsonObjectWriter& JsonObjectWriter::AddNull(absl::string_view key) {
  AddKey(key);
  out_.append("null");
  return *this;
}

JsonObjectWriter& JsonObjectWriter::AddRaw(absl::string_view key,
                                           absl::string_view json) {
  AddKey(key);
  out_.append(json.data(), json.size());
  return *this;
}

std::string JsonObjectWriter::Finish() {
  out_.push_back('}');
  return std::move(out_);
}

// JsonArrayWriter

JsonArrayWriter::JsonArrayWriter() : out_("[") {}

void JsonArrayWriter::Separate() {
  if (!empty_) out_.push_back(',');
  empty_ = false;
}

JsonArrayWriter& JsonArrayWriter::Add(absl::string_view value) {
  Separate();
  AppendJsonQuoted(value, &out_);
  return *this;
}

JsonArrayWriter& JsonArrayWriter::Add(const char* value) {
  if (value == nullptr) return AddNull();
  return Add(absl::string_view(value));
}

JsonArrayWriter& JsonArrayWriter::AddInt(int64_t value) {
  Separate();
  absl::StrAppend(&out_, value);
  return *this;
}

JsonArrayWriter& JsonArrayWriter::AddUint(uint64_t value) {
  Separate();
  absl::StrAppend(&out_, value);
  return *this;
}

JsonArrayWriter& JsonArrayWriter::AddDouble(double value) {
  Separate();
  out_.append(JsonDouble(value));
  return *this;
}

JsonArrayWriter& JsonArrayWriter::AddBool(bool value) {
  Separate();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonArrayWriter& JsonArrayWriter::AddNull() {
  Separate();
  out_.append("null");
  return *this;
}

JsonArrayWriter& JsonArrayWriter::AddRaw(absl::string_view json) {
  Separate();
  out_.append(json.data(), json.size());
  return *this;
}

std::string JsonArrayWriter::Finish() {
  out_.push_back(']');
  return std::move(out_);
}

}  // namespace riposte
