// Policy's lookups (GroupsOf, CandidateRules through the model index) on
// policies built by the loader.

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy.h"
#include "policies/policy_loader.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const Policy> MustParse(
    const std::vector<PolicySource>& sources) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ParsePolicy(sources);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : std::make_shared<const Policy>();
}

std::shared_ptr<const Policy> MustParse(const std::string& text) {
  return MustParse({{"p.yaml", text}});
}

std::vector<std::string> RuleNames(const std::vector<const Rule*>& rules) {
  std::vector<std::string> names;
  for (const Rule* rule : rules) names.push_back(rule->name);
  return names;
}

// --- Groups.

TEST(PolicyGroupsTest, GroupsOfUsesMembersIdsAndPatterns) {
  std::shared_ptr<const Policy> policy = MustParse(
      "groups:\n"
      "  executives:\n"
      "    members: [CEO@Contoso.com, 5F2D1C9E-0000-0000-0000-000000000001]\n"
      "    patterns: [\"exec-*@contoso.com\"]\n"
      "  service-accounts:\n"
      "    patterns: [\"SVC-?*@contoso.com\"]\n"
      "  everyone:\n"
      "    patterns: [\"*\"]\n");
  v1::Entity ceo;
  ceo.mutable_user()->set_user_principal_name("ceo@CONTOSO.com");
  EXPECT_THAT(policy->GroupsOf(ceo), ElementsAre("everyone", "executives"));

  v1::Entity by_id;
  by_id.mutable_user()->set_id("5f2d1c9e-0000-0000-0000-000000000001");
  EXPECT_THAT(policy->GroupsOf(by_id), ElementsAre("everyone", "executives"));

  v1::Entity exec;
  exec.mutable_user()->set_user_principal_name("Exec-Jane@contoso.com");
  EXPECT_THAT(policy->GroupsOf(exec), ElementsAre("everyone", "executives"));

  v1::Entity svc;
  svc.mutable_user()->set_user_principal_name("svc-backup@contoso.com");
  EXPECT_THAT(policy->GroupsOf(svc),
              ElementsAre("everyone", "service-accounts"));

  v1::Entity mailbox;
  mailbox.mutable_email()->set_mailbox("ceo@contoso.com");
  EXPECT_THAT(policy->GroupsOf(mailbox),
              ElementsAre("everyone", "executives"));

  v1::Entity other;
  other.mutable_user()->set_user_principal_name("svc-@contoso.com");
  EXPECT_THAT(policy->GroupsOf(other), ElementsAre("everyone"));
}

// --- The model index.

TEST(PolicyIndexTest, CandidateRulesByExactPrefixAndGlobInPolicyOrder) {
  std::shared_ptr<const Policy> policy = MustParse(
      {{"a.yaml",
        "rules:\n"
        "  - name: glob-spam\n"
        "    match: {models: [\"*Outbound Email Spam\"]}\n"
        "    ladder: [observe]\n"
        "  - name: compromise-category\n"
        "    match: {models: [\"SaaS / Compromise / *\"]}\n"
        "    ladder: [observe]\n"
        "  - name: exact-login\n"
        "    match: {models: [\"SaaS / Access / Suspicious Login Attempt\"]}\n"
        "    ladder: [observe]\n"},
       {"b.yaml",
        "rules:\n"
        "  - name: saas-everything\n"
        "    match: {models: [\"SaaS / *\"]}\n"
        "    ladder: [observe]\n"
        "  - name: twice\n"
        "    match:\n"
        "      models:\n"
        "        - \"SaaS / Compromise / Unusual Login and Outbound Email "
        "Spam\"\n"
        "        - \"SaaS / Compromise / *\"\n"
        "        - \"*Spam\"\n"
        "    ladder: [observe]\n"}});
  EXPECT_THAT(
      RuleNames(policy->CandidateRules(
          "SaaS / Compromise / Unusual Login and Outbound Email Spam")),
      ElementsAre("glob-spam", "compromise-category", "saas-everything",
                  "twice"));
  EXPECT_THAT(RuleNames(policy->CandidateRules(
                  "SaaS / Access / Suspicious Login Attempt")),
              ElementsAre("exact-login", "saas-everything"));
  EXPECT_THAT(RuleNames(policy->CandidateRules(
                  "SaaS / Email Nexus / Possible Outbound Email Spam")),
              ElementsAre("glob-spam", "saas-everything", "twice"));
  // Exact names are exact: case and spacing matter.
  EXPECT_THAT(RuleNames(policy->CandidateRules(
                  "SaaS / Access / suspicious login attempt")),
              ElementsAre("saas-everything"));
  // A category prefix covers only names continuing after its " / ".
  EXPECT_THAT(RuleNames(policy->CandidateRules("SaaS / Compromise")),
              ElementsAre("saas-everything"));
  EXPECT_THAT(RuleNames(policy->CandidateRules("SaaS")), IsEmpty());
  EXPECT_THAT(RuleNames(policy->CandidateRules("Email / Link / Phish")),
              IsEmpty());
}

}  // namespace
}  // namespace riposte::policies
