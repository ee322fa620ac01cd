#include "config/secret.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A value no error message may ever contain, even in part.
constexpr char kValue[] = "S3cr3t-V4lue";

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

SecretRef File(const std::string& path) { return SecretRef{path, ""}; }
SecretRef Env(const std::string& name) { return SecretRef{"", name}; }

// Checks the error's code, that it names `where`, and that no part of the
// secret leaks into it.
void ExpectError(const absl::StatusOr<std::string>& secret,
                 absl::StatusCode code, const std::string& where) {
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), code) << secret.status();
  std::string message(secret.status().message());
  EXPECT_THAT(message, HasSubstr(where));
  EXPECT_THAT(message, Not(HasSubstr("S3cr3t")));
  EXPECT_THAT(message, Not(HasSubstr("V4lue")));
}

TEST(ReadSecretTest, ReadsAFileLessOneTrailingNewline) {
  riposte::testing::TempDir dir;
  struct Case {
    std::string contents;
    std::string value;
  };
  const std::vector<Case> cases = {
      {kValue, kValue},
      {absl::StrCat(kValue, "\n"), kValue},
      {absl::StrCat(kValue, "\r\n"), kValue},
      {absl::StrCat(kValue, "\n\n"), absl::StrCat(kValue, "\n")},
      {absl::StrCat(" ", kValue, " "), absl::StrCat(" ", kValue, " ")},
      {std::string("a\0b", 3), std::string("a\0b", 3)},
  };
  for (const Case& c : cases) {
    std::string path = dir.File("secret");
    WriteFile(path, c.contents);
    absl::StatusOr<std::string> secret = ReadSecret(File(path));
    ASSERT_TRUE(secret.ok()) << secret.status();
    EXPECT_EQ(*secret, c.value);
  }
}

TEST(ReadSecretTest, AcceptsAFileOfExactlyTheLimit) {
  riposte::testing::TempDir dir;
  std::string path = dir.File("big");
  WriteFile(path, std::string(kMaxSecretFileBytes, 'k'));
  absl::StatusOr<std::string> secret = ReadSecret(File(path));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->size(), kMaxSecretFileBytes);
}

TEST(ReadSecretTest, FollowsSymlinksAsSecretMountsUseThem) {
  riposte::testing::TempDir dir;
  WriteFile(dir.File("real"), kValue);
  ASSERT_EQ(symlink(dir.File("real").c_str(), dir.File("link").c_str()), 0);
  absl::StatusOr<std::string> secret = ReadSecret(File(dir.File("link")));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, kValue);
}

TEST(ReadSecretTest, FileErrorsNameTheFileButNeverTheValue) {
  riposte::testing::TempDir dir;
  ExpectError(ReadSecret(File(dir.File("missing"))),
              absl::StatusCode::kNotFound, dir.File("missing"));
  ExpectError(ReadSecret(File(dir.File("missing/deeper"))),
              absl::StatusCode::kNotFound, dir.File("missing/deeper"));
  ExpectError(ReadSecret(File(dir.path())),
              absl::StatusCode::kFailedPrecondition, dir.path());

  std::string big = dir.File("big");
  std::string text;
  while (text.size() <= kMaxSecretFileBytes) text += kValue;
  WriteFile(big, text);
  ExpectError(ReadSecret(File(big)), absl::StatusCode::kFailedPrecondition,
              big);

  std::string empty = dir.File("empty");
  WriteFile(empty, "");
  ExpectError(ReadSecret(File(empty)), absl::StatusCode::kFailedPrecondition,
              empty);
  WriteFile(empty, "\n");
  ExpectError(ReadSecret(File(empty)), absl::StatusCode::kFailedPrecondition,
              empty);

  // A FIFO would block a naive reader forever.
  std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ExpectError(ReadSecret(File(fifo)), absl::StatusCode::kFailedPrecondition,
              fifo);
}

TEST(ReadSecretTest, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  riposte::testing::TempDir dir;
  std::string path = dir.File("locked");
  WriteFile(path, kValue);
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  ExpectError(ReadSecret(File(path)), absl::StatusCode::kPermissionDenied,
              path);
}

TEST(ReadSecretTest, ReadsAnEnvironmentVariableAsItIs) {
  ASSERT_EQ(setenv("RIPOSTE_TEST_SECRET", "  value\n", 1), 0);
  absl::StatusOr<std::string> secret = ReadSecret(Env("RIPOSTE_TEST_SECRET"));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, "  value\n");
  unsetenv("RIPOSTE_TEST_SECRET");
}

TEST(ReadSecretTest, EnvironmentErrorsNameTheVariable) {
  unsetenv("RIPOSTE_TEST_UNSET");
  ExpectError(ReadSecret(Env("RIPOSTE_TEST_UNSET")),
              absl::StatusCode::kNotFound, "RIPOSTE_TEST_UNSET");
  ASSERT_EQ(setenv("RIPOSTE_TEST_EMPTY", "", 1), 0);
  ExpectError(ReadSecret(Env("RIPOSTE_TEST_EMPTY")),
              absl::StatusCode::kFailedPrecondition, "RIPOSTE_TEST_EMPTY");
  unsetenv("RIPOSTE_TEST_EMPTY");
}

TEST(ReadSecretTest, BothOrNeitherIsInvalidArgument) {
  riposte::testing::TempDir dir;
  WriteFile(dir.File("s"), kValue);
  ASSERT_EQ(setenv("RIPOSTE_TEST_BOTH", kValue, 1), 0);
  ExpectError(ReadSecret(SecretRef{dir.File("s"), "RIPOSTE_TEST_BOTH"}),
              absl::StatusCode::kInvalidArgument, "not both");
  ExpectError(ReadSecret(SecretRef{}), absl::StatusCode::kInvalidArgument,
              "no secret configured");
  unsetenv("RIPOSTE_TEST_BOTH");
}

TEST(DescribeSecretSourceTest, NamesTheSource) {
  EXPECT_EQ(DescribeSecretSource(File("/run/s")), "file '/run/s'");
  EXPECT_EQ(DescribeSecretSource(Env("X")), "environment variable 'X'");
  EXPECT_EQ(DescribeSecretSource(SecretRef{}), "no secret");
  EXPECT_TRUE(SecretRef{}.empty());
  EXPECT_FALSE(Env("X").empty());
}

}  // namespace
}  // namespace riposte::config
