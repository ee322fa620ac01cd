#ifndef RIPOSTE_ORCHESTRATOR_AUTH_TEST_CERTIFICATES_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_TEST_CERTIFICATES_H_

// A throwaway PKI for tests, made with the openssl command-line tool in a
// directory the test owns: no private key is ever committed. EC P-256 keys,
// valid for one day.

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace riposte::auth::testing {

// Creates a self-signed CA: `dir`/`name`.crt and `dir`/`name`.key.
absl::Status MakeCa(const std::string& dir, const std::string& name,
                    const std::string& common_name);

// Issues `dir`/`name`.crt and .key signed by the CA `ca` (as MakeCa made
// it), with subject CN `common_name` and subjectAltName entries `sans`
// ("DNS:localhost", "IP:127.0.0.1", "URI:spiffe://x/y"). `server` picks the
// serverAuth extended key usage, else clientAuth.
absl::Status IssueCertificate(const std::string& dir, const std::string& ca,
                              const std::string& name,
                              const std::string& common_name,
                              const std::vector<std::string>& sans,
                              bool server);

// The contents of a file, or "" if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// Writes `text` to `path`, replacing it; false on failure.
bool WriteFile(const std::string& path, const std::string& text);

}  // namespace riposte::auth::testing

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_TEST_CERTIFICATES_H_
