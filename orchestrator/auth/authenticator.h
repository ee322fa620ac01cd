#ifndef RIPOSTE_ORCHESTRATOR_AUTH_AUTHENTICATOR_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_AUTHENTICATOR_H_

// Turns what a gRPC call presents (a verified client certificate, an
// "authorization: Bearer <token>" header) into a Caller, and checks the
// caller's role against method_policy.h.
//
// Precedence, for a method that needs credentials:
//   1. An authorization header, if sent, decides alone: it must be exactly
//      one "Bearer <token>" naming a token in auth.tokens_file. A client
//      certificate on the same connection only secured the transport.
//   2. Development mode (plaintext on loopback without auth.tokens_file):
//      every caller is kDevelopmentIdentity with the admin role.
//   3. A client certificate verified by TLS against grpc.tls.client_ca_file
//      whose subject CN, or one of its DNS or URI subject alternative names,
//      is listed in auth.client_cert_roles. A verified certificate none of
//      whose names is listed is refused with UNAUTHENTICATED (the server
//      cannot tell who it is, which is not the same as knowing and saying
//      no); so is one whose names map to different roles.
//   4. Otherwise UNAUTHENTICATED.
// A caller who is identified but whose role does not allow the method gets
// PERMISSION_DENIED naming the method, the role it needs and the caller's
// identity and role. No message ever contains a token.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "config/server_config.h"
#include "orchestrator/auth/identity.h"
#include "orchestrator/auth/token_store.h"

namespace riposte::auth {

// What one call presents, as plain data (see CredentialsOf).
struct CallCredentials {
  // The auth context's transport_security_type: "ssl" for TLS, "local" for
  // plaintext on loopback through local credentials, "" for insecure
  // credentials.
  std::string transport_security_type;
  // Names of the client certificate that TLS verified, subject CN first,
  // then DNS and URI subject alternative names. Empty without one, and
  // ignored unless the transport is "ssl".
  std::vector<std::string> certificate_names;
  // Every "authorization" metadata value, as sent.
  std::vector<std::string> authorization;
};

// Reads CallCredentials from a call: `auth_context` (connection-level; may
// be null) and the client's initial metadata.
CallCredentials CredentialsOf(
    const grpc::AuthContext* auth_context,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// A client certificate identity and the role it gets.
struct CertificateRole {
  std::string identity;
  Role role = Role::kDetector;
};

// Decides who a call is from and whether it may proceed. Used by the
// AuthProcessor in front of every call and by handlers that need the
// caller (to audit it). Thread-safe; the token set can be replaced while
// calls are checked.
class Authenticator {
 public:
  struct Options {
    // Plaintext without a tokens file: everyone is admin "local".
    bool development_mode = false;
    // Where tokens come from; empty: bearer tokens are refused.
    std::string tokens_file;
    std::vector<CertificateRole> certificate_roles;
  };

  // From a validated config: development mode is
  // config.AuthDisabledForDevelopment(). Reads auth.tokens_file.
  // Errors: as TokenStore::Load, with messages starting "auth.tokens_file: ";
  // InvalidArgument for a role name in client_cert_roles that is not a role
  // (which validation prevents).
  static absl::StatusOr<std::shared_ptr<Authenticator>> Create(
      const config::ServerConfig& config);

  // From parts. Reads options.tokens_file if set; errors as above.
  static absl::StatusOr<std::shared_ptr<Authenticator>> Create(
      Options options);

  // For tests: tokens given directly (nullptr: none accepted).
  Authenticator(Options options, std::shared_ptr<const TokenStore> tokens);

  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Who the call is from, or UNAUTHENTICATED saying what was wrong.
  absl::StatusOr<Caller> Authenticate(
      const CallCredentials& credentials) const;

  // Authenticate, then check the role for `method` (RequiredRole). For a
  // method that needs no credentials, returns nullopt without looking at
  // any. Otherwise the caller, UNAUTHENTICATED, or PERMISSION_DENIED
  // ("/riposte.v1.Operator/ReloadPolicy needs role admin; caller
  // \"soc-alice\" has role operator").
  absl::StatusOr<std::optional<Caller>> AuthorizeMethod(
      const CallCredentials& credentials, absl::string_view method) const;

  // For service handlers: the caller of the call behind `context`, checked
  // for `method` (the full name, "/riposte.v1.Operator/Approve"). The
  // AuthProcessor has already refused unauthorized calls before a handler
  // runs; this gives the handler the caller to audit, and refuses on its
  // own if the server was built without the processor. For a method that
  // needs no credentials, it authenticates only.
  absl::StatusOr<Caller> AuthorizeCall(const grpc::ServerContextBase& context,
                                       absl::string_view method) const;

  // The caller of the call behind `context`, without a role check.
  absl::StatusOr<Caller> Authenticate(
      const grpc::ServerContextBase& context) const;

  // Re-reads the tokens file. On error the current tokens stay and the
  // error is returned (as Create). FailedPrecondition if there is no tokens
  // file.
  absl::Status ReloadTokens();

  // How many tokens are loaded (0 without a tokens file).
  size_t token_count() const;

  bool development_mode() const { return options_.development_mode; }

 private:
  std::shared_ptr<const TokenStore> tokens() const;
  absl::StatusOr<Caller> FromCertificate(
      const std::vector<std::string>& names) const;

  const Options options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenStore> tokens_ ABSL_GUARDED_BY(mu_);
};

// Reads the tokens file named in a config, with "auth.tokens_file: " in
// front of messages.
absl::StatusOr<TokenStore> LoadTokens(const std::string& path);

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_AUTHENTICATOR_H_
