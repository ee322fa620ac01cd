#include "integration_tests/testing/signed_checkpoints.h"

#include "absl/strings/str_cat.h"
#include "audit/testing/test_keys.h"
#include "integration_tests/testing/riposted_process.h"

namespace riposte::integration {

std::string SignedCheckpointsConfig(const std::string& dir) {
  const audit::testing::TestKeyPair keys =
      audit::testing::GenerateEd25519KeyPair();
  const std::string private_key = dir + "/audit-key.pem";
  WriteFile(private_key, keys.private_pem);
  WriteFile(dir + "/audit-key.pub", keys.public_pem);
  return absl::StrCat("audit:\n"
                      "  checkpoint_file: audit.checkpoints\n"
                      "  signing_key_file: ", private_key, "\n"
                      "  checkpoint_interval: 1h\n");
}

}  // namespace riposte::integration
