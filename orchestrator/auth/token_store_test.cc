#include "orchestrator/auth/token_store.h"

#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/auth/identity.h"

namespace riposte::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAliceToken[] = "alice-7f3c9a1e5b2d4c6e8a0b";
constexpr char kDetectorToken[] = "dt1.Zm9vYmFyYmF6+/==";

std::string Entry(const std::string& identity, const std::string& role,
                  const std::string& sha256) {
  return absl::StrCat("  - identity: ", identity, "\n    role: ", role,
                      "\n    sha256: ", sha256, "\n");
}

std::string ErrorsOf(const std::string& text) {
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text, "tokens.yaml");
  EXPECT_FALSE(store.ok()) << "parsed unexpectedly:\n" << text;
  if (store.ok()) return "";
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(store.status().message());
}

TEST(TokenStoreTest, HashTokenIsHexSha256) {
  EXPECT_EQ(TokenStore::HashToken("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
  EXPECT_EQ(TokenStore::HashToken(kAliceToken), Sha256Hex(kAliceToken));
}

TEST(TokenStoreTest, LooksUpTokensByTheirHash) {
  absl::StatusOr<TokenStore> store = TokenStore::Parse(
      absl::StrCat("tokens:\n",
                   Entry("soc-alice", "operator",
                         TokenStore::HashToken(kAliceToken)),
                   // Upper-case hex is fine too.
                   Entry("detector-1", "detector",
                         absl::AsciiStrToUpper(
                             TokenStore::HashToken(kDetectorToken))),
                   Entry("root-ops", "admin",
                         TokenStore::HashToken("admin-token"))),
      "tokens.yaml");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(store->Lookup(kAliceToken),
            (Caller{"soc-alice", Role::kOperator}));
  EXPECT_EQ(store->Lookup(kDetectorToken),
            (Caller{"detector-1", Role::kDetector}));
  EXPECT_EQ(store->Lookup("admin-token"), (Caller{"root-ops", Role::kAdmin}));

  EXPECT_EQ(store->Lookup(""), std::nullopt);
  EXPECT_EQ(store->Lookup("alice-7f3c9a1e5b2d4c6e8a0"), std::nullopt);
  EXPECT_EQ(store->Lookup(absl::StrCat(kAliceToken, " ")), std::nullopt);
  // The hash is not a credential.
  EXPECT_EQ(store->Lookup(TokenStore::HashToken(kAliceToken)), std::nullopt);
  EXPECT_EQ(store->Lookup(std::string(kMaxTokenBytes + 1, 'a')), std::nullopt);
}

TEST(TokenStoreTest, SameIdentityMayHaveSeveralTokens) {
  // Rotation: the old and the new token work side by side.
  absl::StatusOr<TokenStore> store = TokenStore::Parse(
      absl::StrCat("tokens:\n",
                   Entry("soc-alice", "operator", TokenStore::HashToken("old")),
                   Entry("soc-alice", "operator",
                         TokenStore::HashToken("new"))),
      "tokens.yaml");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->Lookup("old")->identity, "soc-alice");
  EXPECT_EQ(store->Lookup("new")->identity, "soc-alice");
}

TEST(TokenStoreTest, EmptyListAcceptsNoToken) {
  absl::StatusOr<TokenStore> store = TokenStore::Parse("tokens: []\n", "t");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->Lookup(kAliceToken), std::nullopt);
}

TEST(TokenStoreTest, ErrorsNameFileLineAndKey) {
  const std::string good = TokenStore::HashToken("good");
  EXPECT_EQ(
      ErrorsOf(absl::StrCat("tokens:\n",                      // 1
                            Entry("a", "root", good),         // 2-4
                            Entry("\"\"", "operator",         // 5-7
                                  TokenStore::HashToken("x")),
                            "  - role: admin\n",              // 8
                            "    sha256: ", TokenStore::HashToken("y"),
                            "\n",                             // 9
                            "  - identity: c\n"               // 10
                            "    role: admin\n"               // 11
                            "    sha256: ", TokenStore::HashToken("z"),
                            "\n",                             // 12
                            "    expires: 2030-01-01\n")),    // 13
      "tokens.yaml:3: tokens[0].role: unknown role \"root\" (allowed: "
      "detector, operator, admin)\n"
      "tokens.yaml:5: tokens[1].identity: must not be empty\n"
      "tokens.yaml:8: tokens[2].identity: required key is missing\n"
      "tokens.yaml:13: unknown key 'expires' in 'tokens[3]' (allowed: "
      "identity, role, sha256)");
  EXPECT_EQ(ErrorsOf("tokenz: []\n"),
            "tokens.yaml:1: tokens: required key is missing\n"
            "tokens.yaml:1: unknown key 'tokenz' at the top level (allowed: "
            "tokens)");
  EXPECT_THAT(ErrorsOf("tokens: [\n"), HasSubstr("tokens.yaml:2:1: "));
}

TEST(TokenStoreTest, DuplicateHashesAreRefused) {
  const std::string hash = TokenStore::HashToken("shared");
  EXPECT_EQ(ErrorsOf(absl::StrCat("tokens:\n", Entry("a", "operator", hash),
                                  Entry("b", "admin",
                                        absl::AsciiStrToUpper(hash)))),
            "tokens.yaml:7: tokens[1].sha256: duplicate token hash (first at "
            "line 4)");
}

TEST(TokenStoreTest, BadHashesAreNeverEchoed) {
  // Someone pasted the token where its hash belongs: the message must not
  // repeat it.
  const std::string pasted = "s3cr3t-t0ken-that-must-not-leak";
  std::string errors =
      ErrorsOf(absl::StrCat("tokens:\n", Entry("a", "admin", pasted)));
  EXPECT_EQ(errors,
            "tokens.yaml:4: tokens[0].sha256: must be 64 hex digits, the "
            "SHA-256 of the token (got 31 characters)");
  EXPECT_THAT(errors, Not(HasSubstr(pasted)));

  std::string almost = TokenStore::HashToken("x");
  almost[10] = 'g';
  errors = ErrorsOf(absl::StrCat("tokens:\n", Entry("a", "admin", almost)));
  EXPECT_THAT(errors, HasSubstr("must be 64 hex digits"));
  EXPECT_THAT(errors, Not(HasSubstr(almost)));

  EXPECT_EQ(ErrorsOf(absl::StrCat("tokens:\n",
                                  Entry("a", "admin",
                                        TokenStore::HashToken("")))),
            "tokens.yaml:4: tokens[0].sha256: is the SHA-256 of an empty "
            "token");
}

TEST(TokenStoreTest, IdentitiesAreIdentifiersAndHashesMayBeUpperCase) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(
                "tokens:\n",
                Entry("\"soc-alice\\e[8m\"", "admin",
                      TokenStore::HashToken(kAliceToken)),
                Entry("\"soc-\\u202Ebob\"", "admin",
                      TokenStore::HashToken(kDetectorToken)))),
            "tokens.yaml:2: tokens[0].identity: must not contain escape "
            "sequences (ESC U+001B at byte 9)\n"
            "tokens.yaml:5: tokens[1].identity: must not contain "
            "bidirectional control characters (U+202E at byte 4)");
  absl::StatusOr<TokenStore> store = TokenStore::Parse(
      absl::StrCat("tokens:\n",
                   Entry("soc-alice", "operator",
                         absl::AsciiStrToUpper(
                             TokenStore::HashToken(kAliceToken)))),
      "tokens.yaml");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(store->Lookup(kAliceToken).has_value());
  EXPECT_EQ(store->Lookup(kAliceToken)->identity, "soc-alice");
}

TEST(TokenStoreTest, TheTokenItselfIsRefusedWithoutEchoingIt) {
  const std::string token = "plain-token-value-9d8c7b";
  std::string errors = ErrorsOf(absl::StrCat("tokens:\n"
                                             "  - identity: a\n"
                                             "    role: admin\n"
                                             "    token: ",
                                             token, "\n"));
  EXPECT_EQ(errors,
            "tokens.yaml:2: tokens[0].sha256: required key is missing\n"
            "tokens.yaml:4: tokens[0].token: the token itself must never be "
            "stored: write sha256, the hex SHA-256 of the token, instead");
  EXPECT_THAT(errors, Not(HasSubstr(token)));
}

TEST(TokenStoreTest, LoadReadsAFileAndNamesItInErrors) {
  testing::TempDir dir;
  const std::string path = dir.File("tokens.yaml");
  {
    std::ofstream out(path);
    out << "tokens:\n"
        << Entry("soc-alice", "operator", TokenStore::HashToken(kAliceToken));
  }
  absl::StatusOr<TokenStore> store = TokenStore::Load(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->Lookup(kAliceToken)->identity, "soc-alice");

  {
    std::ofstream out(path);
    out << "tokens:\n" << Entry("a", "king", TokenStore::HashToken("k"));
  }
  store = TokenStore::Load(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(),
            absl::StrCat(path, ":3: tokens[0].role: unknown role \"king\" "
                               "(allowed: detector, operator, admin)"));

  store = TokenStore::Load(dir.File("missing.yaml"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr(dir.File("missing.yaml")));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("tokens file: "));
}

}  // namespace
}  // namespace riposte::auth
