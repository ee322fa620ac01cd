#include "orchestrator/auth/auth_processor.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "common/log.h"
#include "orchestrator/auth/identity.h"

namespace riposte::auth {

grpc::Status AuthProcessor::Process(const InputMetadata& auth_metadata,
                                    grpc::AuthContext* context,
                                    OutputMetadata* /*consumed_auth_metadata*/,
                                    OutputMetadata* /*response_metadata*/) {
  auto path = auth_metadata.find(":path");
  if (path == auth_metadata.end()) {
    // gRPC always sends one; refuse rather than guess.
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the call names no method");
  }
  const std::string method(path->second.data(), path->second.size());
  absl::StatusOr<std::optional<Caller>> caller = authenticator_->AuthorizeMethod(
      CredentialsOf(context, auth_metadata), method);
  if (!caller.ok()) {
    const std::string escaped = absl::CHexEscape(method.substr(0, 256));
    log::Warn("grpc call refused", {{"method", escaped},
                                    {"status", caller.status()}});
    return grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                        std::string(caller.status().message()));
  }
  if (caller->has_value() && log::Enabled(log::Level::kDebug)) {
    log::Debug("grpc call authorized",
               {{"method", method},
                {"identity", (*caller)->identity},
                {"role", RoleName((*caller)->role)}});
  }
  return grpc::Status::OK;
}

}  // namespace riposte::auth
