#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_TESTING_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_TESTING_H_

// Builders for the decide tests: policies from YAML, breaches, inputs and
// earlier runs. Test-only.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"

namespace riposte::decide {

// The decision time of every builder below.
inline const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

// The policy in `yaml` (as test.yaml); null, with a test failure, if invalid.
std::shared_ptr<const policies::Policy> Parse(const std::string& yaml);

// A breach of `model` about the user `upn`, in tenant contoso.
v1::Breach UserBreach(const std::string& model, double score,
                      const std::string& upn = "alice@contoso.com");

// Adds a related copy of message <m@x> in `mailbox`.
void AddEmail(v1::Breach& b, const std::string& mailbox);

// An input for `b` in incident 7, observed and decided at kNow.
DecideInput Input(const v1::Breach& b);

// An earlier run of incident 7.
PriorRun PriorRunOf(int64_t id, const std::string& action, RunState state,
                    absl::Time created,
                    const std::string& target = "user:alice@contoso.com");

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_TESTING_H_
