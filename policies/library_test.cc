// The default policy library (policies/library/) loads and says what
// docs/POLICY.md and the reference case in DESIGN.md promise.

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy.h"
#include "policies/policy_loader.h"
#include "policies/story.h"

namespace riposte::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

std::string LibraryDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte",
                      "/policies/library");
}

class LibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const Policy>> loaded =
        LoadPolicy(LibraryDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    policy_ = *std::move(loaded);
  }

  std::vector<std::string> Candidates(const std::string& model) const {
    std::vector<std::string> names;
    for (const Rule* rule : policy_->CandidateRules(model)) {
      names.push_back(rule->name);
    }
    return names;
  }

  const Rule& RuleNamed(const std::string& name) const {
    for (const Rule& rule : policy_->rules) {
      if (rule.name == name) return rule;
    }
    ADD_FAILURE() << "no rule " << name;
    static const Rule* const kNone = new Rule();
    return *kNone;
  }

  std::shared_ptr<const Policy> policy_;
};

TEST_F(LibraryTest, LoadsEveryFileInNameOrder) {
  const std::string dir = LibraryDir();
  EXPECT_THAT(policy_->sources,
              ElementsAre(dir + "/email_threats.yaml", dir + "/guards.yaml",
                          dir + "/saas_account_takeover.yaml"));
  EXPECT_EQ(policy_->version.size(), 64u);
}

TEST_F(LibraryTest, ReferenceCaseRules) {
  std::vector<std::string> saas;
  for (const Rule& rule : policy_->rules) {
    if (rule.file == LibraryDir() + "/saas_account_takeover.yaml") {
      saas.push_back(rule.name);
    }
  }
  EXPECT_THAT(saas, ElementsAre("saas-suspicious-access",
                                "saas-compromised-login", "saas-persistence",
                                "saas-outbound-spam-account",
                                "saas-outbound-spam-copies"));

  const Rule& access = RuleNamed("saas-suspicious-access");
  EXPECT_EQ(access.subject_kind, "user");
  EXPECT_THAT(access.groups_none, ElementsAre("service-accounts"));
  EXPECT_THAT(access.ladder,
              ElementsAre("observe", "force_logout", "disable_user"));
  ASSERT_EQ(access.bands.size(), 2u);
  EXPECT_EQ(access.bands[0].min_score, 0);
  EXPECT_EQ(access.bands[0].start, 0);
  EXPECT_EQ(access.bands[1].min_score, 90);
  EXPECT_EQ(access.bands[1].start, 1);
  EXPECT_EQ(access.escalation_window, absl::Hours(72));
  EXPECT_EQ(access.quiet_period, absl::Hours(7 * 24));
  EXPECT_EQ(access.mode, Mode::kAutonomous);
  EXPECT_EQ(access.duration, absl::Hours(4));
  EXPECT_EQ(access.approval_deadline, absl::Minutes(30));
  EXPECT_EQ(access.on_approval_expiry, OnApprovalExpiry::kEscalate);

  for (const char* name : {"saas-compromised-login", "saas-persistence",
                           "saas-outbound-spam-account"}) {
    SCOPED_TRACE(name);
    const Rule& rule = RuleNamed(name);
    EXPECT_EQ(rule.subject_kind, "user");
    EXPECT_EQ(rule.target_kind, TargetKind::kUser);
    EXPECT_EQ(rule.min_score, 50);
    EXPECT_THAT(rule.ladder, ElementsAre("force_logout", "disable_user"));
    EXPECT_EQ(rule.escalation_window, absl::Hours(72));
    EXPECT_EQ(rule.quiet_period, absl::Hours(7 * 24));
    EXPECT_EQ(rule.mode, Mode::kAutonomous);
    EXPECT_EQ(rule.duration, absl::Hours(4));
  }

  const Rule& copies = RuleNamed("saas-outbound-spam-copies");
  EXPECT_EQ(copies.target, RuleTarget::kRelatedEmails);
  EXPECT_EQ(copies.target_kind, TargetKind::kEmail);
  EXPECT_EQ(copies.min_score, 50);
  EXPECT_THAT(copies.ladder, ElementsAre("strip_attachment",
                                         "quarantine_email"));
  ASSERT_EQ(copies.bands.size(), 2u);
  EXPECT_EQ(copies.bands[1].min_score, 80);
  EXPECT_EQ(copies.bands[1].start, 1);
  EXPECT_EQ(copies.mode, Mode::kAutonomous);
  EXPECT_EQ(copies.duration, absl::Hours(72));
}

TEST_F(LibraryTest, ReferenceCaseModelsFindTheirRules) {
  EXPECT_THAT(Candidates("SaaS / Access / Unusual External Source for SaaS "
                         "Credential Use"),
              ElementsAre("saas-suspicious-access"));
  EXPECT_THAT(Candidates("SaaS / Access / Suspicious Login Attempt"),
              ElementsAre("saas-suspicious-access"));
  EXPECT_THAT(Candidates("SaaS / Compromise / Login From Rare Following "
                         "Suspicious Login Attempt(s)"),
              ElementsAre("saas-compromised-login"));
  for (const char* model :
       {"SaaS / Admin / New Application Service Principal",
        "SaaS / Admin / OAuth Permission Grant",
        "SaaS / Compliance / New Email Rule",
        "SaaS / Compromise / Unusual Login and New Email Rule"}) {
    EXPECT_THAT(Candidates(model), ElementsAre("saas-persistence")) << model;
  }
  for (const char* model :
       {"SaaS / Email Nexus / Possible Outbound Email Spam",
        "SaaS / Compromise / Unusual Login and Outbound Email Spam"}) {
    EXPECT_THAT(Candidates(model), ElementsAre("saas-outbound-spam-account",
                                               "saas-outbound-spam-copies"))
        << model;
  }
  EXPECT_THAT(Candidates("SaaS / Access / Something New"), ElementsAre());
}

TEST_F(LibraryTest, EmailModelsFindTheirRules) {
  EXPECT_THAT(Candidates("Email / Attachment / Malicious Attachment"),
              ElementsAre("email-malicious-attachment",
                          "email-unusual-attachment", "email-observe-all"));
  EXPECT_THAT(Candidates("Email / Attachment / Macro-Enabled Document"),
              ElementsAre("email-malicious-attachment",
                          "email-unusual-attachment", "email-observe-all"));
  EXPECT_THAT(Candidates("Email / Attachment / Unusual File Type"),
              ElementsAre("email-unusual-attachment", "email-observe-all"));
  EXPECT_THAT(Candidates("Email / Link / Credential Phishing Link"),
              ElementsAre("email-phishing-link", "email-observe-all"));
  EXPECT_THAT(
      Candidates("Email / Impersonation / Executive Impersonation (BEC)"),
      ElementsAre("email-bec", "email-observe-all"));
  EXPECT_THAT(Candidates("Email / Outbound / Outbound Spam"),
              ElementsAre("email-outbound-spam", "email-observe-all"));

  EXPECT_EQ(RuleNamed("email-bec").mode, Mode::kConfirm);
  EXPECT_EQ(RuleNamed("email-observe-all").mode, Mode::kObserve);
  EXPECT_EQ(RuleNamed("email-outbound-spam").target_kind, TargetKind::kEmail);
  EXPECT_EQ(RuleNamed("email-phishing-link").target_kind, TargetKind::kEmail);
}

TEST_F(LibraryTest, Guards) {
  EXPECT_EQ(policy_->groups.count("executives"), 1u);
  EXPECT_EQ(policy_->groups.count("service-accounts"), 1u);
  EXPECT_EQ(policy_->groups.count("break-glass"), 1u);

  ASSERT_EQ(policy_->exclusions.size(), 1u);
  EXPECT_EQ(policy_->exclusions[0].group, "break-glass");
  ASSERT_EQ(policy_->caps.size(), 1u);
  EXPECT_EQ(policy_->caps[0].group, "executives");
  EXPECT_EQ(policy_->caps[0].max_autonomous, "force_logout");
  ASSERT_EQ(policy_->budgets.size(), 1u);
  EXPECT_EQ(policy_->budgets[0].action, "disable_user");
  EXPECT_EQ(policy_->budgets[0].max, 5);
  EXPECT_EQ(policy_->budgets[0].per, absl::Minutes(10));
  ASSERT_EQ(policy_->two_person.size(), 1u);
  EXPECT_EQ(policy_->two_person[0].action, "disable_user");
  EXPECT_EQ(policy_->two_person[0].group, "executives");

  v1::Entity ceo;
  ceo.mutable_user()->set_user_principal_name("CEO@contoso.com");
  EXPECT_THAT(policy_->GroupsOf(ceo), ElementsAre("executives"));
  v1::Entity svc;
  svc.mutable_user()->set_user_principal_name("svc-mailer@contoso.com");
  EXPECT_THAT(policy_->GroupsOf(svc), ElementsAre("service-accounts"));
  v1::Entity glass;
  glass.mutable_user()->set_user_principal_name("breakglass-1@contoso.com");
  EXPECT_THAT(policy_->GroupsOf(glass), ElementsAre("break-glass"));
}

TEST_F(LibraryTest, BuiltInCatalogIsUnchanged) {
  std::map<std::string, ActionSpec> builtin = DefaultActionCatalog();
  for (const auto& [name, spec] : policy_->actions) {
    EXPECT_EQ(spec.aggression, builtin[name].aggression) << name;
    EXPECT_EQ(spec.default_duration, builtin[name].default_duration) << name;
  }
}

// --- Stories.

// Evidence as the reference case's detector sends it (DESIGN.md).
const std::vector<std::pair<std::string, std::string>>& ReferenceEvidence() {
  static const auto* const kEvidence =
      new std::vector<std::pair<std::string, std::string>>{
          {"src_endpoint.ip", "45.62.170.237"},
          {"src_endpoint.autonomous_system.name", "DigitalOcean, LLC"},
          {"failed_attempts", "14"},
          {"app.name", "PerfectData Software"},
          {"privileges", "Mail.ReadWrite, offline_access"},
          {"entity.name", ".."},
          {"count", "2300"},
          {"file.name", "Credit Transfer Copy.html"},
          {"email.subject", "Credit Transfer Copy"},
          {"email.from", "alice@contoso.com"},
          {"url.hostname", "login.micros0ft-online.example"},
      };
  return *kEvidence;
}

v1::Breach AliceBreach(const std::string& model, bool with_evidence) {
  v1::Breach b;
  b.set_model_name(model);
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  if (with_evidence) {
    for (const auto& [key, value] : ReferenceEvidence()) {
      v1::Evidence* e = b.add_evidence();
      e->set_key(key);
      e->set_value(value);
    }
  }
  return b;
}

TEST_F(LibraryTest, EveryModelTheRulesNameHasAStory) {
  std::set<std::string> told;
  for (const Story& story : policy_->stories) {
    for (const ModelPattern& pattern : story.models) told.insert(pattern.text);
  }
  for (const Rule& rule : policy_->rules) {
    for (const ModelPattern& pattern : rule.models) {
      EXPECT_EQ(told.count(pattern.text), 1u)
          << "rule " << rule.name << " names '" << pattern.text
          << "', which has no story";
    }
  }
}

TEST_F(LibraryTest, EveryStoryRendersWithAndWithoutEvidence) {
  for (const Story& story : policy_->stories) {
    for (bool with_evidence : {true, false}) {
      SCOPED_TRACE(absl::StrCat(story.text, with_evidence ? "" : " (bare)"));
      std::optional<std::string> told =
          RenderStory(story.compiled, AliceBreach("m", with_evidence));
      ASSERT_TRUE(told.has_value());
      for (absl::string_view left : {"{", "}", "[", "]", "|", "  ", " ."}) {
        EXPECT_FALSE(absl::StrContains(*told, left)) << *told;
      }
      EXPECT_TRUE(absl::StartsWith(*told, "alice@contoso.com") ||
                  absl::StrContains(*told, " alice@contoso.com"))
          << *told;
    }
  }
}

TEST_F(LibraryTest, ReferenceCaseStories) {
  auto tell = [&](const std::string& model) {
    return TellStory(*policy_, AliceBreach(model, /*with_evidence=*/true));
  };
  EXPECT_EQ(tell("SaaS / Compromise / Login From Rare Following Suspicious "
                 "Login Attempt(s)"),
            "alice@contoso.com signed in from 45.62.170.237 (DigitalOcean, "
            "LLC) after 14 failed attempts.");
  EXPECT_EQ(tell("SaaS / Admin / OAuth Permission Grant"),
            "alice@contoso.com granted the app 'PerfectData Software' access "
            "to their data: Mail.ReadWrite, offline_access.");
  EXPECT_EQ(tell("SaaS / Email Nexus / Possible Outbound Email Spam"),
            "alice@contoso.com sent 2,300 emails with the attachment 'Credit "
            "Transfer Copy.html'.");
  // Without evidence the stories still say what the model means.
  EXPECT_EQ(TellStory(*policy_, AliceBreach("SaaS / Admin / OAuth Permission "
                                            "Grant",
                                            /*with_evidence=*/false)),
            "alice@contoso.com granted an application access to their data.");
  // A model no rule names and no story covers tells nothing.
  EXPECT_EQ(tell("Network / Beacon"), "");
}

// docs/POLICY.md's table of the keys the library's stories read must list
// exactly these; change both together.
TEST_F(LibraryTest, StoriesReadTheDocumentedKeys) {
  std::set<std::string> keys;
  for (const Story& story : policy_->stories) {
    for (const std::string& key : story.compiled.Keys()) keys.insert(key);
  }
  EXPECT_THAT(
      keys,
      UnorderedElementsAreArray<std::string>(
          {"subject", "src_endpoint.ip", "src_endpoint.autonomous_system.name",
           "failed_attempts", "app.name", "privileges", "entity.name", "count",
           "file.name", "email.subject", "email.from", "url.hostname"}));
}

}  // namespace
}  // namespace riposte::policies
