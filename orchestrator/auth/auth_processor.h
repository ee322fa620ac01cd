#ifndef RIPOSTE_ORCHESTRATOR_AUTH_AUTH_PROCESSOR_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_AUTH_PROCESSOR_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>

#include "orchestrator/auth/authenticator.h"

namespace riposte::auth {

// The gate in front of every call: gRPC runs it on each call's initial
// metadata (which carries the method as ":path") before any handler, and a
// call it refuses never reaches one. It refuses with UNAUTHENTICATED or
// PERMISSION_DENIED as Authenticator::AuthorizeMethod says, and logs each
// refusal (method and reason; never a token).
//
// gRPC runs a processor only for secure server credentials. That is why
// MakeServerCredentials serves plaintext through local credentials (which
// accept plaintext clients from loopback only) rather than insecure ones:
// the same gate applies to TLS and to plaintext.
//
// It adds nothing to the auth context: that context belongs to the
// connection, not the call, so per-call properties would leak into later
// calls on the same connection. Handlers get the caller from
// Authenticator::AuthorizeCall instead.
//
// Thread-safe; runs inline on gRPC's threads (IsBlocking() is false: it
// only hashes and compares).
class AuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit AuthProcessor(std::shared_ptr<const Authenticator> authenticator)
      : authenticator_(std::move(authenticator)) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::shared_ptr<const Authenticator> authenticator_;
};

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_AUTH_PROCESSOR_H_
