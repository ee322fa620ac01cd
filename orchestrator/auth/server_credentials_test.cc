#include "orchestrator/auth/server_credentials.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/testing/temp_dir.h"
#include "config/server_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/auth/authenticator.h"
#include "orchestrator/auth/test_certificates.h"

namespace riposte::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ServerCredentialsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new riposte::testing::TempDir;
    const std::string& d = dir_->path();
    ASSERT_TRUE(testing::MakeCa(d, "ca", "Test CA").ok());
    ASSERT_TRUE(testing::IssueCertificate(d, "ca", "server", "riposted",
                                          {"DNS:localhost"}, true)
                    .ok());
    ASSERT_TRUE(
        testing::IssueCertificate(d, "ca", "other", "other", {}, false).ok());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string File(const std::string& name) {
    return dir_->File(name);
  }

  static config::ServerConfig Tls() {
    config::ServerConfig config;
    config.grpc_listen = "0.0.0.0:0";
    config.grpc_tls.enabled = true;
    config.grpc_tls.cert_file = File("server.crt");
    config.grpc_tls.key_file = File("server.key");
    config.grpc_tls.client_ca_file = File("ca.crt");
    config.auth.client_cert_roles = {{"other", "operator"}};
    return config;
  }

  static absl::Status Make(const config::ServerConfig& config) {
    absl::StatusOr<std::shared_ptr<Authenticator>> auth =
        Authenticator::Create(config);
    if (!auth.ok()) return auth.status();
    return MakeServerCredentials(config, *auth).status();
  }

  static riposte::testing::TempDir* dir_;
};

riposte::testing::TempDir* ServerCredentialsTest::dir_ = nullptr;

TEST_F(ServerCredentialsTest, BuildsTlsCredentials) {
  EXPECT_TRUE(Make(Tls()).ok()) << Make(Tls());
  config::ServerConfig required = Tls();
  required.grpc_tls.require_client_cert = true;
  EXPECT_TRUE(Make(required).ok());
  config::ServerConfig no_client_ca = Tls();
  no_client_ca.grpc_tls.client_ca_file.clear();
  EXPECT_TRUE(Make(no_client_ca).ok());
}

TEST_F(ServerCredentialsTest, MissingFilesAreNamed) {
  config::ServerConfig config = Tls();
  config.grpc_tls.cert_file = File("nope.crt");
  absl::Status status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat("grpc.tls.cert_file: ", File("nope.crt"),
                                     ": cannot open")));

  config = Tls();
  config.grpc_tls.key_file = File("nope.key");
  status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("grpc.tls.key_file: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(File("nope.key")));

  config = Tls();
  config.grpc_tls.client_ca_file = File("nope-ca.crt");
  status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat("grpc.tls.client_ca_file: ",
                                     File("nope-ca.crt"))));
}

TEST_F(ServerCredentialsTest, BadFilesAreRefusedWithoutShowingThem) {
  const std::string key_material = "SECRET-KEY-MATERIAL-0123456789";
  ASSERT_TRUE(testing::WriteFile(File("garbage.pem"),
                                 absl::StrCat(key_material, "\n")));

  config::ServerConfig config = Tls();
  config.grpc_tls.cert_file = File("garbage.pem");
  absl::Status status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            absl::StrCat("grpc.tls.cert_file: ", File("garbage.pem"),
                         ": no PEM certificate (\"-----BEGIN "
                         "CERTIFICATE-----\") found"));

  config = Tls();
  config.grpc_tls.key_file = File("garbage.pem");
  status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            absl::StrCat("grpc.tls.key_file: ", File("garbage.pem"),
                         ": no usable PEM private key found (encrypted keys "
                         "are not supported)"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr(key_material)));

  config = Tls();
  config.grpc_tls.client_ca_file = File("garbage.pem");
  status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("grpc.tls.client_ca_file: "));
}

TEST_F(ServerCredentialsTest, KeyMustMatchTheCertificate) {
  config::ServerConfig config = Tls();
  config.grpc_tls.key_file = File("other.key");
  absl::Status status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            absl::StrCat("grpc.tls.key_file: ", File("other.key"),
                         ": does not match the certificate in "
                         "grpc.tls.cert_file (",
                         File("server.crt"), ")"));
}

TEST_F(ServerCredentialsTest, RequiredClientCertificatesNeedACa) {
  config::ServerConfig config = Tls();
  config.grpc_tls.client_ca_file.clear();
  config.grpc_tls.require_client_cert = true;
  EXPECT_EQ(Make(config).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerCredentialsTest, PlaintextOnlyOnLoopbackWithAWarning) {
  std::vector<std::string> lines;
  absl::Mutex mu;
  log::SetSinkForTest([&](absl::string_view line) {
    absl::MutexLock lock(&mu);
    lines.emplace_back(line);
  });
  config::ServerConfig config;
  config.grpc_listen = "127.0.0.1:0";
  absl::StatusOr<ServerSecurity> security = MakeServerSecurity(config);
  log::SetSinkForTest(nullptr);
  ASSERT_TRUE(security.ok()) << security.status();
  EXPECT_NE(security->credentials, nullptr);
  EXPECT_TRUE(security->authenticator->development_mode());
  {
    absl::MutexLock lock(&mu);
    ASSERT_FALSE(lines.empty());
    EXPECT_THAT(lines[0], HasSubstr("\"level\":\"warn\""));
    EXPECT_THAT(lines[0],
                HasSubstr("plaintext gRPC on loopback: development only"));
    EXPECT_THAT(lines[0], HasSubstr("every caller is admin"));
  }

  // Validation refuses this config; the credentials refuse it too.
  config.grpc_listen = "0.0.0.0:50051";
  absl::Status status = Make(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("TLS is required off loopback"));
}

}  // namespace
}  // namespace riposte::auth
