#ifndef RIPOSTE_COMMON_TESTING_RAW_GRPC_H_
#define RIPOSTE_COMMON_TESTING_RAW_GRPC_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace riposte::testing {

// One unary call whose request is `request` as given, not an encoded
// message. `reply` receives the reply's bytes.
grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* reply, grpc::ClientContext* context);

struct RawStreamResult {
  std::vector<std::string> replies;
  grpc::Status status;
};

// A bidirectional stream: writes every request, closes its side, then reads
// every reply until the server ends the stream.
RawStreamResult RawBidiStream(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const std::vector<std::string>& requests,
                              grpc::ClientContext* context);

}  // namespace riposte::testing

#endif  // RIPOSTE_COMMON_TESTING_RAW_GRPC_H_
