#include "actions/common/url_encoding.h"

#include "absl/strings/str_replace.h"

namespace riposte::actions::common {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

void AppendPercent(char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const unsigned char b = static_cast<unsigned char>(c);
  out->push_back('%');
  out->push_back(kHex[b >> 4]);
  out->push_back(kHex[b & 0x0F]);
}

std::string Encode(absl::string_view s, bool keep_at, bool space_as_plus) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (IsUnreserved(c) || (keep_at && c == '@')) {
      out.push_back(c);
    } else if (space_as_plus && c == ' ') {
      out.push_back('+');
    } else {
      AppendPercent(c, &out);
    }
  }
  return out;
}

// The offset just past "scheme://authority", or 0 if there is no scheme.
size_t AuthorityEnd(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos) return 0;
  const size_t end = url.find_first_of("/?#", scheme + 3);
  return end == absl::string_view::npos ? url.size() : end;
}

}  // namespace

std::string EncodePathSegment(absl::string_view s) {
  return Encode(s, /*keep_at=*/true, /*space_as_plus=*/false);
}

std::string EncodeQueryValue(absl::string_view s) {
  return Encode(s, /*keep_at=*/false, /*space_as_plus=*/false);
}

std::string FormUrlEncode(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += Encode(name, false, true);
    out.push_back('=');
    out += Encode(value, false, true);
  }
  return out;
}

std::string ODataStringLiteral(absl::string_view s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "''"}}) + "'";
}

std::string UrlPath(absl::string_view url) {
  absl::string_view rest = url.substr(AuthorityEnd(url));
  const size_t end = rest.find_first_of("?#");
  if (end != absl::string_view::npos) rest = rest.substr(0, end);
  if (rest.empty()) return "/";
  return std::string(rest);
}

std::string UrlOrigin(absl::string_view url) {
  return std::string(url.substr(0, AuthorityEnd(url)));
}

}  // namespace riposte::actions::common
