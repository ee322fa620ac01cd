#include "actions/common/secret_source.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SecretSourceTest : public ::testing::Test {
 protected:
  std::string WriteFile(const std::string& name, const std::string& content) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
};

TEST_F(SecretSourceTest, FileWithTrailingNewline) {
  const std::string path = WriteFile("s1", "abc~DEF.123\n");
  SecretSource source = SecretSource::FromFile(path);
  EXPECT_EQ(source.Read().value(), "abc~DEF.123");
  EXPECT_EQ(source.Describe(), "file " + path);
}

TEST_F(SecretSourceTest, FileWithCrLfAndInnerSpaces) {
  EXPECT_EQ(SecretSource::FromFile(WriteFile("s2", " a b \r\n\n")).Read().value(),
            " a b ");
}

TEST_F(SecretSourceTest, MissingFile) {
  auto r = SecretSource::FromFile("/nonexistent/riposte-secret").Read();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(),
              HasSubstr("secret file /nonexistent/riposte-secret"));
}

TEST_F(SecretSourceTest, UnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads anything";
  const std::string path = WriteFile("s3", "topsecret");
  chmod(path.c_str(), 0);
  auto r = SecretSource::FromFile(path).Read();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(SecretSourceTest, EmptyAndHugeAndNul) {
  auto empty = SecretSource::FromFile(WriteFile("s4", "\n")).Read();
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("is empty"));

  auto huge = SecretSource::FromFile(
                  WriteFile("s5", std::string(SecretSource::kMaxBytes + 1, 'x')))
                  .Read();
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.status().message(), Not(HasSubstr("xxxx")));

  auto nul = SecretSource::FromFile(WriteFile("s6", std::string("qzx\0wvy", 7))).Read();
  EXPECT_EQ(nul.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nul.status().message(), Not(HasSubstr("qzx")));
}

TEST_F(SecretSourceTest, Environment) {
  setenv("RIPOSTE_TEST_SECRET", "s3cr3t-value\n", 1);
  SecretSource source = SecretSource::FromEnv("RIPOSTE_TEST_SECRET");
  EXPECT_EQ(source.Read().value(), "s3cr3t-value");
  EXPECT_EQ(source.Describe(), "environment variable RIPOSTE_TEST_SECRET");

  unsetenv("RIPOSTE_TEST_SECRET");
  auto missing = source.Read();
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "secret environment variable RIPOSTE_TEST_SECRET is not set");

  setenv("RIPOSTE_TEST_SECRET", "", 1);
  EXPECT_EQ(source.Read().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretSource::FromEnv("").Read().status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace riposte::actions::common
