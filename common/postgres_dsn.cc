#include "common/postgres_dsn.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace riposte {
namespace {

// Every connection option libpq has had since version 15, the oldest
// riposted supports (PQconndefaults of libpq 15, plus those later versions
// added, so a DSN written for a newer libpq is shown, not hidden).
constexpr absl::string_view kKnownOptions[] = {
    "service", "user", "password", "passfile", "channel_binding",
    "connect_timeout", "dbname", "host", "hostaddr", "port", "client_encoding",
    "options", "application_name", "fallback_application_name", "keepalives",
    "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", "sslmode", "sslcompression", "sslcert", "sslkey",
    "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni",
    "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version",
    "gssencmode", "krbsrvname", "gsslib", "replication", "target_session_attrs",
    // libpq 16 and later.
    "sslcertmode", "require_auth", "load_balance_hosts", "gssdelegation",
    "sslnegotiation", "min_protocol_version", "max_protocol_version",
    "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope",
    "scram_client_key", "scram_server_key"};

// The options whose values are secrets.
constexpr absl::string_view kSecretOptions[] = {
    "password", "sslpassword", "oauth_client_secret", "scram_client_key",
    "scram_server_key"};

constexpr absl::string_view kUriPrefixes[] = {"postgresql://", "postgres://"};

bool IsKnownOption(absl::string_view key) {
  for (absl::string_view known : kKnownOptions) {
    if (key == known) return true;
  }
  return false;
}

bool IsSecretOption(absl::string_view key) {
  for (absl::string_view secret : kSecretOptions) {
    if (key == secret) return true;
  }
  return false;
}

// The length of the URI prefix `text` starts with, or 0 (the key=value
// form). libpq compares the prefix case-sensitively, and so does this.
size_t UriPrefixLength(absl::string_view text) {
  for (absl::string_view prefix : kUriPrefixes) {
    if (absl::StartsWith(text, prefix)) return prefix.size();
  }
  return 0;
}

// Whether a dbname value is itself a connection string (libpq expands such
// a dbname when asked to).
bool LooksLikeConnectionString(absl::string_view value) {
  return value.find('=') != absl::string_view::npos ||
         UriPrefixLength(value) > 0;
}

// --- key=value ------------------------------------------------------------

struct Setting {
  std::string key;
  absl::string_view raw_value;  // as written, quotes and backslashes included
  std::string value;            // unquoted and unescaped, as libpq reads it
};

struct KeyValueParse {
  std::vector<Setting> settings;  // those read before `problem`
  std::string problem;            // "" when the whole text was read
};

// Reads the key=value form as libpq's conninfo_parse does: settings
// separated by whitespace, spaces allowed around '=', values either bare
// (ending at whitespace) or in single quotes, '\' escaping the next
// character in both.
KeyValueParse ParseKeyValue(absl::string_view text) {
  KeyValueParse parse;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
  };
  // Appends the next character of a value, unescaping "\x".
  auto take = [&](std::string* value) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    value->push_back(text[i]);
    ++i;
  };
  for (int n = 1;; ++n) {
    skip_spaces();
    if (i >= text.size()) break;
    const size_t key_begin = i;
    while (i < text.size() && !absl::ascii_isspace(text[i]) && text[i] != '=') {
      ++i;
    }
    std::string key(text.substr(key_begin, i - key_begin));
    skip_spaces();
    if (i >= text.size() || text[i] != '=') {
      // The "name" may be a piece of an unquoted password: never show it.
      parse.problem = absl::StrCat("setting ", n,
                                   " has no '=' after its name (quote values "
                                   "that hold spaces: key='a b')");
      break;
    }
    if (key.empty()) {
      parse.problem = absl::StrCat("setting ", n, " has no name before '='");
      break;
    }
    ++i;
    skip_spaces();
    const size_t value_begin = i;
    Setting setting;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\'') {
          closed = true;
          ++i;
          break;
        }
        take(&setting.value);
      }
      if (!closed) {
        parse.problem = absl::StrCat(
            "setting ", n,
            IsKnownOption(key) ? absl::StrCat(" (", key, ")") : std::string(),
            " has a quoted value that is not closed");
        break;
      }
    } else {
      while (i < text.size() && !absl::ascii_isspace(text[i])) {
        take(&setting.value);
      }
    }
    setting.key = std::move(key);
    setting.raw_value = text.substr(value_begin, i - value_begin);
    parse.settings.push_back(std::move(setting));
  }
  if (parse.problem.empty()) {
    for (size_t n = 0; n < parse.settings.size(); ++n) {
      if (!IsKnownOption(parse.settings[n].key)) {
        parse.problem = absl::StrCat("setting ", n + 1,
                                     " is not a connection option libpq "
                                     "knows (its name is not shown: it may be "
                                     "part of a password)");
        break;
      }
    }
  }
  return parse;
}

// `value` in single quotes, escaped as libpq reads it.
std::string QuoteValue(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// How deep RedactKeyValue has gone into dbname settings that are
// connection strings.
enum class Depth { kTop, kInsideDbname };

std::string RedactUri(absl::string_view text, size_t prefix_length);

std::string RedactKeyValue(absl::string_view text, Depth depth) {
  KeyValueParse parse = ParseKeyValue(text);
  std::vector<std::string> kept;
  for (const Setting& setting : parse.settings) {
    if (!IsKnownOption(setting.key) || IsSecretOption(setting.key)) continue;
    if (setting.key == "dbname" && LooksLikeConnectionString(setting.value)) {
      // libpq expands a dbname once; one nested inside that is a name to
      // it, but may still hold a password, so it is dropped, not shown.
      // Expanding only one level also keeps the output's size linear in
      // the input's: every level of quoting doubles the backslashes.
      if (depth == Depth::kInsideDbname) continue;
      const absl::string_view inner =
          absl::StripLeadingAsciiWhitespace(setting.value);
      const size_t prefix_length = UriPrefixLength(inner);
      kept.push_back(absl::StrCat(
          "dbname=",
          QuoteValue(prefix_length > 0
                         ? RedactUri(inner, prefix_length)
                         : RedactKeyValue(inner, Depth::kInsideDbname))));
      continue;
    }
    kept.push_back(absl::StrCat(setting.key, "=", setting.raw_value));
  }
  return absl::StrJoin(kept, " ");
}

// --- URI ------------------------------------------------------------------

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// `text` with %XX decoded; false when a '%' is not followed by two hex
// digits or encodes NUL (both of which libpq refuses).
bool PercentDecode(absl::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    int high = HexValue(text[i + 1]);
    int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0 || (high == 0 && low == 0)) return false;
    out->push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

// The parts of a URI after its prefix: [userinfo@]hosts[/dbname][?query].
struct UriParts {
  bool has_userinfo = false;
  absl::string_view userinfo;  // up to the last '@', which is safest
  absl::string_view hosts_and_path;
  bool has_query = false;
  absl::string_view query;
};

UriParts SplitUri(absl::string_view rest) {
  UriParts parts;
  // libpq ends the userinfo at the first '@' before any '/'. A password
  // with a raw '@', '/' or '?' breaks that rule; taking everything up to the
  // last '@' as userinfo makes sure no piece of it is shown.
  const size_t at = rest.rfind('@');
  absl::string_view after = rest;
  if (at != absl::string_view::npos) {
    parts.has_userinfo = true;
    parts.userinfo = rest.substr(0, at);
    after = rest.substr(at + 1);
  }
  const size_t question = after.find('?');
  parts.hosts_and_path = after.substr(0, question);
  if (question != absl::string_view::npos) {
    parts.has_query = true;
    parts.query = after.substr(question + 1);
  }
  return parts;
}

std::string RedactUri(absl::string_view text, size_t prefix_length) {
  const UriParts parts = SplitUri(text.substr(prefix_length));
  std::string out(text.substr(0, prefix_length));
  if (parts.has_userinfo) {
    absl::string_view user = parts.userinfo.substr(0, parts.userinfo.find(':'));
    if (user.find_first_of("@/?#") != absl::string_view::npos) {
      // The '@' was not where a well-formed URI has it: show that a user
      // part was there, not what it held.
      absl::StrAppend(&out, "***@");
    } else if (!user.empty()) {
      absl::StrAppend(&out, user, "@");
    }
  }
  absl::StrAppend(&out, parts.hosts_and_path);
  if (!parts.has_query) return out;
  std::vector<absl::string_view> kept;
  for (absl::string_view param : absl::StrSplit(parts.query, '&')) {
    const size_t eq = param.find('=');
    if (eq == absl::string_view::npos) continue;
    std::string key;
    std::string value;
    if (!PercentDecode(param.substr(0, eq), &key) ||
        !PercentDecode(param.substr(eq + 1), &value)) {
      continue;
    }
    if ((!IsKnownOption(key) && key != "ssl") || IsSecretOption(key)) continue;
    if (key == "dbname" && LooksLikeConnectionString(value)) continue;
    kept.push_back(param);
  }
  if (!kept.empty()) absl::StrAppend(&out, "?", absl::StrJoin(kept, "&"));
  return out;
}

std::string UriSyntaxProblem(absl::string_view text, size_t prefix_length) {
  std::string decoded;
  if (!PercentDecode(text, &decoded)) {
    return "the URI has a '%' that is not followed by two hex digits, or "
           "encodes NUL (%00)";
  }
  const absl::string_view rest = text.substr(prefix_length);
  const size_t first_at = rest.find('@');
  if (first_at != absl::string_view::npos &&
      (rest.find('@', first_at + 1) != absl::string_view::npos ||
       rest.find_first_of("/?") < first_at)) {
    return "the URI has an '@' that is not the one ending user:password@ "
           "(a raw '@', '/' or '?' in the user or password, or an '@' in the "
           "path or query): percent-encode them (%40, %2F, %3F)";
  }
  const UriParts parts = SplitUri(rest);
  if (!parts.has_query || parts.query.empty()) return "";
  int n = 0;
  for (absl::string_view param : absl::StrSplit(parts.query, '&')) {
    ++n;
    const size_t eq = param.find('=');
    if (eq == absl::string_view::npos ||
        param.find('=', eq + 1) != absl::string_view::npos) {
      return absl::StrCat("the URI's query parameter ", n,
                          " is not one key=value (percent-encode '=' and '&' "
                          "in values: %3D, %26)");
    }
    std::string key;
    PercentDecode(param.substr(0, eq), &key);
    if (!IsKnownOption(key) && key != "ssl") {
      return absl::StrCat("the URI's query parameter ", n,
                          " is not a connection option libpq knows (its name "
                          "is not shown: it may be part of a password)");
    }
  }
  return "";
}

}  // namespace

std::string RedactDsn(absl::string_view dsn) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(dsn);
  const size_t prefix_length = UriPrefixLength(text);
  if (prefix_length > 0) return RedactUri(text, prefix_length);
  return RedactKeyValue(text, Depth::kTop);
}

std::string DsnSyntaxProblem(absl::string_view dsn) {
  if (absl::StripAsciiWhitespace(dsn).empty()) return "the string is empty";
  // No stripping here: libpq reads " postgresql://..." as key=value, and
  // so must the check.
  const size_t prefix_length = UriPrefixLength(dsn);
  if (prefix_length > 0) return UriSyntaxProblem(dsn, prefix_length);
  return ParseKeyValue(dsn).problem;
}

}  // namespace riposte
