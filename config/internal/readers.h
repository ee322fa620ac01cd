#ifndef RIPOSTE_CONFIG_INTERNAL_READERS_H_
#define RIPOSTE_CONFIG_INTERNAL_READERS_H_

// The pieces ParseServerConfig is built from, one file per part of the
// document: shared checks (read_common.cc), tenants and their adapters
// (tenant_reader.cc), transport security and callers (security_reader.cc).
// Internal to //config:server_config; not a public API.

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "config/server_config.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config::internal {

using yaml::DurationBounds;
using yaml::ErrorList;
using yaml::IntBounds;
using yaml::MapReader;
using yaml::Node;
using yaml::QuoteForMessage;

// Where the grpc: keys that the cross-field checks look at were.
struct GrpcSecuritySites {
  bool listen_ok = true;  // grpc.listen absent (the loopback default) or valid
  int listen_line = 0;
  bool plaintext_ok = false;  // present and a valid bool
  bool plaintext = false;
  int plaintext_line = 0;
  int tls_line = 0;
};

// Where a name was given, for "defined twice" messages.
struct Site {
  int line;
  std::string path;
};

inline constexpr absl::string_view kListenExample =
    "e.g. 127.0.0.1:50051 or [::1]:50051";
inline constexpr absl::string_view kPlainHttpHosts = "127.0.0.1, localhost, [::1]";
// The webhook adapter always sends a JSON body: methods without one make no
// sense for it (and the adapter refuses them at start-up).
inline constexpr absl::string_view kWebhookMethods[] = {"POST", "PUT", "PATCH"};
inline constexpr size_t kMaxIdentityBytes = 256;

bool IsHostChar(char c);

bool IsIpv6Char(char c);

std::string CheckListenAddress(absl::string_view address);

std::string CheckTenantId(absl::string_view id);

bool ReadLimit(MapReader& reader, absl::string_view key, int64_t* out,
               IntBounds bounds = IntBounds::Positive());

void RequireNonEmpty(MapReader& reader, absl::string_view key,
                     const std::string& value, bool read_ok);

bool IsLoopbackHost(absl::string_view host);

bool IsHttpTokenChar(char c);

bool IsHttpToken(absl::string_view text);

std::string CheckUrl(absl::string_view url, bool base);

bool ReadText(MapReader& reader, absl::string_view key, bool required,
              std::string* out);

bool ReadUrl(MapReader& reader, absl::string_view key, bool required,
             bool base, std::string* out);

bool IsEnvironmentVariableName(absl::string_view name);

bool ReadSecretRef(MapReader& reader, absl::string_view name, bool required,
                   SecretRef* out);

void ReadMapRefusingInlineSecrets(
    const Node& node, const std::string& path,
    std::initializer_list<absl::string_view> secret_names, ErrorList* errors,
    absl::FunctionRef<void(MapReader&)> read);

bool OptionalMapRefusingInlineSecrets(
    MapReader& parent, absl::string_view key,
    std::initializer_list<absl::string_view> secret_names,
    absl::FunctionRef<void(MapReader&)> read);

bool ReadEnabled(MapReader& reader, bool* enabled);

void ReadGraphCloud(MapReader& reader, GraphConfig* graph);

void ReadGraph(MapReader& reader, GraphConfig* graph);

void ReadGateway(MapReader& reader, GatewayConfig* gateway);

bool IsCredentialHeader(absl::string_view name);

void ReadWebhookHeaders(MapReader& reader, WebhookConfig* webhook);

void ReadSuccessCodes(MapReader& reader, WebhookConfig* webhook);

std::string CheckWebhookName(absl::string_view name);

bool ReadWebhook(MapReader& reader, WebhookConfig* webhook, Site* name_site);

std::string CheckRoute(absl::string_view adapter, const TenantConfig& tenant);

void ReadRoutes(MapReader& reader, TenantConfig* tenant);

bool ReadTenant(MapReader& reader, TenantConfig* tenant, Site* id_site);

void ReadTls(MapReader& reader, TlsConfig* tls);

// The store: section, with its engine's own section.
void ReadStore(MapReader& reader, StoreConfig* store);

// The audit: section; `default_origin` is used when origin is left out.
void ReadAudit(MapReader& reader, const std::string& default_origin,
               AuditConfig* audit);

// The retention: section. Needs the audit section read first (an archive
// needs checkpoint signing).
void ReadRetention(MapReader& reader, const AuditConfig& audit,
                   RetentionConfig* retention);

// The ocsf: section: where OCSF events are delivered.
void ReadOcsf(MapReader& reader, OcsfConfig* ocsf);

std::string CheckIdentity(absl::string_view identity);

bool IsRoleName(absl::string_view role);

std::string UnknownRole(absl::string_view role);

void ReadAuth(MapReader& reader, AuthConfig* auth, int* cert_roles_line,
              bool* cert_roles_given);

void CheckTransportSecurity(const ServerConfig& config,
                            const GrpcSecuritySites& at, int cert_roles_line,
                            bool cert_roles_given, ErrorList* errors);

}  // namespace riposte::config::internal

#endif  // RIPOSTE_CONFIG_INTERNAL_READERS_H_
