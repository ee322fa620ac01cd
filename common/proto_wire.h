#ifndef RIPOSTE_COMMON_PROTO_WIRE_H_
#define RIPOSTE_COMMON_PROTO_WIRE_H_

#include <grpcpp/support/byte_buffer.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace riposte {

// Why some bytes are not a valid encoding of a message.
struct WireError {
  // The field where reading stopped, as a path from the top message
  // ("breach.subject.user.user_principal_name", "breach.evidence[2].value"),
  // or empty when the fault is not inside a known field.
  std::string field;
  // What is wrong, e.g. "invalid UTF-8 in a string field"; no input bytes.
  std::string reason;
  // Offset of the fault in the whole message.
  size_t offset = 0;
};

// Walks `bytes` as an encoding of `type` and returns the first fault that
// makes protobuf refuse it: a truncated or overlong varint, wire type 6 or
// 7, field number 0, a length past the end, a group that does not close,
// invalid UTF-8 in a `string` field, nesting deeper than protobuf allows.
// Unknown fields of a valid wire type are not faults (protobuf keeps them).
std::optional<WireError> FindWireError(const google::protobuf::Descriptor& type,
                                       absl::string_view bytes);

// Parses a request read off the wire into `message`. On failure the error
// is INVALID_ARGUMENT: "<field>: the request could not be parsed as
// riposte.v1.X: <reason> (byte N)", and `*field` (when given) is set to the
// field's path, or "request" when no field is known.
// `what` names the request in the message, e.g. "message 3 of the stream".
absl::Status ParseRequest(const grpc::ByteBuffer& buffer,
                          google::protobuf::Message* message,
                          std::string* field = nullptr,
                          absl::string_view what = "the request");

// Serializes a reply for the wire.
absl::Status SerializeReply(const google::protobuf::Message& message,
                            grpc::ByteBuffer* buffer);

// The bytes of a message as received, in one piece.
std::string BufferBytes(const grpc::ByteBuffer& buffer);

}  // namespace riposte

#endif  // RIPOSTE_COMMON_PROTO_WIRE_H_
