// Checks and readers shared by every part of the server config.
#include "config/internal/readers.h"

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include "absl/status/status.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config::internal {

bool IsHostChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
}

bool IsIpv6Char(char c) {
  // Hex digits, separators, an embedded IPv4 tail and a "%zone" suffix.
  return absl::ascii_isalnum(c) || c == ':' || c == '.' || c == '%' ||
         c == '-' || c == '_';
}

// Returns why `address` is not a usable host:port, or "" if it is.
std::string CheckListenAddress(absl::string_view address) {
  const std::string quoted = QuoteForMessage(address);
  absl::string_view host;
  absl::string_view port;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::StrCat(quoted, " is missing the ']' that closes the IPv6 "
                          "address (", kListenExample, ")");
    }
    host = address.substr(1, close - 1);
    absl::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest[0] != ':') {
      return absl::StrCat(quoted, " has no port after ']' (", kListenExample,
                          ")");
    }
    port = rest.substr(1);
    bool ok = !host.empty() && host.find(':') != absl::string_view::npos;
    for (char c : host) ok = ok && IsIpv6Char(c);
    if (!ok) {
      return absl::StrCat(quoted, ": only IPv6 addresses go in brackets (",
                          kListenExample, ")");
    }
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::StrCat(quoted, " is not host:port (", kListenExample, ")");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return absl::StrCat(quoted, ": IPv6 addresses must be in brackets (",
                          kListenExample, ")");
    }
    if (host.empty()) {
      return absl::StrCat(quoted, " has no host; use 0.0.0.0 for every "
                          "interface or 127.0.0.1 for loopback only");
    }
    for (char c : host) {
      if (!IsHostChar(c)) {
        return absl::StrCat(quoted, " has an invalid host name (",
                            kListenExample, ")");
      }
    }
  }
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) digits = digits && absl::ascii_isdigit(c);
  int port_number = 0;
  if (!digits || !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return absl::StrCat(quoted, ": port ", QuoteForMessage(port),
                        " is not a number from 0 to 65535");
  }
  return "";
}

// Returns why `id` is not a valid tenant id, or "" if it is.
std::string CheckTenantId(absl::string_view id) {
  if (id.empty()) return "must not be empty";
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return absl::StrCat(QuoteForMessage(id),
                          " may only contain letters, digits, '.', '_' and "
                          "'-'");
    }
  }
  return "";
}

// Reads an int64 that is optional; returns false only if it was present but
// bad (so cross-field checks skip values already reported).
bool ReadLimit(MapReader& reader, absl::string_view key, int64_t* out,
               IntBounds bounds) {
  bool present = reader.Has(key);
  return reader.OptionalInt64(key, out, bounds) || !present;
}

void RequireNonEmpty(MapReader& reader, absl::string_view key,
                     const std::string& value, bool read_ok) {
  if (read_ok && value.empty()) reader.AddError(key, "must not be empty");
}

// --- Adapters -------------------------------------------------------------


bool IsLoopbackHost(absl::string_view host) {
  return host == "127.0.0.1" || absl::EqualsIgnoreCase(host, "localhost") ||
         host == "[::1]";
}

bool IsHttpTokenChar(char c) {
  // RFC 9110 tchar: what header names are made of.
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) !=
             absl::string_view::npos;
}

bool IsHttpToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsHttpTokenChar(c)) return false;
  }
  return true;
}

// Returns why `url` cannot be an adapter endpoint, or "" if it can. Never
// repeats the URL: a webhook's may carry a token in its path or query.
// `base`: a base URL that paths are appended to, so no query either.
std::string CheckUrl(absl::string_view url, bool base) {
  if (url.empty()) return "must not be empty";
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return "must not contain spaces, control or non-ASCII characters "
             "(percent-encode them)";
    }
  }
  bool https = absl::StartsWith(url, "https://");
  bool http = absl::StartsWith(url, "http://");
  if (!https && !http) {
    return "must start with https:// (or http:// for a loopback host)";
  }
  absl::string_view rest = url.substr(https ? 8 : 7);
  size_t authority_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, authority_end);
  absl::string_view tail = authority_end == absl::string_view::npos
                               ? absl::string_view()
                               : rest.substr(authority_end);
  if (authority.find('@') != absl::string_view::npos) {
    return "must not contain credentials (user:password@host); secrets come "
           "from *_file or *_env keys";
  }
  absl::string_view host = authority;
  absl::string_view port;
  bool host_ok = !authority.empty();
  if (host_ok && authority[0] == '[') {
    size_t close = authority.find(']');
    host_ok = close != absl::string_view::npos && close > 1;
    if (host_ok) {
      host = authority.substr(0, close + 1);
      for (char c : authority.substr(1, close - 1)) {
        host_ok = host_ok && (absl::ascii_isxdigit(c) || c == ':' || c == '.');
      }
      absl::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        host_ok = host_ok && after[0] == ':';
        port = after.substr(1);
        if (port.empty()) port = "?";
      }
    }
  } else if (host_ok) {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != absl::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) port = "?";
    }
    host_ok = !host.empty();
    for (char c : host) host_ok = host_ok && IsHostChar(c);
  }
  if (!host_ok) return "has no valid host name";
  if (!port.empty()) {
    int number = 0;
    bool digits = port.size() <= 5;
    for (char c : port) digits = digits && absl::ascii_isdigit(c);
    if (!digits || !absl::SimpleAtoi(port, &number) || number < 1 ||
        number > 65535) {
      return "has a bad port (1 to 65535)";
    }
  }
  if (http && !IsLoopbackHost(host)) {
    return absl::StrCat("uses plain http://, which is allowed only for "
                        "loopback hosts (",
                        kPlainHttpHosts,
                        "): a secret must not travel in clear; use https://");
  }
  if (tail.find('#') != absl::string_view::npos) {
    return "must not have a fragment (#...)";
  }
  if (base && tail.find('?') != absl::string_view::npos) {
    return "must not have a query (?...): paths are appended to it";
  }
  return "";
}

// Reads a string that must not be empty; required keys must be present.
bool ReadText(MapReader& reader, absl::string_view key, bool required,
              std::string* out) {
  std::string value;
  bool ok = required ? reader.RequiredString(key, &value)
                     : reader.OptionalString(key, &value);
  if (!ok) return false;
  if (value.empty()) {
    reader.AddError(key, "must not be empty");
    return false;
  }
  *out = std::move(value);
  return true;
}

// Reads a URL (see CheckUrl). Base URLs lose their trailing '/'s.
bool ReadUrl(MapReader& reader, absl::string_view key, bool required,
             bool base, std::string* out) {
  std::string value;
  bool ok = required ? reader.RequiredString(key, &value)
                     : reader.OptionalString(key, &value);
  if (!ok) return false;
  std::string problem = CheckUrl(value, base);
  if (!problem.empty()) {
    reader.AddError(key, problem);
    return false;
  }
  if (base) {
    while (absl::EndsWith(value, "/")) value.pop_back();
  }
  *out = std::move(value);
  return true;
}

bool IsEnvironmentVariableName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// Reads the secret `name` as `<name>_file` or `<name>_env`: exactly one when
// `required`, at most one otherwise. Only where the secret is; never its
// value, which is read at start-up (ReadSecret).
bool ReadSecretRef(MapReader& reader, absl::string_view name, bool required,
                   SecretRef* out) {
  const std::string file_key = absl::StrCat(name, "_file");
  const std::string env_key = absl::StrCat(name, "_env");
  SecretRef ref;
  bool ok = true;
  bool has_file = reader.Has(file_key);
  bool has_env = reader.Has(env_key);
  if (has_file) ok = ReadText(reader, file_key, false, &ref.file) && ok;
  if (has_env && reader.OptionalString(env_key, &ref.env)) {
    if (!IsEnvironmentVariableName(ref.env)) {
      reader.AddError(env_key,
                      absl::StrCat(QuoteForMessage(ref.env),
                                   " is not an environment variable name "
                                   "(letters, digits and '_', not starting "
                                   "with a digit)"));
      ok = false;
    }
  } else if (has_env) {
    ok = false;
  }
  if (has_file && has_env) {
    reader.AddError(env_key, absl::StrCat("give either ", file_key, " or ",
                                          env_key, ", not both"));
    return false;
  }
  if (!has_file && !has_env && required) {
    reader.errors()->Add(
        reader.line(), reader.PathOf(name),
        absl::StrCat("required: set ", file_key,
                     " (a file holding the secret) or ", env_key,
                     " (an environment variable holding it)"));
    return false;
  }
  if (ok) *out = std::move(ref);
  return ok;
}

// Reads map `node` at `path` as MapReader::ReadMap does, after taking out
// any key in `secret_names` (say "client_secret") with a message that says
// where the secret belongs: a secret's value never goes in the config file,
// and the usual "unknown key" message would not tell the user why.
void ReadMapRefusingInlineSecrets(
    const Node& node, const std::string& path,
    std::initializer_list<absl::string_view> secret_names, ErrorList* errors,
    absl::FunctionRef<void(MapReader&)> read) {
  Node filtered = node;
  if (node.IsMap()) {
    filtered.entries.clear();
    for (const auto& entry : node.entries) {
      bool secret = false;
      for (absl::string_view name : secret_names) {
        if (entry.first != name) continue;
        secret = true;
        int line = entry.second.BlameLine();
        errors->Add(line > 0 ? line : node.BlameLine(), "",
                    absl::StrCat("unknown key '", name, "' in '", path,
                                 "': secrets come from ", name, "_file or ",
                                 name, "_env, never from the config file"));
      }
      if (!secret) filtered.entries.push_back(entry);
    }
  }
  MapReader::ReadMap(filtered, path, errors, read);
}

// MapReader::OptionalMap with ReadMapRefusingInlineSecrets.
bool OptionalMapRefusingInlineSecrets(
    MapReader& parent, absl::string_view key,
    std::initializer_list<absl::string_view> secret_names,
    absl::FunctionRef<void(MapReader&)> read) {
  const Node* value = parent.Get(key);
  if (value == nullptr) return false;
  if (!value->IsMap() && !value->IsNull()) {
    parent.AddError(key, absl::StrCat("expected a map of keys, got a ",
                                      value->KindName()));
    return false;
  }
  ReadMapRefusingInlineSecrets(*value, parent.PathOf(key), secret_names,
                               parent.errors(), read);
  return true;
}

// Reads a `graph:` or `gateway:` section's `enabled` key: a section that is
// present is enabled unless it says otherwise. Returns whether the section's
// other keys are required: when it is enabled, and `enabled` itself is valid
// (a typo there is reported alone, not with a list of missing keys).
bool ReadEnabled(MapReader& reader, bool* enabled) {
  *enabled = true;
  bool present = reader.Has("enabled");
  bool ok = reader.OptionalBool("enabled", enabled) || !present;
  return ok && *enabled;
}

}  // namespace riposte::config::internal
