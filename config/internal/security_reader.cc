// grpc.tls, auth and the transport-security cross-checks.
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
#include "common/text_rules.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config::internal {

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


// Returns why `identity` cannot name a certificate identity, or "".
std::string CheckIdentity(absl::string_view identity) {
  if (identity.empty()) return "must not be empty";
  if (identity.size() > kMaxIdentityBytes) {
    return absl::StrCat("is ", identity.size(), " bytes, more than ",
                        kMaxIdentityBytes);
  }
  return TextProblem(identity, TextClass::kIdentifier).value_or("");
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

}  // namespace riposte::config::internal
