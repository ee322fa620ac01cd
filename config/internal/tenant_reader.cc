// Tenants: Graph, gateway, webhooks and routes.
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
#include "actions/graph/graph_options.h"
#include "actions/webhook/body_template.h"
#include "common/status_macros.h"
#include "common/text_rules.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config::internal {

// The cloud sets where to sign in, where Graph is and which audience to
// ask for; the keys read after it may override each.
void ReadGraphCloud(MapReader& reader, GraphConfig* graph) {
  std::string name;
  if (!reader.OptionalString("cloud", &name)) return;
  const actions::graph::GraphCloud* cloud = actions::graph::FindGraphCloud(name);
  if (cloud == nullptr) {
    reader.AddError("cloud", absl::StrCat("unknown cloud ",
                                          QuoteForMessage(name), " (allowed: ",
                                          actions::graph::GraphCloudNames(),
                                          ")"));
    return;
  }
  graph->cloud = std::string(cloud->name);
  graph->login_base_url = std::string(cloud->login_base_url);
  graph->graph_base_url = std::string(cloud->graph_base_url);
  graph->scope = std::string(cloud->scope);
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
  ReadGraphCloud(reader, graph);
  ReadUrl(reader, "login_base_url", false, /*base=*/true,
          &graph->login_base_url);
  ReadUrl(reader, "graph_base_url", false, /*base=*/true,
          &graph->graph_base_url);
  std::string scope;
  if (ReadText(reader, "scope", false, &scope)) {
    std::string problem = actions::graph::CheckClientCredentialsScope(scope);
    if (problem.empty()) {
      graph->scope = std::move(scope);
    } else {
      reader.AddError("scope", problem);
    }
  }
  if (ReadText(reader, "quarantine_folder", false,
               &graph->quarantine_folder)) {
    // A folder's displayName at Graph: an identifier (common/text_rules.h).
    if (auto problem = TextProblem(graph->quarantine_folder,
                                   TextClass::kIdentifier)) {
      reader.AddError("quarantine_folder", *problem);
    }
  }
  reader.OptionalDuration("batch_window", &graph->batch_window,
                          DurationBounds{true, absl::Seconds(1)});
  reader.OptionalInt64("max_batch_requests", &graph->max_batch_requests,
                       IntBounds::Range(1, 20));
  reader.OptionalInt64("mailbox_concurrency", &graph->mailbox_concurrency,
                       IntBounds::Range(1, 4));
}

void ReadGateway(MapReader& reader, GatewayConfig* gateway) {
  const bool required = ReadEnabled(reader, &gateway->enabled);
  ReadUrl(reader, "base_url", required, /*base=*/true, &gateway->base_url);
  ReadText(reader, "client_id", required, &gateway->client_id);
  ReadSecretRef(reader, "client_secret", required, &gateway->client_secret);
}


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
    if (absl::EqualsIgnoreCase(name, "Idempotency-Key")) {
      errors.Add(line, path, "is set by Riposte; leave it out");
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
    if (absl::EqualsIgnoreCase(name, "Content-Type") && !actions::webhook::IsJsonMediaType(*text)) {
      errors.Add(line, path,
                 "must be application/json or a +json type: the body is JSON");
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
            yaml::ReadInt64(item, IntBounds::Range(200, 299));
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
  // Required: every call has a JSON body, and nothing else says what it is.
  if (reader.RequiredString("body_template", &webhook->body_template)) {
    absl::Status body =
        actions::webhook::BodyTemplate::CheckJson(webhook->body_template);
    if (!body.ok()) reader.AddError("body_template", body.message());
  }
  ReadSuccessCodes(reader, webhook);
  ReadSecretRef(reader, "hmac_secret", /*required=*/false,
                &webhook->hmac_secret);
  if (reader.OptionalString("signature_header", &webhook->signature_header) &&
      !IsHttpToken(webhook->signature_header)) {
    reader.AddError("signature_header",
                    "must be a header name (letters, digits and "
                    "!#$%&'*+-.^_`|~)");
  }
  // Riposte writes the signature header; a configured one would clash.
  for (auto it = webhook->headers.begin(); it != webhook->headers.end();) {
    if (!absl::EqualsIgnoreCase(it->first, webhook->signature_header)) {
      ++it;
      continue;
    }
    const Node* headers = reader.Get("headers");
    const Node* value = headers == nullptr ? nullptr : headers->Find(it->first);
    reader.errors()->Add(
        value != nullptr && value->BlameLine() > 0 ? value->BlameLine()
                                                   : reader.LineOf("headers"),
        absl::StrCat(reader.PathOf("headers"), ".", it->first),
        "is the signature_header, set by Riposte; leave it out");
    it = webhook->headers.erase(it);
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

}  // namespace riposte::config::internal
