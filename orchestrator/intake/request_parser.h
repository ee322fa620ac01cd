#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_REQUEST_PARSER_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_REQUEST_PARSER_H_

#include <grpcpp/support/byte_buffer.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "orchestrator/intake/breach_validator.h"
#include "riposte/v1/intake.pb.h"

namespace riposte::intake {

// The first string field of `wire`, a serialized message of type `type`,
// whose bytes are not UTF-8, named by its path from `type` as the
// validator names fields ("breach.related_entities[0].email.subject").
// Protobuf refuses to parse such a message without saying where; this says
// where. nullopt if every string is UTF-8. Pure and thread-safe.
std::optional<FieldError> FindNonUtf8Field(
    absl::string_view wire, const google::protobuf::Descriptor& type);

// Parses a SubmitRequest as received. A request protobuf cannot parse is
// refused naming the field that is not UTF-8, or as "request: ..." when
// the bytes are not a SubmitRequest at all.
std::optional<FieldError> ParseSubmitRequest(const grpc::ByteBuffer& wire,
                                             v1::SubmitRequest* request);

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_REQUEST_PARSER_H_
