#include "orchestrator/auth/authenticator.h"

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "config/server_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/auth/identity.h"
#include "orchestrator/auth/token_store.h"

namespace riposte::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOperatorToken[] = "op-token-3b1f8e2a9c7d";
constexpr char kAdminToken[] = "admin-token-5d2e7f1a0b9c";

std::shared_ptr<const TokenStore> Tokens() {
  absl::StatusOr<TokenStore> store = TokenStore::Parse(
      absl::StrCat("tokens:\n"
                   "  - identity: soc-bob\n"
                   "    role: operator\n"
                   "    sha256: ",
                   TokenStore::HashToken(kOperatorToken),
                   "\n"
                   "  - identity: root-ops\n"
                   "    role: admin\n"
                   "    sha256: ",
                   TokenStore::HashToken(kAdminToken), "\n"),
      "tokens.yaml");
  EXPECT_TRUE(store.ok()) << store.status();
  return std::make_shared<const TokenStore>(*std::move(store));
}

Authenticator::Options TlsOptions() {
  Authenticator::Options options;
  options.tokens_file = "tokens.yaml";  // only says tokens are configured
  options.certificate_roles = {
      {"detector-1", Role::kDetector},
      {"soc-alice", Role::kOperator},
      {"spiffe://riposte/admin-1", Role::kAdmin},
      {"soc-alice.example.com", Role::kAdmin},
  };
  return options;
}

CallCredentials Bearer(const std::string& token,
                       const std::string& transport = "ssl") {
  CallCredentials credentials;
  credentials.transport_security_type = transport;
  credentials.authorization.push_back(absl::StrCat("Bearer ", token));
  return credentials;
}

CallCredentials Certificate(std::vector<std::string> names,
                            const std::string& transport = "ssl") {
  CallCredentials credentials;
  credentials.transport_security_type = transport;
  credentials.certificate_names = std::move(names);
  return credentials;
}

void ExpectUnauthenticated(const absl::StatusOr<Caller>& caller,
                           const std::string& message) {
  ASSERT_FALSE(caller.ok()) << caller->identity;
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(caller.status().message(), message);
}

TEST(AuthenticatorTest, BearerTokens) {
  Authenticator auth(TlsOptions(), Tokens());
  EXPECT_EQ(*auth.Authenticate(Bearer(kOperatorToken)),
            (Caller{"soc-bob", Role::kOperator}));
  EXPECT_EQ(*auth.Authenticate(Bearer(kAdminToken, "local")),
            (Caller{"root-ops", Role::kAdmin}));
  // The scheme ignores case; spaces around the token do not count.
  CallCredentials lower;
  lower.authorization = {absl::StrCat("bearer  ", kOperatorToken, " ")};
  EXPECT_EQ(auth.Authenticate(lower)->identity, "soc-bob");
}

TEST(AuthenticatorTest, BadTokensAreUnauthenticatedAndNeverEchoed) {
  Authenticator auth(TlsOptions(), Tokens());
  const std::string wrong = "wrong-token-0000000000";
  absl::StatusOr<Caller> caller = auth.Authenticate(Bearer(wrong));
  ExpectUnauthenticated(caller, "invalid bearer token");

  for (const std::string& header :
       {absl::StrCat("Basic ", wrong), std::string("Bearer"),
        std::string("Bearer "), absl::StrCat("Bearer", wrong),
        absl::StrCat("Bearer ", wrong, " extra"),
        absl::StrCat("Bearer ", wrong, "\x01"), wrong}) {
    CallCredentials credentials;
    credentials.authorization = {header};
    caller = auth.Authenticate(credentials);
    ExpectUnauthenticated(
        caller, "malformed authorization header; expected \"Bearer <token>\"");
  }

  CallCredentials two = Bearer(kOperatorToken);
  two.authorization.push_back(absl::StrCat("Bearer ", kAdminToken));
  caller = auth.Authenticate(two);
  ExpectUnauthenticated(caller,
                        "more than one authorization header; send exactly one "
                        "\"authorization: Bearer <token>\"");
  EXPECT_THAT(std::string(caller.status().message()),
              Not(HasSubstr(kAdminToken)));
}

TEST(AuthenticatorTest, ClientCertificates) {
  Authenticator auth(TlsOptions(), Tokens());
  EXPECT_EQ(*auth.Authenticate(Certificate({"detector-1"})),
            (Caller{"detector-1", Role::kDetector}));
  // A listed SAN identifies a certificate whose CN is not listed.
  EXPECT_EQ(*auth.Authenticate(
                Certificate({"Admin One", "spiffe://riposte/admin-1"})),
            (Caller{"spiffe://riposte/admin-1", Role::kAdmin}));
  ExpectUnauthenticated(
      auth.Authenticate(Certificate({"stranger", "stranger.example.com"})),
      "client certificate \"stranger\" is not listed in "
      "auth.client_cert_roles");
  // Names that map to different roles are refused rather than guessed.
  ExpectUnauthenticated(
      auth.Authenticate(Certificate({"soc-alice", "soc-alice.example.com"})),
      "client certificate names map to different roles in "
      "auth.client_cert_roles (\"soc-alice\" is operator, "
      "\"soc-alice.example.com\" is admin); refusing to guess");
}

TEST(AuthenticatorTest, CertificateNamesCountOnlyOverTls) {
  Authenticator auth(TlsOptions(), Tokens());
  for (const char* transport : {"local", "", "insecure"}) {
    ExpectUnauthenticated(
        auth.Authenticate(Certificate({"detector-1"}, transport)),
        "missing credentials: send \"authorization: Bearer <token>\" or "
        "connect with a client certificate");
  }
}

TEST(AuthenticatorTest, ATokenTakesPrecedenceOverTheCertificate) {
  Authenticator auth(TlsOptions(), Tokens());
  CallCredentials both = Certificate({"detector-1"});
  both.authorization = {absl::StrCat("Bearer ", kOperatorToken)};
  EXPECT_EQ(*auth.Authenticate(both), (Caller{"soc-bob", Role::kOperator}));
  // A bad token is not rescued by a good certificate.
  both.authorization = {"Bearer nope"};
  ExpectUnauthenticated(auth.Authenticate(both), "invalid bearer token");
}

TEST(AuthenticatorTest, MissingCredentialsSayWhatIsAccepted) {
  Authenticator::Options tokens_only;
  tokens_only.tokens_file = "t.yaml";
  ExpectUnauthenticated(
      Authenticator(tokens_only, Tokens()).Authenticate(CallCredentials{}),
      "missing credentials: send \"authorization: Bearer <token>\"");
  Authenticator::Options certificates_only = TlsOptions();
  certificates_only.tokens_file.clear();
  Authenticator auth(certificates_only, nullptr);
  ExpectUnauthenticated(auth.Authenticate(CallCredentials{}),
                        "missing credentials: connect with a client "
                        "certificate");
  ExpectUnauthenticated(auth.Authenticate(Bearer(kAdminToken)),
                        "bearer tokens are not accepted: this server has no "
                        "auth.tokens_file");
}

TEST(AuthenticatorTest, DevelopmentModeMakesEveryoneLocalAdmin) {
  Authenticator::Options options;
  options.development_mode = true;
  Authenticator auth(options, nullptr);
  EXPECT_TRUE(auth.development_mode());
  for (const char* transport : {"local", ""}) {
    CallCredentials credentials;
    credentials.transport_security_type = transport;
    EXPECT_EQ(*auth.Authenticate(credentials),
              (Caller{"local", Role::kAdmin}));
  }
  // A token cannot be checked without a tokens file: say so.
  ExpectUnauthenticated(auth.Authenticate(Bearer(kAdminToken, "local")),
                        "bearer tokens are not accepted: this server has no "
                        "auth.tokens_file");
}

TEST(AuthenticatorTest, AuthorizeMethodChecksTheRole) {
  Authenticator auth(TlsOptions(), Tokens());
  absl::StatusOr<std::optional<Caller>> caller =
      auth.AuthorizeMethod(Bearer(kOperatorToken), "/riposte.v1.Operator/Approve");
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(**caller, (Caller{"soc-bob", Role::kOperator}));

  caller = auth.AuthorizeMethod(Bearer(kOperatorToken),
                                "/riposte.v1.Operator/ReloadPolicy");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(caller.status().message(),
            "/riposte.v1.Operator/ReloadPolicy needs role admin; caller "
            "\"soc-bob\" has role operator");
  EXPECT_THAT(std::string(caller.status().message()),
              Not(HasSubstr(kOperatorToken)));

  caller = auth.AuthorizeMethod(Bearer(kOperatorToken),
                                "/riposte.v1.Intake/Submit");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().message(),
            "/riposte.v1.Intake/Submit needs role detector; caller "
            "\"soc-bob\" has role operator");

  caller = auth.AuthorizeMethod(Certificate({"detector-1"}),
                                "/riposte.v1.Operator/ListRuns");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kPermissionDenied);

  caller = auth.AuthorizeMethod(Bearer(kAdminToken),
                                "/riposte.v1.Intake/SubmitStream");
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ((*caller)->identity, "root-ops");

  // Unauthenticated wins over the role check.
  caller = auth.AuthorizeMethod(CallCredentials{},
                                "/riposte.v1.Operator/ReloadPolicy");
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, OpenMethodsLookAtNoCredentials) {
  Authenticator auth(TlsOptions(), Tokens());
  for (const CallCredentials& credentials :
       {CallCredentials{}, Bearer("garbage")}) {
    absl::StatusOr<std::optional<Caller>> caller =
        auth.AuthorizeMethod(credentials, "/grpc.health.v1.Health/Check");
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_FALSE(caller->has_value());
  }
}

TEST(AuthenticatorTest, CreateFromConfigReadsTokensAndReloads) {
  testing::TempDir dir;
  const std::string path = dir.File("tokens.yaml");
  auto write = [&](const std::string& identity, const std::string& token) {
    std::ofstream out(path, std::ios::trunc);
    out << "tokens:\n  - identity: " << identity
        << "\n    role: operator\n    sha256: " << TokenStore::HashToken(token)
        << "\n";
  };
  write("soc-bob", "first");
  config::ServerConfig config;
  config.auth.tokens_file = path;
  config.auth.client_cert_roles = {{"detector-1", "detector"}};
  absl::StatusOr<std::shared_ptr<Authenticator>> auth =
      Authenticator::Create(config);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE((*auth)->development_mode());
  EXPECT_EQ((*auth)->token_count(), 1u);
  EXPECT_EQ((*auth)->Authenticate(Bearer("first", "local"))->identity,
            "soc-bob");

  write("soc-carol", "second");
  ASSERT_TRUE((*auth)->ReloadTokens().ok());
  EXPECT_EQ((*auth)->Authenticate(Bearer("second", "local"))->identity,
            "soc-carol");
  EXPECT_FALSE((*auth)->Authenticate(Bearer("first", "local")).ok());

  // A bad file on reload is refused and the running tokens stay.
  {
    std::ofstream out(path, std::ios::trunc);
    out << "tokens:\n  - identity: x\n    role: boss\n";
  }
  absl::Status reload = (*auth)->ReloadTokens();
  EXPECT_EQ(reload.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reload.message()),
              HasSubstr(absl::StrCat(path, ":3: tokens[0].role: unknown role")));
  EXPECT_EQ((*auth)->Authenticate(Bearer("second", "local"))->identity,
            "soc-carol");

  config.auth.tokens_file = dir.File("missing.yaml");
  auth = Authenticator::Create(config);
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(auth.status().message()),
              HasSubstr("auth.tokens_file: tokens file: "));

  // Development mode follows the config.
  auth = Authenticator::Create(config::ServerConfig{});
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->development_mode());
  EXPECT_EQ((*auth)->ReloadTokens().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace riposte::auth
