// Golden tests: each policies/testdata/decisions/<case>.json is a
// SimulateRequest (proto JSON); it is decided against policies/library (or
// <case>.policy.yaml when present) and the rendered result must equal
// <case>.expected. After an intended change, regenerate with
//   bazel test //orchestrator/decide:decide_golden_test
//     --test_env=RIPOSTE_UPDATE_GOLDEN=$PWD --strategy=TestRunner=standalone
// (the sandbox would keep the test from writing to the source tree) and
// review the diff like code.

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "orchestrator/decide/simulator.h"
#include "policies/policy_loader.h"

namespace riposte::decide {
namespace {

namespace fs = std::filesystem;

std::string Runfiles() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (ws ? ws : "riposte");
}

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const absl::Time kStart = absl::FromUnixSeconds(1'795'000'000);

class DecideGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DecideGoldenTest, MatchesExpected) {
  const fs::path dir = fs::path(Runfiles()) / "policies/testdata/decisions";
  const std::string name = GetParam();
  v1::SimulateRequest request;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      Read(dir / (name + ".json")), &request);
  ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.ToString();

  const fs::path own_policy = dir / (name + ".policy.yaml");
  auto policy = fs::exists(own_policy)
                    ? policies::LoadPolicy(own_policy.string())
                    : policies::LoadPolicy(
                          (fs::path(Runfiles()) / "policies/library").string());
  ASSERT_TRUE(policy.ok()) << policy.status();

  const std::string actual = FormatSimulation(
      Simulate(request, *policy, absl::Hours(72), kStart));
  if (const char* update = std::getenv("RIPOSTE_UPDATE_GOLDEN")) {
    std::ofstream out(fs::path(update) / "policies/testdata/decisions" /
                      (name + ".expected"));
    out << actual;
    return;
  }
  EXPECT_EQ(actual, Read(dir / (name + ".expected")))
      << "decisions for " << name << " changed; see the file comment";
}

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  const fs::path dir = fs::path(Runfiles()) / "policies/testdata/decisions";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") out.push_back(e.path().stem());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, DecideGoldenTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace riposte::decide
