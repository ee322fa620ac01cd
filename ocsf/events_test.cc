#include "ocsf/events.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/json_value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ocsf/testing/schema_validator.h"
#include "runs/lifecycle.h"

namespace riposte::ocsf {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kT = absl::FromUnixSeconds(1'790'000'000);

v1::Breach Breach(const std::string& id, const std::string& model, double score) {
  v1::Breach b;
  b.set_detector_id("darktrace-eu");
  b.set_breach_id(id);
  b.set_tenant_id("contoso");
  b.set_model_name(model);
  b.add_model_tags("AP: Account Takeover");
  b.set_score(score);
  b.mutable_observed_time()->set_seconds(absl::ToUnixSeconds(kT));
  v1::UserEntity* u = b.mutable_subject()->mutable_user();
  u->set_user_principal_name("alice@contoso.com");
  u->set_id("6f1c-alice");
  u->set_display_name("Alice");
  v1::Evidence* e = b.add_evidence();
  e->set_key("source_ip");
  e->set_value("203.0.113.9");
  b.add_related_entities()->mutable_ip()->set_address("203.0.113.9");
  return b;
}

store::ActionRunRow Run(int64_t id, const std::string& action,
                        const v1::Entity& target) {
  store::ActionRunRow r;
  r.id = id;
  r.decision_id = 7;
  r.incident_id = 3;
  r.tenant_id = "contoso";
  r.action = action;
  r.target_key = action == "disable_user" || action == "force_logout"
                     ? "user:alice@contoso.com"
                     : "email:<m1@contoso.com>";
  target.SerializeToString(&r.target);
  r.rule = "takeover";
  r.rung = 2;
  r.state = runs::RunState::kActive;
  return r;
}

v1::Entity Mail() {
  v1::Entity e;
  v1::EmailEntity* m = e.mutable_email();
  m->set_mailbox("bob@contoso.com");
  m->set_internet_message_id("<m1@contoso.com>");
  m->set_sender("alice@contoso.com");
  m->set_subject("Credit Transfer Copy");
  v1::Attachment* a = m->add_attachments();
  a->set_name("Credit Transfer Copy.html");
  return e;
}

// The reference case (an account takeover) and an operator's day, as
// riposted would write them into the outbox.
std::vector<Event> ReferenceCaseEvents() {
  std::vector<Event> out;
  v1::Breach login = Breach("b1", "SaaS / Access / Suspicious Login Attempt", 35);
  out.push_back(DetectionFinding({&login, 1, 3, kT, kT, nullptr}));
  v1::Breach rare =
      Breach("b2", "SaaS / Compromise / Login From Rare Following Suspicious Login Attempt(s)", 91);
  v1::Decision d;
  d.set_decision_id(7);
  d.set_policy_version("sha256:abc");
  d.add_matched_rules("takeover");
  d.set_narrative("Force logout: a rare login followed failed ones.");
  v1::ProposedAction* a = d.add_actions();
  a->set_run_id(11);
  a->set_action("force_logout");
  a->set_target_key("user:alice@contoso.com");
  a->set_state("queued");
  out.push_back(DetectionFinding({&rare, 2, 3, kT, kT + absl::Seconds(1), &d}));

  v1::Entity user = login.subject();
  store::ActionRunRow logout = Run(11, "force_logout", user);
  store::ActionRunRow disable = Run(12, "disable_user", user);
  store::ActionRunRow quarantine = Run(13, "quarantine_email", Mail());
  store::ActionRunRow strip = Run(14, "strip_attachment", Mail());
  for (const store::ActionRunRow* r : {&logout, &disable, &quarantine, &strip}) {
    out.push_back(ActionEffect({r, false, kT, "graph", "applied", ""}));
  }
  out.push_back(ActionEffect({&disable, true, kT + absl::Hours(1), "graph",
                              "reverted", "account re-enabled"}));
  out.push_back(ActionEffect({&quarantine, true, kT + absl::Hours(1), "graph",
                              "reverted", ""}));
  for (const char* command : {"approve", "reject", "extend", "revert", "retry"}) {
    out.push_back(OperatorCommand(
        {&disable, command, "alice@soc", "operator", "checked", kT, "1"}));
  }
  return out;
}

class EventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    validator_ = testing::SchemaValidator::Load(testing::VendoredSchemaDir())
                     ->release();
  }
  static testing::SchemaValidator* validator_;
};
testing::SchemaValidator* EventsTest::validator_ = nullptr;

TEST_F(EventsTest, EveryEventOfTheReferenceCaseIsValidOcsf) {
  for (const Event& ev : ReferenceCaseEvents()) {
    testing::Findings f = validator_->Validate(ev.json);
    EXPECT_THAT(f.errors, IsEmpty()) << ev.json;
    JsonValue v = *JsonValue::Parse(ev.json);
    EXPECT_EQ(v.GetInt64("class_uid"), ev.class_uid);
    EXPECT_EQ(v.Find("metadata")->GetString("uid"), ev.uid);
    EXPECT_EQ(v.GetInt64("time"), absl::ToUnixMillis(ev.time));
    EXPECT_EQ(v.Find("metadata")->Find("product")->GetString("name"), "Riposte");
  }
}

TEST_F(EventsTest, EachEffectTakesTheClassAndActivityThatFitIt) {
  std::vector<Event> evs = ReferenceCaseEvents();
  auto type_of = [](const Event& e) {
    return JsonValue::Parse(e.json)->GetInt64("type_uid").value_or(0);
  };
  EXPECT_EQ(type_of(evs[0]), 200401);  // finding, created
  EXPECT_EQ(type_of(evs[2]), 300199);  // sessions revoked
  EXPECT_EQ(type_of(evs[3]), 300105);  // account disabled
  EXPECT_EQ(type_of(evs[4]), 700101);  // mail isolated
  EXPECT_EQ(type_of(evs[5]), 700202);  // attachment evicted
  EXPECT_EQ(type_of(evs[6]), 300102);  // account enabled again
  EXPECT_EQ(type_of(evs[7]), 700103);  // mail restored
  EXPECT_EQ(type_of(evs[8]), 300403);  // an operator's command
}

TEST_F(EventsTest, AFindingCarriesTheBreachAndItsDecision) {
  JsonValue f = *JsonValue::Parse(ReferenceCaseEvents()[1].json);
  EXPECT_EQ(f.Find("finding_info")->GetString("title"),
            "SaaS / Compromise / Login From Rare Following Suspicious Login "
            "Attempt(s)");
  EXPECT_EQ(f.GetInt64("risk_score"), 91);
  EXPECT_EQ(f.GetInt64("severity_id"), 5);
  EXPECT_EQ(f.Find("metadata")->GetString("correlation_uid"),
            "riposte-incident-3");
  EXPECT_EQ(f.Find("remediation")->GetString("desc"),
            "Force logout: a rare login followed failed ones.");
  EXPECT_EQ(f.Find("unmapped")->GetString("policy_version"), "sha256:abc");
  EXPECT_EQ(f.Find("finding_info")->GetString("product_uid"), "darktrace-eu");
  EXPECT_EQ(f.GetArray("evidences")[0].Find("user")->GetString("name"),
            "alice@contoso.com");
  // Undecided (no policy): no remediation.
  EXPECT_EQ(JsonValue::Parse(ReferenceCaseEvents()[0].json)->Find("remediation"),
            nullptr);
}

TEST_F(EventsTest, UidsAreStableAndDistinct) {
  std::vector<Event> a = ReferenceCaseEvents();
  std::vector<Event> b = ReferenceCaseEvents();
  std::set<std::string> uids;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].json, b[i].json);  // rendered again, byte for byte
    uids.insert(a[i].uid);
  }
  // Different commands on one run at one moment have different uids.
  EXPECT_EQ(uids.size(), a.size());
}

TEST(SeverityTest, ScoresMapToSeverities) {
  EXPECT_EQ(SeverityIdForScore(0), 1);
  EXPECT_EQ(SeverityIdForScore(19.9), 1);
  EXPECT_EQ(SeverityIdForScore(20), 2);
  EXPECT_EQ(SeverityIdForScore(59), 3);
  EXPECT_EQ(SeverityIdForScore(79.9), 4);
  EXPECT_EQ(SeverityIdForScore(100), 5);
}

}  // namespace
}  // namespace riposte::ocsf
