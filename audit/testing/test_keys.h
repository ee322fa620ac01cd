#ifndef RIPOSTE_AUDIT_TESTING_TEST_KEYS_H_
#define RIPOSTE_AUDIT_TESTING_TEST_KEYS_H_

#include <string>

namespace riposte::audit::testing {

// A freshly generated Ed25519 key pair as PEM, as `openssl genpkey
// -algorithm ed25519` and `openssl pkey -pubout` write them.
struct TestKeyPair {
  std::string private_pem;
  std::string public_pem;
};

// Aborts the test binary if OpenSSL cannot generate a key.
TestKeyPair GenerateEd25519KeyPair();

}  // namespace riposte::audit::testing

#endif  // RIPOSTE_AUDIT_TESTING_TEST_KEYS_H_
