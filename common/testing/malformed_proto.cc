#include "common/testing/malformed_proto.h"

namespace riposte::testing {

std::vector<MalformedProto> MalformedEncodings() {
  using namespace std::string_literals;
  return {
      {"truncated varint", "\x08\x96"s},
      {"overlong varint", "\x08"s + std::string(10, '\xff') + "\x01"s},
      {"wire type 6", "\x0e\x00"s},
      {"wire type 7", "\x0f\x00"s},
      {"field number 0", "\x02\x00"s},
      {"zero tag", "\x00"s},
      {"length past the end", "\x0a\x10\x01\x02"s},
      {"truncated length", "\x0a\x80"s},
      {"truncated fixed64", "\x09\x01\x02"s},
      {"group never closed", "\x0b"s},
      {"end group without start", "\x0c"s},
  };
}

}  // namespace riposte::testing
