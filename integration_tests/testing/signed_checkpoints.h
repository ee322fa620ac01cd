#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_SIGNED_CHECKPOINTS_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_SIGNED_CHECKPOINTS_H_

#include <string>

namespace riposte::integration {

// Writes a fresh Ed25519 key pair to `dir`/audit-key.pem and
// `dir`/audit-key.pub, and returns the riposted.yaml `audit:` section that
// signs checkpoints with it into data_dir/audit.checkpoints, hourly.
std::string SignedCheckpointsConfig(const std::string& dir);

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_SIGNED_CHECKPOINTS_H_
