#include "cli/input_file.h"

#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>

#include "cli/cli_status.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(ReadInputTest, FileAndStdin) {
  riposte::testing::TempDir dir;
  WriteFile(dir.File("b.json"), "[1]");
  std::istringstream in("from stdin");
  EXPECT_EQ(*ReadInput(dir.File("b.json"), in), "[1]");
  EXPECT_EQ(*ReadInput("-", in), "from stdin");
  EXPECT_EQ(InputName("-"), "<stdin>");
  EXPECT_EQ(InputName("x.json"), "x.json");
}

TEST(ReadInputTest, MissingFileIsAUsageError) {
  std::istringstream in;
  absl::StatusOr<std::string> text = ReadInput("/nonexistent/b.json", in);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(IsUsageError(text.status()));
  EXPECT_EQ(text.status().message(),
            "cannot read /nonexistent/b.json: No such file or directory");
}

TEST(ReadPolicySourcesTest, FilesAndDirectories) {
  riposte::testing::TempDir dir;
  mkdir(dir.File("lib").c_str(), 0700);
  mkdir(dir.File("lib/sub").c_str(), 0700);
  WriteFile(dir.File("lib/b.yaml"), "b: 1\n");
  WriteFile(dir.File("lib/a.yml"), "a: 1\n");
  WriteFile(dir.File("lib/.hidden.yaml"), "h: 1\n");
  WriteFile(dir.File("lib/notes.txt"), "n\n");
  WriteFile(dir.File("lib/sub/c.yaml"), "c: 1\n");
  WriteFile(dir.File("one.yaml"), "one: 1\n");
  absl::StatusOr<std::vector<v1::PolicySource>> sources =
      ReadPolicySources({dir.File("one.yaml"), dir.File("lib/")});
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 3u);
  EXPECT_EQ((*sources)[0].name(), dir.File("one.yaml"));
  EXPECT_EQ((*sources)[0].yaml(), "one: 1\n");
  EXPECT_EQ((*sources)[1].name(), dir.File("lib/a.yml"));
  EXPECT_EQ((*sources)[2].name(), dir.File("lib/b.yaml"));
}

TEST(ReadPolicySourcesTest, Errors) {
  riposte::testing::TempDir dir;
  mkdir(dir.File("empty").c_str(), 0700);
  absl::StatusOr<std::vector<v1::PolicySource>> empty =
      ReadPolicySources({dir.File("empty")});
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(IsUsageError(empty.status()));
  EXPECT_THAT(empty.status().message(), HasSubstr("no policy files (*.yaml, *.yml) in"));
  absl::StatusOr<std::vector<v1::PolicySource>> missing =
      ReadPolicySources({dir.File("nope.yaml")});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot read policy"));
}

}  // namespace
}  // namespace riposte::cli
