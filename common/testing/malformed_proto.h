#ifndef RIPOSTE_COMMON_TESTING_MALFORMED_PROTO_H_
#define RIPOSTE_COMMON_TESTING_MALFORMED_PROTO_H_

#include <string>
#include <vector>

namespace riposte::testing {

// Bytes no protobuf message accepts, each with one wire-format fault in
// field 1 (or in the tag itself).
struct MalformedProto {
  std::string name;
  std::string bytes;
};

std::vector<MalformedProto> MalformedEncodings();

}  // namespace riposte::testing

#endif  // RIPOSTE_COMMON_TESTING_MALFORMED_PROTO_H_
