#include "orchestrator/execute/config_router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_loader.h"

namespace riposte::execute {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPolicy[] = R"(rules:
  - name: phish
    match: {models: ["Phish"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
    duration: 24h
  - name: phish-default
    match: {models: ["Phish2"]}
    target: related_emails
    ladder: [move_to_junk, quarantine_email]
    mode: autonomous
)";

TEST(ConfigRouterTest, WarnsWhereAGatewayRouteVoidsAPolicysDuration) {
  auto policy = policies::ParsePolicy({{"p.yaml", kPolicy}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  config::TenantConfig graph_only;
  graph_only.id = "contoso";
  config::TenantConfig gateway;
  gateway.id = "fabrikam";
  gateway.routes["quarantine_email"] = "gateway";
  EXPECT_THAT(ConfigRouter::ExpiryWarnings({graph_only}, **policy), IsEmpty());
  // Only the rule that sets a duration is named: the other one's catalog
  // default is dropped as well, but nobody wrote it.
  EXPECT_THAT(ConfigRouter::ExpiryWarnings({graph_only, gateway}, **policy),
              ElementsAre("tenants[1].routes.quarantine_email: the gateway cannot "
                          "undo quarantine_email, so rule phish (p.yaml:2) has no "
                          "expiry in tenant fabrikam: its duration 24h does not "
                          "apply there, and its runs end done"));
}

}  // namespace
}  // namespace riposte::execute
