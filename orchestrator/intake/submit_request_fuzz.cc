// Fuzzes breach intake from raw bytes, as a detector's Submit arrives: the
// bytes are parsed as a riposte.v1.SubmitRequest (common/proto_wire.h) and,
// when they parse, the breach is validated against the default limits.
// FindWireError also walks every input directly, since it is the part that
// reads bytes protobuf has already refused. None may crash; a refusal is
// INVALID_ARGUMENT naming a field.

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "common/proto_wire.h"
#include "config/server_config.h"
#include "orchestrator/entity/subject_key.h"
#include "orchestrator/intake/breach_validator.h"
#include "riposte/v1/intake.pb.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

const riposte::intake::BreachValidator& Validator() {
  static const auto* validator = [] {
    riposte::config::TenantConfig tenant;
    tenant.id = "contoso";
    return new riposte::intake::BreachValidator(riposte::config::IntakeLimits{},
                                                {tenant});
  }();
  return *validator;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  (void)riposte::FindWireError(*riposte::v1::SubmitRequest::descriptor(), bytes);

  grpc::Slice slice(bytes);
  grpc::ByteBuffer buffer(&slice, 1);
  riposte::v1::SubmitRequest request;
  std::string field;
  absl::Status parsed = riposte::ParseRequest(buffer, &request, &field);
  if (!parsed.ok()) {
    Check(parsed.code() == absl::StatusCode::kInvalidArgument);
    Check(!field.empty());
    return 0;
  }
  const absl::Time now = absl::FromUnixSeconds(1'795'000'000);
  std::optional<riposte::intake::FieldError> error = Validator().Validate(
      request.breach(), now, request.breach().ByteSizeLong());
  if (error.has_value()) {
    Check(!error->field.empty());
    Check(error->message.rfind(error->field, 0) == 0);
    return 0;
  }
  // An accepted breach goes on to be keyed and named.
  (void)riposte::entity::SubjectKey(request.breach().subject());
  (void)riposte::entity::DisplayName(request.breach().subject());
  for (const riposte::v1::Entity& entity : request.breach().related_entities()) {
    (void)riposte::entity::SubjectKey(entity);
  }
  return 0;
}
