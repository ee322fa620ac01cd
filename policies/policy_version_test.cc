// Policy::version names the policy, not where it is mounted: it hashes each
// file's text and its name relative to the policy root, in load order.

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "policies/policy.h"
#include "policies/policy_loader.h"

namespace riposte::policies {
namespace {

std::shared_ptr<const Policy> MustParse(
    const std::vector<PolicySource>& sources) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ParsePolicy(sources);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : std::make_shared<const Policy>();
}

TEST(PolicyVersionTest, HashesNamesAndTexts) {
  std::vector<PolicySource> sources = {{"a.yaml", "rules: []\n"},
                                       {"b.yaml", ""}};
  std::shared_ptr<const Policy> policy = MustParse(sources);
  EXPECT_EQ(policy->version, PolicyVersion(sources));
  EXPECT_EQ(policy->version.size(), 64u);
  // Stable: the same input gives the same version.
  EXPECT_EQ(MustParse(sources)->version, policy->version);
  // Known value: SHA-256 of "1:a\n1:b\n" (printf '1:a\n1:b\n' | sha256sum).
  EXPECT_EQ(PolicyVersion({{"a", "b"}}),
            "700dfd192c1fa8813a20119f60fac69bdaf8fbd38520b4fa5b0a21d00621d59b");
}

TEST(PolicyVersionTest, ChangesOnAnyEdit) {
  std::vector<PolicySource> base = {{"a.yaml", "rules: []\n"},
                                    {"b.yaml", "groups: {}\n"}};
  const std::string v = PolicyVersion(base);
  std::vector<PolicySource> edited = base;
  edited[1].text = "groups: {} \n";
  EXPECT_NE(PolicyVersion(edited), v);
  std::vector<PolicySource> renamed = base;
  renamed[0].name = "c.yaml";
  EXPECT_NE(PolicyVersion(renamed), v);
  std::vector<PolicySource> reordered = {base[1], base[0]};
  EXPECT_NE(PolicyVersion(reordered), v);
  std::vector<PolicySource> fewer = {base[0]};
  EXPECT_NE(PolicyVersion(fewer), v);
  // Lengths keep the boundary between name and text unambiguous.
  EXPECT_NE(PolicyVersion({{"ab", "c"}}), PolicyVersion({{"a", "bc"}}));
}

TEST(PolicyVersionTest, OnlyTheNameRelativeToTheRootCounts) {
  // Where the directory is mounted does not matter: the CLI's paths,
  // riposted's paths and bare names all give one version.
  EXPECT_EQ(PolicyVersion({{"/etc/riposte/policy/a", "b"}}),
            PolicyVersion({{"a", "b"}}));
  EXPECT_EQ(PolicyVersion({{"policies/library/a.yaml", "x"},
                           {"policies/library/b.yaml", "y"}}),
            PolicyVersion({{"/mnt/config/a.yaml", "x"},
                           {"/mnt/config/b.yaml", "y"}}));
  EXPECT_NE(PolicyVersion({{"/etc/riposte/a.yaml", "x"}}),
            PolicyVersion({{"/etc/riposte/b.yaml", "x"}}));
}

constexpr char kRules[] =
    "rules:\n  - name: watch\n    match: {models: [m]}\n    ladder: [observe]\n";

class PolicyVersionOnDiskTest : public ::testing::Test {
 protected:
  // Writes the two files of a small policy into a new directory `name`
  // under the test's root and returns its path.
  std::string PolicyDir(const std::string& name, const std::string& guards,
                        const std::string& rules_file = "rules.yaml") {
    std::string dir = root_.File(name);
    EXPECT_EQ(mkdir(dir.c_str(), 0755), 0) << dir;
    Write(dir + "/guards.yaml", guards);
    Write(absl::StrCat(dir, "/", rules_file), kRules);
    return dir;
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
  }

  static std::string VersionOf(const std::string& path) {
    absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadPolicy(path);
    EXPECT_TRUE(policy.ok()) << policy.status();
    return policy.ok() ? (*policy)->version : "";
  }

  testing::TempDir root_;
};

TEST_F(PolicyVersionOnDiskTest, SameFilesInTwoDirectoriesHaveOneVersion) {
  const std::string guards = "groups: {vips: {}}\n";
  const std::string here = PolicyDir("here", guards);
  const std::string there = PolicyDir("mounted-elsewhere", guards);
  EXPECT_EQ(VersionOf(here), VersionOf(there));
  EXPECT_EQ(VersionOf(here + "/"), VersionOf(there));
  // A single file is named by its base name.
  EXPECT_EQ(VersionOf(here + "/guards.yaml"), VersionOf(there + "/guards.yaml"));

  // Files supplied inline (Simulate, ValidatePolicy) under bare names or
  // under the paths the CLI read them from give the same version.
  EXPECT_EQ(MustParse({{"guards.yaml", guards}, {"rules.yaml", kRules}})
                ->version,
            VersionOf(here));
  EXPECT_EQ(MustParse({{"./p/guards.yaml", guards},
                       {"./p/rules.yaml", kRules}})
                ->version,
            VersionOf(here));
}

TEST_F(PolicyVersionOnDiskTest, ContentAndRelativeNamesChangeIt) {
  const std::string base = VersionOf(PolicyDir("base", "groups: {vips: {}}\n"));
  EXPECT_NE(VersionOf(PolicyDir("edited", "groups: {vips: {}, ops: {}}\n")),
            base);
  EXPECT_NE(
      VersionOf(PolicyDir("renamed", "groups: {vips: {}}\n", "rules.yml")),
      base);
}

}  // namespace
}  // namespace riposte::policies
