#ifndef RIPOSTE_ORCHESTRATOR_AUTH_SERVER_CREDENTIALS_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_SERVER_CREDENTIALS_H_

// The gRPC server credentials for a config, with the AuthProcessor in front
// of every call:
//
//   grpc.tls set      TLS from cert_file and key_file. With client_ca_file,
//                     clients are asked for a certificate that must verify
//                     against it (GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_
//                     VERIFY); with require_client_cert, they must present
//                     one (..._REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_
//                     VERIFY). Without client_ca_file no certificate is
//                     asked for.
//   no grpc.tls       plaintext, on a loopback listen address only, through
//                     gRPC's local credentials (LOCAL_TCP): plaintext on the
//                     wire, so plaintext clients connect as before, but
//                     connections from anything but loopback are refused and
//                     the AuthProcessor still runs. Logs a warning:
//                     "plaintext gRPC on loopback: development only".
//
// Never use grpc::InsecureServerCredentials() for riposted: gRPC runs no
// auth processor for it, so nothing would check calls but the handlers.

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "orchestrator/auth/authenticator.h"

namespace riposte::auth {

// Reads and checks the TLS files (PEM; the key must match the
// certificate; an expired certificate is logged, not refused) and builds
// the credentials with an AuthProcessor over `authenticator`.
//
// Errors name the config key and the file, never file contents:
// NotFound / PermissionDenied / Unavailable when a file cannot be read,
// InvalidArgument when it holds no usable PEM certificate or key or the key
// does not match, FailedPrecondition for plaintext on a listen address that
// is not loopback (which config validation already refuses).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::ServerConfig& config,
    std::shared_ptr<const Authenticator> authenticator);

// Everything a server needs to secure its port, made from one config.
struct ServerSecurity {
  std::shared_ptr<Authenticator> authenticator;  // for handlers and SIGHUP
  std::shared_ptr<grpc::ServerCredentials> credentials;  // for the port
};

// Authenticator::Create(config), then MakeServerCredentials; errors as
// those. Logs how callers are authenticated.
absl::StatusOr<ServerSecurity> MakeServerSecurity(
    const config::ServerConfig& config);

// Metadata one call may carry, 64 KiB. gRPC's default of 8 KiB refuses a
// long token with RESOURCE_EXHAUSTED before authentication can say that no
// token is that long (kMaxTokenBytes); past this limit gRPC still does.
inline constexpr int kMaxMetadataBytes = 64 * 1024;

// Sets the limits above on a server about to be built.
void ApplyCallLimits(grpc::ServerBuilder& builder);

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_SERVER_CREDENTIALS_H_
