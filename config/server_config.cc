#include "config/server_config.h"

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
#include "config/embedded_config.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config {
namespace {

using yaml::DurationBounds;
using yaml::ErrorList;
using yaml::IntBounds;
using yaml::MapReader;
using yaml::Node;
using yaml::QuoteForMessage;

constexpr absl::string_view kListenExample =
    "e.g. 127.0.0.1:50051 or [::1]:50051";

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
               IntBounds bounds = IntBounds::Positive()) {
  bool present = reader.Has(key);
  return reader.OptionalInt64(key, out, bounds) || !present;
}

void RequireNonEmpty(MapReader& reader, absl::string_view key,
                     const std::string& value, bool read_ok) {
  if (read_ok && value.empty()) reader.AddError(key, "must not be empty");
}

// --- Adapters -------------------------------------------------------------

constexpr absl::string_view kPlainHttpHosts = "127.0.0.1, localhost, [::1]";

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

void ReadGraph(MapReader& reader, GraphConfig* graph) {
  // A disabled section may be left half-written, but what is there must be
  // right.
  const bool required = ReadEnabled(reader, &graph->enabled);
  if (ReadText(reader, "directory_tenant", required,
               &graph->directory_tenant)) {
    for (char c : graph->directory_tenant) {
      if (!absl::ascii_isalnum(c) && c != '.' && c != '-') {
        reader.AddError("directory_tenant",
                        "must be the Entra tenant id (a GUID) or one of its "
                        "domains, e.g. contoso.onmicrosoft.com");
        break;
      }
    }
  }
  ReadText(reader, "client_id", required, &graph->client_id);
  ReadSecretRef(reader, "client_secret", required, &graph->client_secret);
  ReadUrl(reader, "login_base_url", false, /*base=*/true,
          &graph->login_base_url);
  ReadUrl(reader, "graph_base_url", false, /*base=*/true,
          &graph->graph_base_url);
  ReadText(reader, "quarantine_folder", false, &graph->quarantine_folder);
}

void ReadGateway(MapReader& reader, GatewayConfig* gateway) {
  const bool required = ReadEnabled(reader, &gateway->enabled);
  ReadUrl(reader, "base_url", required, /*base=*/true, &gateway->base_url);
  ReadText(reader, "client_id", required, &gateway->client_id);
  ReadSecretRef(reader, "client_secret", required, &gateway->client_secret);
}

constexpr absl::string_view kWebhookMethods[] = {"GET", "POST", "PUT",
                                                 "PATCH", "DELETE"};

// Headers that carry credentials: their values would be secrets in the
// config file.
bool IsCredentialHeader(absl::string_view name) {
  for (absl::string_view credential :
       {"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key",
        "Api-Key"}) {
    if (absl::EqualsIgnoreCase(name, credential)) return true;
  }
  return false;
}

void ReadWebhookHeaders(MapReader& reader, WebhookConfig* webhook) {
  const Node* headers = reader.Get("headers");
  if (headers == nullptr || headers->IsNull()) return;
  if (!headers->IsMap()) {
    reader.AddError("headers",
                    absl::StrCat("expected a map of header names to values, "
                                 "got a ",
                                 headers->KindName()));
    return;
  }
  const std::string base = reader.PathOf("headers");
  std::map<std::string, int> line_of_lower_name;
  for (const auto& [name, value] : headers->entries) {
    const std::string path = absl::StrCat(base, ".", name);
    const int line =
        value.BlameLine() > 0 ? value.BlameLine() : reader.LineOf("headers");
    ErrorList& errors = *reader.errors();
    if (!IsHttpToken(name)) {
      errors.Add(line, path,
                 "is not a valid header name (letters, digits and "
                 "!#$%&'*+-.^_`|~)");
      continue;
    }
    if (IsCredentialHeader(name)) {
      errors.Add(line, path,
                 "would put a credential in the config file; sign requests "
                 "with hmac_secret_file or hmac_secret_env instead");
      continue;
    }
    if (absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Host")) {
      errors.Add(line, path, "is set by the HTTP client; leave it out");
      continue;
    }
    auto [it, inserted] =
        line_of_lower_name.emplace(absl::AsciiStrToLower(name), line);
    if (!inserted) {
      errors.Add(line, path,
                 absl::StrCat("duplicate header (names ignore case; first "
                              "defined at line ",
                              it->second, ")"));
      continue;
    }
    absl::StatusOr<std::string> text = yaml::ReadString(value);
    if (!text.ok()) {
      errors.Add(line, path, text.status().message());
      continue;
    }
    if (text->find_first_of("\r\n") != std::string::npos) {
      errors.Add(line, path, "must be one line");
      continue;
    }
    webhook->headers[name] = *std::move(text);
  }
}

void ReadSuccessCodes(MapReader& reader, WebhookConfig* webhook) {
  std::vector<int> codes;
  bool all_good = true;
  bool present = reader.OptionalSequence(
      "success_codes", [&](const Node& item, const std::string& path) {
        absl::StatusOr<int64_t> code =
            yaml::ReadInt64(item, IntBounds::Range(100, 599));
        if (!code.ok()) {
          reader.errors()->Add(item.line > 0 ? item.line : reader.line(), path,
                               code.status().message());
          all_good = false;
          return;
        }
        codes.push_back(static_cast<int>(*code));
      });
  if (!present || !all_good) return;
  if (codes.empty()) {
    reader.AddError("success_codes",
                    "must list at least one HTTP status code, e.g. [200, 202]");
    return;
  }
  webhook->success_codes = std::move(codes);
}

std::string CheckWebhookName(absl::string_view name) {
  if (name.empty()) return "must not be empty";
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return absl::StrCat(QuoteForMessage(name),
                          " may only contain lowercase letters, digits and "
                          "'-'");
    }
  }
  return "";
}

struct Site {
  int line;
  std::string path;
};

// Reads one webhook; returns false if it has no usable name (so that name
// checks across webhooks skip it).
bool ReadWebhook(MapReader& reader, WebhookConfig* webhook, Site* name_site) {
  bool name_ok = reader.RequiredString("name", &webhook->name);
  if (name_ok) {
    std::string problem = CheckWebhookName(webhook->name);
    if (!problem.empty()) {
      reader.AddError("name", problem);
      name_ok = false;
    }
  }
  *name_site = Site{reader.LineOf("name"), reader.PathOf("name")};
  if (reader.OptionalString("method", &webhook->method)) {
    bool known = false;
    for (absl::string_view method : kWebhookMethods) {
      known = known || webhook->method == method;
    }
    if (!known) {
      reader.AddError("method",
                      absl::StrCat("unknown method ",
                                   QuoteForMessage(webhook->method),
                                   " (allowed: ",
                                   absl::StrJoin(kWebhookMethods, ", "), ")"));
    }
  }
  ReadUrl(reader, "url", /*required=*/true, /*base=*/false, &webhook->url);
  ReadWebhookHeaders(reader, webhook);
  reader.OptionalString("body_template", &webhook->body_template);
  ReadSuccessCodes(reader, webhook);
  ReadSecretRef(reader, "hmac_secret", /*required=*/false,
                &webhook->hmac_secret);
  if (reader.OptionalString("signature_header", &webhook->signature_header) &&
      !IsHttpToken(webhook->signature_header)) {
    reader.AddError("signature_header",
                    "must be a header name (letters, digits and "
                    "!#$%&'*+-.^_`|~)");
  }
  reader.OptionalBool("revert", &webhook->revert);
  return name_ok;
}

// Returns why `adapter` cannot run actions for `tenant`, or "".
std::string CheckRoute(absl::string_view adapter, const TenantConfig& tenant) {
  if (adapter == "graph") {
    if (!tenant.graph.enabled) {
      return "\"graph\" is not configured for this tenant (add a graph: "
             "section, or enable it)";
    }
    return "";
  }
  if (adapter == "gateway") {
    if (!tenant.gateway.enabled) {
      return "\"gateway\" is not configured for this tenant (add a gateway: "
             "section, or enable it)";
    }
    return "";
  }
  if (absl::StartsWith(adapter, "webhook:")) {
    absl::string_view name = adapter.substr(8);
    if (tenant.FindWebhook(name) != nullptr) return "";
    std::vector<std::string> names;
    for (const WebhookConfig& webhook : tenant.webhooks) {
      names.push_back(webhook.name);
    }
    return absl::StrCat("no webhook named ", QuoteForMessage(name),
                        " in this tenant (",
                        names.empty() ? "it has none"
                                      : absl::StrCat("webhooks: ",
                                                     absl::StrJoin(names,
                                                                   ", ")),
                        ")");
  }
  return absl::StrCat("unknown adapter ", QuoteForMessage(adapter),
                      " (allowed: graph, gateway, webhook:<name>)");
}

void ReadRoutes(MapReader& reader, TenantConfig* tenant) {
  const Node* routes = reader.Get("routes");
  if (routes == nullptr || routes->IsNull()) return;
  if (!routes->IsMap()) {
    reader.AddError("routes",
                    absl::StrCat("expected a map of action names to adapters, "
                                 "got a ",
                                 routes->KindName()));
    return;
  }
  const std::string base = reader.PathOf("routes");
  ErrorList& errors = *reader.errors();
  for (const auto& [action, value] : routes->entries) {
    const std::string path = absl::StrCat(base, ".", action);
    const int line =
        value.BlameLine() > 0 ? value.BlameLine() : reader.LineOf("routes");
    bool action_ok = !action.empty();
    for (char c : action) {
      action_ok = action_ok && (absl::ascii_islower(c) ||
                                absl::ascii_isdigit(c) || c == '_');
    }
    if (!action_ok) {
      errors.Add(line, path,
                 "is not an action name (lowercase letters, digits and '_', "
                 "e.g. disable_user)");
      continue;
    }
    absl::StatusOr<std::string> adapter = yaml::ReadString(value);
    if (!adapter.ok()) {
      errors.Add(line, path, adapter.status().message());
      continue;
    }
    std::string problem = CheckRoute(*adapter, *tenant);
    if (!problem.empty()) {
      errors.Add(line, path, problem);
      continue;
    }
    tenant->routes[action] = *std::move(adapter);
  }
}

// Reads one `tenants:` item. Returns false if its id is unusable (so the
// checks across tenants skip it); `*id_site` says where the id is.
bool ReadTenant(MapReader& reader, TenantConfig* tenant, Site* id_site) {
  bool id_ok = reader.RequiredString("id", &tenant->id);
  if (id_ok) {
    std::string problem = CheckTenantId(tenant->id);
    if (!problem.empty()) {
      reader.AddError("id", problem);
      id_ok = false;
    }
  }
  bool has_name = reader.Has("display_name");
  if (reader.OptionalString("display_name", &tenant->display_name) &&
      tenant->display_name.empty()) {
    reader.AddError("display_name",
                    "must not be empty (leave it out to use the id)");
  }
  if (!has_name) tenant->display_name = tenant->id;
  *id_site = Site{reader.LineOf("id"), reader.PathOf("id")};

  OptionalMapRefusingInlineSecrets(
      reader, "graph", {"client_secret"},
      [&](MapReader& graph) { ReadGraph(graph, &tenant->graph); });
  OptionalMapRefusingInlineSecrets(
      reader, "gateway", {"client_secret"},
      [&](MapReader& gateway) { ReadGateway(gateway, &tenant->gateway); });

  std::vector<Site> name_sites;  // parallel to tenant->webhooks
  reader.OptionalSequence(
      "webhooks", [&](const Node& item, const std::string& path) {
        if (!item.IsMap() && !item.IsNull()) {
          // Let ReadMap report the shape.
          MapReader::ReadMap(item, path, reader.errors(), [](MapReader&) {});
          return;
        }
        WebhookConfig webhook;
        Site site{0, ""};
        bool name_ok = false;
        ReadMapRefusingInlineSecrets(
            item, path, {"hmac_secret"}, reader.errors(),
            [&](MapReader& w) { name_ok = ReadWebhook(w, &webhook, &site); });
        if (!name_ok) return;
        name_sites.push_back(std::move(site));
        tenant->webhooks.push_back(std::move(webhook));
      });
  std::map<std::string, int> first_line_of_name;
  for (size_t i = 0; i < tenant->webhooks.size(); ++i) {
    auto [it, inserted] = first_line_of_name.emplace(tenant->webhooks[i].name,
                                                     name_sites[i].line);
    if (!inserted) {
      reader.errors()->Add(
          name_sites[i].line, name_sites[i].path,
          absl::StrCat("duplicate webhook name '", tenant->webhooks[i].name,
                       "' (first defined at line ", it->second, ")"));
    }
  }

  ReadRoutes(reader, tenant);
  return id_ok;
}

// --- Execution ------------------------------------------------------------

void ReadExecution(MapReader& reader, ExecutionConfig* execution) {
  ReadLimit(reader, "workers", &execution->workers, IntBounds::Range(0, 256));
  bool lease_ok = reader.OptionalDuration("lease", &execution->lease,
                                          DurationBounds::Positive()) ||
                  !reader.Has("lease");
  bool call_timeout_ok =
      reader.OptionalDuration("call_timeout", &execution->call_timeout,
                              DurationBounds::Positive()) ||
      !reader.Has("call_timeout");
  ReadLimit(reader, "max_attempts", &execution->max_attempts);
  reader.OptionalDuration("max_age", &execution->max_age,
                          DurationBounds::Positive());
  bool backoff_ok = true;
  int initial_line = 0;  // 0: key absent
  int max_line = 0;
  std::string initial_path;
  std::string max_path;
  reader.OptionalMap("backoff", [&](MapReader& backoff) {
    backoff_ok = (backoff.OptionalDuration("initial",
                                           &execution->backoff_initial,
                                           DurationBounds::Positive()) ||
                  !backoff.Has("initial")) &&
                 backoff_ok;
    backoff_ok = (backoff.OptionalDuration("max", &execution->backoff_max,
                                           DurationBounds::Positive()) ||
                  !backoff.Has("max")) &&
                 backoff_ok;
    if (backoff.Has("initial")) initial_line = backoff.LineOf("initial");
    if (backoff.Has("max")) max_line = backoff.LineOf("max");
    initial_path = backoff.PathOf("initial");
    max_path = backoff.PathOf("max");
  });
  reader.OptionalMap("circuit_breaker", [&](MapReader& breaker) {
    ReadLimit(breaker, "failures", &execution->breaker_failures);
    breaker.OptionalDuration("open_for", &execution->breaker_open_for,
                             DurationBounds::Positive());
  });
  reader.OptionalDuration("expiry_scan_interval",
                          &execution->expiry_scan_interval,
                          DurationBounds::Positive());

  // A lease must outlast a few calls, or a slow but healthy worker loses its
  // run to another and the action runs twice.
  // The brief asked for "more than"; the default 60s lease with the default
  // 20s call timeout sits exactly on the line, so the bound is inclusive.
  if (lease_ok && call_timeout_ok &&
      execution->lease < 3 * execution->call_timeout) {
    const std::string needed =
        absl::StrCat("3 * execution.call_timeout = ",
                     absl::FormatDuration(3 * execution->call_timeout));
    if (reader.Has("lease") || !reader.Has("call_timeout")) {
      reader.AddError("lease",
                      absl::StrCat("must be at least ", needed, ", got ",
                                   absl::FormatDuration(execution->lease)));
    } else {
      reader.AddError(
          "call_timeout",
          absl::StrCat(needed, " is more than execution.lease (",
                       absl::FormatDuration(execution->lease),
                       "); raise the lease too"));
    }
  }
  if (backoff_ok && execution->backoff_initial > execution->backoff_max) {
    if (initial_line > 0 || max_line == 0) {
      reader.errors()->Add(
          initial_line > 0 ? initial_line : reader.LineOf("backoff"),
          initial_path.empty() ? "execution.backoff.initial" : initial_path,
          absl::StrCat("must not exceed execution.backoff.max (",
                       absl::FormatDuration(execution->backoff_max),
                       "), got ",
                       absl::FormatDuration(execution->backoff_initial)));
    } else {
      reader.errors()->Add(
          max_line, max_path,
          absl::StrCat("must be at least execution.backoff.initial (",
                       absl::FormatDuration(execution->backoff_initial),
                       "), got ",
                       absl::FormatDuration(execution->backoff_max)));
    }
  }
}

// --- Transport security and callers ---------------------------------------

// Where the grpc: keys that the cross-field checks look at were.
struct GrpcSecuritySites {
  bool listen_ok = true;  // grpc.listen absent (the loopback default) or valid
  int listen_line = 0;
  bool plaintext_ok = false;  // present and a valid bool
  bool plaintext = false;
  int plaintext_line = 0;
  int tls_line = 0;
};

void ReadTls(MapReader& reader, TlsConfig* tls) {
  tls->enabled = true;
  ReadText(reader, "cert_file", /*required=*/true, &tls->cert_file);
  ReadText(reader, "key_file", /*required=*/true, &tls->key_file);
  bool has_ca = reader.Has("client_ca_file");
  if (has_ca) {
    ReadText(reader, "client_ca_file", /*required=*/false,
             &tls->client_ca_file);
  }
  if (reader.OptionalBool("require_client_cert", &tls->require_client_cert) &&
      tls->require_client_cert && !has_ca) {
    reader.AddError("require_client_cert",
                    "needs client_ca_file: the CA certificates that client "
                    "certificates are verified against");
  }
}

constexpr size_t kMaxIdentityBytes = 256;

// Returns why `identity` cannot name a certificate identity, or "".
std::string CheckIdentity(absl::string_view identity) {
  if (identity.empty()) return "must not be empty";
  if (identity.size() > kMaxIdentityBytes) {
    return absl::StrCat("is ", identity.size(), " bytes, more than ",
                        kMaxIdentityBytes);
  }
  for (char c : identity) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "must not contain control characters";
  }
  if (identity.front() == ' ' || identity.back() == ' ') {
    return "must not begin or end with a space";
  }
  return "";
}

bool IsRoleName(absl::string_view role) {
  for (absl::string_view name : kRoleNames) {
    if (role == name) return true;
  }
  return false;
}

std::string UnknownRole(absl::string_view role) {
  return absl::StrCat("unknown role ", QuoteForMessage(role), " (allowed: ",
                      absl::StrJoin(kRoleNames, ", "), ")");
}

// Reads `auth:`. `*cert_roles_line` is where client_cert_roles is (0 if
// absent); `*cert_roles_given` whether it lists anything.
void ReadAuth(MapReader& reader, AuthConfig* auth, int* cert_roles_line,
              bool* cert_roles_given) {
  if (reader.Has("tokens_file")) {
    ReadText(reader, "tokens_file", /*required=*/false, &auth->tokens_file);
  }
  std::vector<Site> sites;  // parallel to auth->client_cert_roles
  bool present = reader.OptionalSequence(
      "client_cert_roles", [&](const Node& item, const std::string& path) {
        *cert_roles_given = true;
        MapReader::ReadMap(item, path, reader.errors(), [&](MapReader& r) {
          ClientCertRole entry;
          bool identity_ok = r.RequiredString("identity", &entry.identity);
          if (identity_ok) {
            std::string problem = CheckIdentity(entry.identity);
            if (!problem.empty()) {
              r.AddError("identity", problem);
              identity_ok = false;
            }
          }
          bool role_ok = r.RequiredString("role", &entry.role);
          if (role_ok && !IsRoleName(entry.role)) {
            r.AddError("role", UnknownRole(entry.role));
            role_ok = false;
          }
          if (!identity_ok || !role_ok) return;
          sites.push_back(Site{r.LineOf("identity"), r.PathOf("identity")});
          auth->client_cert_roles.push_back(std::move(entry));
        });
      });
  if (present) *cert_roles_line = reader.LineOf("client_cert_roles");
  std::map<std::string, int> first_line_of_identity;
  for (size_t i = 0; i < auth->client_cert_roles.size(); ++i) {
    const std::string& identity = auth->client_cert_roles[i].identity;
    auto [it, inserted] =
        first_line_of_identity.emplace(identity, sites[i].line);
    if (!inserted) {
      reader.errors()->Add(
          sites[i].line, sites[i].path,
          absl::StrCat("duplicate identity ", QuoteForMessage(identity),
                       " (first defined at line ", it->second, ")"));
    }
  }
}

// The checks across grpc.listen, grpc.plaintext, grpc.tls and auth.
void CheckTransportSecurity(const ServerConfig& config,
                            const GrpcSecuritySites& at, int cert_roles_line,
                            bool cert_roles_given, ErrorList* errors) {
  const TlsConfig& tls = config.grpc_tls;
  if (tls.enabled) {
    if (at.plaintext_ok && at.plaintext) {
      errors->Add(at.plaintext_line, "grpc.plaintext",
                  "must not be true together with grpc.tls (remove one of "
                  "them)");
    }
    if (config.auth.tokens_file.empty() && !cert_roles_given) {
      errors->Add(at.tls_line, "grpc.tls",
                  "no caller could ever be authenticated: set "
                  "auth.tokens_file, or auth.client_cert_roles with "
                  "grpc.tls.client_ca_file");
    }
  } else if (at.plaintext_ok && !at.plaintext) {
    errors->Add(at.plaintext_line, "grpc.plaintext",
                "false requires a grpc.tls section (cert_file, key_file)");
  } else if (at.listen_ok && !IsLoopbackListenAddress(config.grpc_listen)) {
    if (at.plaintext_ok) {
      errors->Add(at.plaintext_line, "grpc.plaintext",
                  absl::StrCat("plaintext gRPC is allowed only on a loopback "
                               "listen address (",
                               kPlainHttpHosts, "), and grpc.listen is ",
                               QuoteForMessage(config.grpc_listen),
                               ": configure grpc.tls instead"));
    } else {
      errors->Add(at.listen_line, "grpc.listen",
                  absl::StrCat(QuoteForMessage(config.grpc_listen),
                               " is not a loopback address, and TLS is "
                               "required off loopback: add a grpc.tls "
                               "section (cert_file, key_file), or listen on ",
                               kPlainHttpHosts));
    }
  }
  if (cert_roles_given && (!tls.enabled || tls.client_ca_file.empty())) {
    errors->Add(cert_roles_line, "auth.client_cert_roles",
                tls.enabled
                    ? "needs grpc.tls.client_ca_file: without it no client "
                      "certificate is asked for"
                    : "needs grpc.tls with client_ca_file: a plaintext "
                      "connection carries no client certificate");
  }
}

// --- The whole file -------------------------------------------------------

absl::StatusOr<ServerConfig> FromDocument(const Node& doc,
                                          absl::string_view filename) {
  ServerConfig config;
  config.source = std::string(filename);
  ErrorList errors{std::string(filename)};
  MapReader root(doc, "", &errors);

  // Cross-field checks run after every key is read; these remember what they
  // need: whether the values are trustworthy, and where to point.
  bool max_receive_ok = true;
  int max_receive_line = 0;  // 0: key absent
  bool max_breach_ok = true;
  int max_breach_line = 0;
  bool max_id_ok = true;
  std::vector<Site> tenant_sites;  // parallel to config.tenants

  GrpcSecuritySites security;
  root.OptionalMap("grpc", [&](MapReader& grpc) {
    if (grpc.OptionalString("listen", &config.grpc_listen)) {
      std::string problem = CheckListenAddress(config.grpc_listen);
      if (!problem.empty()) {
        grpc.AddError("listen", problem);
        security.listen_ok = false;
      }
      security.listen_line = grpc.LineOf("listen");
    } else if (grpc.Has("listen")) {
      security.listen_ok = false;
    }
    security.plaintext_ok = grpc.OptionalBool("plaintext", &security.plaintext);
    security.plaintext_line = grpc.LineOf("plaintext");
    if (grpc.OptionalMap("tls", [&](MapReader& tls) {
          ReadTls(tls, &config.grpc_tls);
        })) {
      security.tls_line = grpc.LineOf("tls");
    }
    // gRPC takes this limit as an int.
    max_receive_ok = ReadLimit(
        grpc, "max_receive_message_bytes",
        &config.grpc_max_receive_message_bytes,
        IntBounds::Range(1, std::numeric_limits<int32_t>::max()));
    if (grpc.Has("max_receive_message_bytes")) {
      max_receive_line = grpc.LineOf("max_receive_message_bytes");
    }
  });

  {
    bool present = root.Has("data_dir");
    bool ok = root.OptionalString("data_dir", &config.data_dir);
    RequireNonEmpty(root, "data_dir", config.data_dir, ok || !present);
  }

  root.OptionalMap("store", [&](MapReader& store) {
    if (store.OptionalString("engine", &config.store.engine)) {
      if (config.store.engine == "postgres" ||
          config.store.engine == "postgresql") {
        store.AddError("engine",
                       "\"postgres\" is not supported yet (it arrives in a "
                       "later release); use \"sqlite\"");
      } else if (config.store.engine != "sqlite") {
        store.AddError("engine",
                       absl::StrCat("unknown engine ",
                                    QuoteForMessage(config.store.engine),
                                    " (allowed: sqlite)"));
      }
    }
    store.OptionalMap("sqlite", [&](MapReader& sqlite) {
      bool ok = sqlite.OptionalString("file", &config.store.sqlite_file);
      RequireNonEmpty(sqlite, "file", config.store.sqlite_file, ok);
    });
    ReadLimit(store, "group_commit_max_batch",
              &config.store.group_commit_max_batch);
  });

  bool has_tenants = root.RequiredSequence(
      "tenants", [&](const Node& item, const std::string& path) {
        MapReader::ReadMap(item, path, &errors, [&](MapReader& tenant) {
          TenantConfig t;
          Site site{0, ""};
          if (!ReadTenant(tenant, &t, &site)) return;
          tenant_sites.push_back(std::move(site));
          config.tenants.push_back(std::move(t));
        });
      });
  if (has_tenants && root.Get("tenants")->items.empty()) {
    root.AddError("tenants",
                  "at least one tenant is required (e.g. '- id: contoso')");
  }

  root.OptionalMap("correlation", [&](MapReader& correlation) {
    correlation.OptionalDuration("window", &config.correlation_window,
                                 DurationBounds::Positive());
  });

  root.OptionalMap("intake", [&](MapReader& intake) {
    IntakeLimits& limits = config.intake;
    max_id_ok = ReadLimit(intake, "max_id_bytes", &limits.max_id_bytes);
    ReadLimit(intake, "max_string_bytes", &limits.max_string_bytes);
    ReadLimit(intake, "max_tags", &limits.max_tags);
    ReadLimit(intake, "max_evidence_entries", &limits.max_evidence_entries);
    ReadLimit(intake, "max_evidence_value_bytes",
              &limits.max_evidence_value_bytes);
    ReadLimit(intake, "max_related_entities", &limits.max_related_entities);
    ReadLimit(intake, "max_attachments", &limits.max_attachments);
    max_breach_ok =
        ReadLimit(intake, "max_breach_bytes", &limits.max_breach_bytes);
    if (intake.Has("max_breach_bytes")) {
      max_breach_line = intake.LineOf("max_breach_bytes");
    }
    intake.OptionalDuration("max_future_skew", &limits.max_future_skew,
                            DurationBounds::Positive());
    ReadLimit(intake, "stream_max_in_flight", &limits.stream_max_in_flight);
  });

  root.OptionalMap("log", [&](MapReader& log) {
    if (log.OptionalString("level", &config.log_level) &&
        config.log_level != "debug" && config.log_level != "info" &&
        config.log_level != "warn" && config.log_level != "error") {
      log.AddError("level", absl::StrCat("unknown level ",
                                         QuoteForMessage(config.log_level),
                                         " (allowed: debug, info, warn, "
                                         "error)"));
    }
  });

  root.OptionalMap("policy", [&](MapReader& policy) {
    if (policy.OptionalString("path", &config.policy_path) &&
        config.policy_path.empty()) {
      policy.AddError("path", "must not be empty (leave the key out to run "
                              "without a policy)");
    }
  });

  root.OptionalMap("metrics", [&](MapReader& metrics) {
    if (metrics.RequiredString("listen", &config.metrics_listen)) {
      const size_t colon = config.metrics_listen.rfind(':');
      int port = -1;
      if (colon == std::string::npos || colon == 0 ||
          !absl::SimpleAtoi(config.metrics_listen.substr(colon + 1), &port) ||
          port < 0 || port > 65535) {
        metrics.AddError("listen",
                         absl::StrCat(QuoteForMessage(config.metrics_listen),
                                      " is not host:port (e.g. 0.0.0.0:9464)"));
      }
    }
  });

  root.OptionalMap("shutdown", [&](MapReader& shutdown) {
    shutdown.OptionalDuration("grace", &config.shutdown_grace,
                              DurationBounds::NonNegative());
  });

  root.OptionalMap("execution", [&](MapReader& execution) {
    ReadExecution(execution, &config.execution);
  });

  int cert_roles_line = 0;
  bool cert_roles_given = false;
  root.OptionalMap("auth", [&](MapReader& auth) {
    ReadAuth(auth, &config.auth, &cert_roles_line, &cert_roles_given);
  });

  root.Finish();

  CheckTransportSecurity(config, security, cert_roles_line, cert_roles_given,
                         &errors);

  // Cross-field checks.
  if (max_receive_ok && max_breach_ok) {
    int64_t needed = config.intake.max_breach_bytes + kGrpcHeadroomBytes;
    if (config.grpc_max_receive_message_bytes < needed) {
      if (max_receive_line > 0 || max_breach_line == 0) {
        errors.Add(max_receive_line, "grpc.max_receive_message_bytes",
                   absl::StrCat("must be at least intake.max_breach_bytes + ",
                                kGrpcHeadroomBytes, " = ", needed, ", got ",
                                config.grpc_max_receive_message_bytes));
      } else {
        errors.Add(max_breach_line, "intake.max_breach_bytes",
                   absl::StrCat(config.intake.max_breach_bytes, " + ",
                                kGrpcHeadroomBytes,
                                " bytes of headroom exceeds "
                                "grpc.max_receive_message_bytes (",
                                config.grpc_max_receive_message_bytes,
                                "); raise that too"));
      }
    }
  }
  std::map<std::string, int> first_line_of_id;
  for (size_t i = 0; i < config.tenants.size(); ++i) {
    const TenantConfig& tenant = config.tenants[i];
    const Site& site = tenant_sites[i];
    auto [it, inserted] = first_line_of_id.emplace(tenant.id, site.line);
    if (!inserted) {
      errors.Add(site.line, site.path,
                 absl::StrCat("duplicate tenant id '", tenant.id,
                              "' (first defined at line ", it->second, ")"));
    }
    if (max_id_ok &&
        static_cast<int64_t>(tenant.id.size()) > config.intake.max_id_bytes) {
      errors.Add(site.line, site.path,
                 absl::StrCat("is ", tenant.id.size(),
                              " bytes, longer than intake.max_id_bytes (",
                              config.intake.max_id_bytes,
                              "), so no breach could name it"));
    }
  }

  RIPOSTE_RETURN_IF_ERROR(errors.ToStatus());
  return config;
}

}  // namespace

bool IsLoopbackListenAddress(absl::string_view listen) {
  absl::string_view host;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == absl::string_view::npos) return false;
    host = listen.substr(0, close + 1);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == absl::string_view::npos) return false;
    host = listen.substr(0, colon);
  }
  return IsLoopbackHost(host);
}

const WebhookConfig* TenantConfig::FindWebhook(absl::string_view name) const {
  for (const WebhookConfig& webhook : webhooks) {
    if (webhook.name == name) return &webhook;
  }
  return nullptr;
}

const TenantConfig* ServerConfig::FindTenant(absl::string_view id) const {
  for (const TenantConfig& tenant : tenants) {
    if (tenant.id == id) return &tenant;
  }
  return nullptr;
}

absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml_text,
                                               absl::string_view filename) {
  RIPOSTE_ASSIGN_OR_RETURN(Node doc, yaml::Parse(yaml_text, filename));
  return FromDocument(doc, filename);
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  absl::StatusOr<Node> doc = yaml::ParseFile(path);
  if (!doc.ok()) {
    // ParseFile's messages already name the path; say what the file was for.
    if (doc.status().code() == absl::StatusCode::kInvalidArgument) {
      return doc.status();
    }
    return absl::Status(doc.status().code(),
                        absl::StrCat("server config: ", doc.status().message()));
  }
  return FromDocument(*doc, path);
}

ServerConfig DefaultServerConfig() {
  static const ServerConfig* const kDefaults = [] {
    absl::StatusOr<ServerConfig> parsed =
        ParseServerConfig(EmbeddedServerConfigYaml(), kEmbeddedDefaultsSource);
    if (!parsed.ok()) {
      absl::string_view message = parsed.status().message();
      std::fprintf(stderr,
                   "FATAL: the embedded default config (config/riposted.yaml) "
                   "is invalid:\n%.*s\n",
                   static_cast<int>(message.size()), message.data());
      std::abort();
    }
    return new ServerConfig(*std::move(parsed));
  }();
  return *kDefaults;
}

}  // namespace riposte::config
