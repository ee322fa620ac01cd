#include "orchestrator/auth/test_certificates.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riposte::auth::testing {
namespace {

// Runs `command` in `dir` through the shell; on failure the error carries
// openssl's output.
absl::Status Run(const std::string& dir, const std::string& command) {
  const std::string log = absl::StrCat(dir, "/openssl.log");
  const std::string line =
      absl::StrCat("cd '", dir, "' && ", command, " >'", log, "' 2>&1");
  int rc = std::system(line.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("command failed (", rc,
                                            "): ", command, "\n",
                                            ReadFileOrEmpty(log)));
  }
  return absl::OkStatus();
}

constexpr char kNewKey[] =
    "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

absl::Status MakeCa(const std::string& dir, const std::string& name,
                    const std::string& common_name) {
  return Run(dir, absl::StrCat(
                      "openssl req -x509 ", kNewKey, " -days 1 -keyout ", name,
                      ".key -out ", name, ".crt -subj '/CN=", common_name,
                      "' -addext basicConstraints=critical,CA:TRUE "
                      "-addext keyUsage=critical,keyCertSign,cRLSign"));
}

absl::Status IssueCertificate(const std::string& dir, const std::string& ca,
                              const std::string& name,
                              const std::string& common_name,
                              const std::vector<std::string>& sans,
                              bool server) {
  std::string extensions = absl::StrCat(
      "basicConstraints=CA:FALSE\n"
      "keyUsage=critical,digitalSignature\n"
      "extendedKeyUsage=",
      server ? "serverAuth" : "clientAuth", "\n");
  if (!sans.empty()) {
    absl::StrAppend(&extensions, "subjectAltName=", absl::StrJoin(sans, ","),
                    "\n");
  }
  if (!WriteFile(absl::StrCat(dir, "/", name, ".ext"), extensions)) {
    return absl::InternalError("cannot write the extensions file");
  }
  absl::Status status = Run(
      dir, absl::StrCat("openssl req -new ", kNewKey, " -keyout ", name,
                        ".key -out ", name, ".csr -subj '/CN=", common_name,
                        "'"));
  if (!status.ok()) return status;
  static int serial = 0x1000;
  ++serial;
  return Run(dir, absl::StrCat("openssl x509 -req -days 1 -in ", name,
                               ".csr -CA ", ca, ".crt -CAkey ", ca,
                               ".key -set_serial ", serial,
                               " -extfile ", name, ".ext -out ", name,
                               ".crt"));
}

}  // namespace riposte::auth::testing
