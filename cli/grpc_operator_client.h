#ifndef RIPOSTE_CLI_GRPC_OPERATOR_CLIENT_H_
#define RIPOSTE_CLI_GRPC_OPERATOR_CLIENT_H_

#include <memory>

#include "cli/connection.h"
#include "cli/operator_client.h"

namespace riposte::cli {

// An OperatorClient over a gRPC channel to `settings.addr`: TLS or
// plaintext as the settings say, the bearer token as "authorization"
// metadata on every call, `settings.timeout` as the deadline of each unary
// call. Streams have no deadline (`audit tail --follow` runs until
// interrupted); they wait at most the timeout for a connection. Creating
// the client does not contact the server. Not thread-safe.
std::unique_ptr<OperatorClient> NewGrpcOperatorClient(
    const ConnectionSettings& settings);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_GRPC_OPERATOR_CLIENT_H_
