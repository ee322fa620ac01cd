#ifndef RIPOSTE_ACTIONS_COMMON_URL_ENCODING_H_
#define RIPOSTE_ACTIONS_COMMON_URL_ENCODING_H_

// Building URLs and form bodies for REST adapters (RFC 3986, WHATWG
// application/x-www-form-urlencoded), and taking URLs apart far enough to
// name them in error messages without their query strings. Thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace riposte::actions::common {

// Encodes `s` for use as one path segment: everything but unreserved
// characters (ALPHA DIGIT - . _ ~) and '@' becomes %XX, so '/', '#', '?',
// '%', spaces and non-ASCII bytes can never change the URL's structure.
std::string EncodePathSegment(absl::string_view s);

// Encodes `s` for use as a query parameter value: everything but unreserved
// characters becomes %XX (a space is %20, not '+', which OData would read
// literally).
std::string EncodeQueryValue(absl::string_view s);

// An application/x-www-form-urlencoded body, e.g. for OAuth token requests:
// name=value pairs joined by '&', spaces as '+', everything but unreserved
// characters as %XX.
std::string FormUrlEncode(
    const std::vector<std::pair<std::string, std::string>>& fields);

// An OData string literal: `s` in single quotes, quotes inside doubled
// (OData ABNF SQUOTE-in-string). The caller still URL-encodes the result.
std::string ODataStringLiteral(absl::string_view s);

// The path of an absolute URL without scheme, authority, query or fragment:
// "https://graph.microsoft.com/v1.0/users/a?$select=id" -> "/v1.0/users/a".
// "/" if the URL has no path.
std::string UrlPath(absl::string_view url);

// "scheme://authority" of an absolute URL, or empty if `url` has no scheme.
std::string UrlOrigin(absl::string_view url);

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_URL_ENCODING_H_
