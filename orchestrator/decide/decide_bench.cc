// Decision cost per breach as the policy grows: 10, 1,000 and 10,000 rules,
// median and p99, and the ratio 10,000 / 10. Rules are found through the
// model-name index (exact names and categories), so the cost should barely
// grow with the rule count.
//
//   bazel run -c opt //orchestrator/decide:decide_bench -- --iterations=20000
//
// Each policy has a fixed handful of free-form glob rules (those are scanned)
// and otherwise exact-name and category rules spread over 50 categories; the
// breach matches one exact rule, one category rule and one glob, with some
// history in its incident.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy_loader.h"

namespace riposte::decide {
namespace {

std::string MakePolicy(int rules) {
  std::string y = "rules:\n";
  const char* ladders[] = {"[force_logout, disable_user]",
                           "[observe, force_logout, disable_user]",
                           "[force_logout]"};
  for (int i = 0; i < rules; ++i) {
    std::string model;
    if (i < 5) {
      model = absl::StrCat("*Pattern ", i, "*");  // free-form globs
    } else if (i == 5) {
      model = "Hot / Cat / *";
    } else if (i == 6) {
      model = "Hot / Cat / Model X Pattern 1";
    } else if (i % 10 == 0) {
      model = absl::StrCat("Cat", i % 50, " / Sub", i % 7, " / *");
    } else {
      model = absl::StrCat("Cat", i % 50, " / Sub", i % 7, " / Model ", i);
    }
    absl::StrAppend(&y, "  - name: r", i, "\n    match: {models: [\"", model,
                    "\"], subject: user, min_score: ", i % 40, "}\n",
                    "    ladder: ", ladders[i % 3], "\n    mode: autonomous\n");
  }
  return y;
}

struct Stats {
  double median_us;
  double p99_us;
};

Stats Measure(const policies::Policy& policy, int iterations) {
  v1::Breach b;
  b.set_detector_id("bench");
  b.set_breach_id("b");
  b.set_tenant_id("contoso");
  // Matches the same three rules at every size: r1 (glob "*Pattern 1*"),
  // r5 (category "Hot / Cat / *") and r6 (exact).
  b.set_model_name("Hot / Cat / Model X Pattern 1");
  b.set_score(72);
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  const absl::Time now = absl::FromUnixSeconds(1'795'000'000);
  DecideInput in;
  in.breach = &b;
  in.incident_id = 1;
  in.observed = now;
  in.now = now;
  in.prior_breaches = 3;
  in.last_observed = now - absl::Hours(1);
  PriorRun run;
  run.id = 1;
  run.action = "force_logout";
  run.target_key = "user:alice@contoso.com";
  run.state = RunState::kDone;
  run.created = now - absl::Hours(1);
  run.effect_at = run.created;
  in.incident_runs.push_back(run);

  std::vector<double> us;
  us.reserve(iterations);
  size_t sink = 0;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Decision d = Decide(in, policy);
    auto t1 = std::chrono::steady_clock::now();
    sink += d.narrative.size();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  if (sink == 0) std::printf("no decision?\n");
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

int Main(int argc, char** argv) {
  int iterations = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--iterations=", 0) == 0) {
      absl::SimpleAtoi(a.substr(13), &iterations);
    }
  }
  std::printf("decide_bench: %d decisions per policy size\n", iterations);
  std::printf("%8s %12s %12s %8s\n", "rules", "median us", "p99 us",
              "matched");
  double base = 0, largest = 0;
  for (int rules : {10, 1000, 10000}) {
    auto policy = policies::ParsePolicy({{"bench.yaml", MakePolicy(rules)}});
    if (!policy.ok()) {
      std::fprintf(stderr, "%s\n", std::string(policy.status().message()).c_str());
      return 1;
    }
    Stats s = Measure(**policy, iterations);
    std::printf("%8d %12.2f %12.2f %8zu\n", rules, s.median_us, s.p99_us,
                (*policy)->CandidateRules("Hot / Cat / Model X Pattern 1").size());
    if (rules == 10) base = s.median_us;
    largest = s.median_us;
  }
  std::printf("ratio median 10000/10: %.2f\n", largest / base);
  return 0;
}

}  // namespace
}  // namespace riposte::decide

int main(int argc, char** argv) { return riposte::decide::Main(argc, argv); }
