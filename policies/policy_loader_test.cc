#include "policies/policy_loader.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy.h"

namespace riposte::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kInvalidDir[] = "policies/testdata/invalid";

std::string RunfilePath(const std::string& workspace_relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte", "/",
                      workspace_relative);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::vector<std::string> FilesEndingIn(const std::string& dir,
                                       absl::string_view suffix) {
  std::vector<std::string> names;
  DIR* handle = opendir(dir.c_str());
  EXPECT_NE(handle, nullptr) << "cannot list " << dir;
  if (handle == nullptr) return names;
  while (struct dirent* entry = readdir(handle)) {
    if (absl::EndsWith(entry->d_name, suffix)) names.push_back(entry->d_name);
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

std::shared_ptr<const Policy> MustParse(
    const std::vector<PolicySource>& sources) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ParsePolicy(sources);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : std::make_shared<const Policy>();
}

std::shared_ptr<const Policy> MustParse(const std::string& text) {
  return MustParse({{"p.yaml", text}});
}

// The InvalidArgument message of parsing `sources`; fails if they parse.
std::string ErrorsOf(const std::vector<PolicySource>& sources) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = ParsePolicy(sources);
  EXPECT_FALSE(policy.ok()) << "parsed unexpectedly";
  if (policy.ok()) return "";
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(policy.status().message());
}

std::vector<std::string> RuleNames(const std::vector<const Rule*>& rules) {
  std::vector<std::string> names;
  for (const Rule* rule : rules) names.push_back(rule->name);
  return names;
}

// --- Golden files: every testdata/invalid/<case>.yaml fails with exactly
// the text of <case>.errors.

TEST(InvalidPolicyGoldenTest, EveryCaseFailsWithItsExpectedErrors) {
  const std::string dir = RunfilePath(kInvalidDir);
  std::vector<std::string> cases = FilesEndingIn(dir, ".yaml");
  EXPECT_GE(cases.size(), 15u);
  for (const std::string& file : cases) {
    SCOPED_TRACE(file);
    std::string name = absl::StrCat(kInvalidDir, "/", file);
    std::string text = ReadWholeFile(absl::StrCat(dir, "/", file));
    std::string expected = ReadWholeFile(absl::StrCat(
        dir, "/", absl::StripSuffix(file, ".yaml"), ".errors"));
    absl::StatusOr<std::shared_ptr<const Policy>> policy =
        ParsePolicy({{name, text}});
    ASSERT_FALSE(policy.ok()) << name << " parsed, but should not";
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    std::string actual(policy.status().message());
    EXPECT_EQ(actual, absl::StripSuffix(expected, "\n"))
        << "\n=== ACTUAL " << file << " ===\n"
        << actual << "\n=== END ===";
  }
}

TEST(InvalidPolicyGoldenTest, EveryErrorsFileHasItsCase) {
  const std::string dir = RunfilePath(kInvalidDir);
  for (const std::string& file : FilesEndingIn(dir, ".errors")) {
    std::string yaml_file =
        absl::StrCat(dir, "/", absl::StripSuffix(file, ".errors"), ".yaml");
    struct stat st;
    EXPECT_EQ(stat(yaml_file.c_str(), &st), 0) << file << " has no .yaml";
  }
}

// --- Reading.

TEST(PolicyLoaderTest, EmptySourcesAndEmptyFilesAreValid) {
  std::shared_ptr<const Policy> none = MustParse(std::vector<PolicySource>{});
  EXPECT_THAT(none->rules, IsEmpty());
  EXPECT_EQ(none->actions.size(), DefaultActionCatalog().size());

  std::shared_ptr<const Policy> empty =
      MustParse({{"a.yaml", ""}, {"b.yaml", "# only a comment\n"}});
  EXPECT_THAT(empty->sources, ElementsAre("a.yaml", "b.yaml"));
  EXPECT_THAT(empty->rules, IsEmpty());
  EXPECT_THAT(empty->groups, IsEmpty());
}

TEST(PolicyLoaderTest, ReadsEveryRuleField) {
  std::shared_ptr<const Policy> policy = MustParse(
      "groups:\n"
      "  vips: {members: [A@Contoso.com]}\n"
      "  svc: {patterns: [\"svc-*@contoso.com\"]}\n"
      "rules:\n"
      "  - name: r1\n"
      "    description: text\n"
      "    match:\n"
      "      models: [\"SaaS / Access / Suspicious Login Attempt\"]\n"
      "      tags_any: [a, b]\n"
      "      tags_all: [c]\n"
      "      min_score: 42.5\n"
      "      subject: user\n"
      "      groups_any: [vips]\n"
      "      groups_none: [svc]\n"
      "    ladder: [observe, force_logout, disable_user]\n"
      "    bands:\n"
      "      - {min_score: 0, start: observe}\n"
      "      - {min_score: 90, start: force_logout}\n"
      "    escalation_window: 72h\n"
      "    quiet_period: 7d\n"
      "    mode: autonomous\n"
      "    duration: 4h\n"
      "    approval: {deadline: 30m, on_expiry: escalate}\n");
  ASSERT_EQ(policy->rules.size(), 1u);
  const Rule& rule = policy->rules[0];
  EXPECT_EQ(rule.name, "r1");
  EXPECT_EQ(rule.file, "p.yaml");
  EXPECT_EQ(rule.line, 5);
  EXPECT_THAT(rule.tags_any, ElementsAre("a", "b"));
  EXPECT_THAT(rule.tags_all, ElementsAre("c"));
  EXPECT_EQ(rule.min_score, 42.5);
  EXPECT_EQ(rule.subject_kind, "user");
  EXPECT_THAT(rule.groups_any, ElementsAre("vips"));
  EXPECT_THAT(rule.groups_none, ElementsAre("svc"));
  EXPECT_EQ(rule.target, RuleTarget::kSubject);
  EXPECT_EQ(rule.target_kind, TargetKind::kUser);
  EXPECT_THAT(rule.ladder, ElementsAre("observe", "force_logout",
                                       "disable_user"));
  ASSERT_EQ(rule.bands.size(), 2u);
  EXPECT_EQ(rule.bands[0].min_score, 0);
  EXPECT_EQ(rule.bands[0].start, 0);
  EXPECT_EQ(rule.bands[0].line, 17);
  EXPECT_EQ(rule.bands[1].min_score, 90);
  EXPECT_EQ(rule.bands[1].start, 1);
  EXPECT_EQ(rule.escalation_window, absl::Hours(72));
  EXPECT_EQ(rule.quiet_period, absl::Hours(7 * 24));
  EXPECT_EQ(rule.mode, Mode::kAutonomous);
  EXPECT_EQ(rule.duration, absl::Hours(4));
  EXPECT_EQ(rule.approval_deadline, absl::Minutes(30));
  EXPECT_EQ(rule.on_approval_expiry, OnApprovalExpiry::kEscalate);

  const Group& vips = policy->groups.at("vips");
  EXPECT_THAT(vips.members, ElementsAre("a@contoso.com"));
  EXPECT_EQ(vips.line, 2);
  EXPECT_THAT(policy->groups.at("svc").globs, ElementsAre("svc-*@contoso.com"));
}

TEST(PolicyLoaderTest, RuleDefaultsWithoutDefaultsBlock) {
  std::shared_ptr<const Policy> policy = MustParse(
      "rules:\n"
      "  - name: r1\n"
      "    match: {models: [m]}\n"
      "    ladder: [observe]\n");
  ASSERT_EQ(policy->rules.size(), 1u);
  const Rule& rule = policy->rules[0];
  Rule defaults;
  EXPECT_EQ(rule.mode, defaults.mode);
  EXPECT_EQ(rule.escalation_window, defaults.escalation_window);
  EXPECT_EQ(rule.quiet_period, defaults.quiet_period);
  EXPECT_EQ(rule.approval_deadline, defaults.approval_deadline);
  EXPECT_EQ(rule.on_approval_expiry, defaults.on_approval_expiry);
  EXPECT_EQ(rule.duration, std::nullopt);
  EXPECT_EQ(rule.min_score, 0);
  EXPECT_THAT(rule.bands, IsEmpty());
  EXPECT_EQ(rule.subject_kind, "");
}

TEST(PolicyLoaderTest, FileDefaultsApplyToThatFileOnly) {
  std::shared_ptr<const Policy> policy = MustParse(
      {{"a.yaml",
        "rules:\n"
        "  - name: a1\n"
        "    match: {models: [m]}\n"
        "    ladder: [observe]\n"
        "  - name: a2\n"
        "    match: {models: [m]}\n"
        "    ladder: [observe]\n"
        "    mode: confirm\n"
        "    quiet_period: 1h\n"
        "    approval: {on_expiry: approve}\n"
        // Defaults may come after the rules they apply to.
        "defaults:\n"
        "  mode: autonomous\n"
        "  escalation_window: 12h\n"
        "  quiet_period: 2d\n"
        "  approval: {deadline: 10m, on_expiry: escalate}\n"},
       {"b.yaml",
        "rules:\n"
        "  - name: b1\n"
        "    match: {models: [m]}\n"
        "    ladder: [observe]\n"}});
  ASSERT_EQ(policy->rules.size(), 3u);
  const Rule& a1 = policy->rules[0];
  EXPECT_EQ(a1.mode, Mode::kAutonomous);
  EXPECT_EQ(a1.escalation_window, absl::Hours(12));
  EXPECT_EQ(a1.quiet_period, absl::Hours(48));
  EXPECT_EQ(a1.approval_deadline, absl::Minutes(10));
  EXPECT_EQ(a1.on_approval_expiry, OnApprovalExpiry::kEscalate);
  const Rule& a2 = policy->rules[1];
  EXPECT_EQ(a2.mode, Mode::kConfirm);
  EXPECT_EQ(a2.escalation_window, absl::Hours(12));
  EXPECT_EQ(a2.quiet_period, absl::Hours(1));
  EXPECT_EQ(a2.approval_deadline, absl::Minutes(10));
  EXPECT_EQ(a2.on_approval_expiry, OnApprovalExpiry::kApprove);
  const Rule& b1 = policy->rules[2];
  EXPECT_EQ(b1.mode, Rule().mode);
  EXPECT_EQ(b1.escalation_window, Rule().escalation_window);
  EXPECT_EQ(b1.file, "b.yaml");
}

TEST(PolicyLoaderTest, ClassifiesModelPatterns) {
  std::shared_ptr<const Policy> policy = MustParse(
      "rules:\n"
      "  - name: r1\n"
      "    match:\n"
      "      models:\n"
      "        - \"SaaS / Access / Suspicious Login Attempt\"\n"
      "        - \"SaaS / Compromise / *\"\n"
      "        - \"*Outbound Email Spam\"\n"
      "        - \"SaaS / * / New Email Rule\"\n"
      "        - \"SaaS / Admin / OAuth Permission Grant?\"\n"
      "        - \"SaaS / * / *\"\n"
      "        - \"SaaS / Compromise*\"\n"
      "    ladder: [observe]\n");
  ASSERT_EQ(policy->rules.size(), 1u);
  const std::vector<ModelPattern>& m = policy->rules[0].models;
  ASSERT_EQ(m.size(), 7u);
  using Kind = ModelPattern::Kind;
  EXPECT_EQ(m[0].kind, Kind::kExact);
  EXPECT_EQ(m[0].key, "SaaS / Access / Suspicious Login Attempt");
  EXPECT_EQ(m[1].kind, Kind::kPrefix);
  EXPECT_EQ(m[1].key, "SaaS / Compromise / ");
  EXPECT_EQ(m[1].text, "SaaS / Compromise / *");
  EXPECT_EQ(m[2].kind, Kind::kGlob);
  EXPECT_EQ(m[2].key, "*Outbound Email Spam");
  EXPECT_EQ(m[3].kind, Kind::kGlob);
  EXPECT_EQ(m[4].kind, Kind::kGlob);
  EXPECT_EQ(m[5].kind, Kind::kGlob);  // a second '*': not a plain prefix
  EXPECT_EQ(m[5].key, "SaaS / * / *");
  EXPECT_EQ(m[6].kind, Kind::kGlob);  // no "/ " before the '*'
}

TEST(PolicyLoaderTest, TargetKinds) {
  std::shared_ptr<const Policy> policy = MustParse(
      "rules:\n"
      "  - name: user\n"
      "    match: {models: [m], subject: user}\n"
      "    ladder: [force_logout]\n"
      "  - name: email\n"
      "    match: {models: [m], subject: email}\n"
      "    ladder: [move_to_junk]\n"
      "  - name: copies\n"
      "    match: {models: [m], subject: user}\n"
      "    target: related_emails\n"
      "    ladder: [observe, quarantine_email]\n"
      "  - name: watch-devices\n"
      "    match: {models: [m], subject: device}\n"
      "    ladder: [observe]\n"
      "  - name: watch-ips\n"
      "    match: {models: [m], subject: ip}\n"
      "    ladder: [observe]\n"
      "  - name: watch-anything\n"
      "    match: {models: [m]}\n"
      "    ladder: [observe]\n");
  ASSERT_EQ(policy->rules.size(), 6u);
  EXPECT_EQ(policy->rules[0].target_kind, TargetKind::kUser);
  EXPECT_EQ(policy->rules[1].target_kind, TargetKind::kEmail);
  EXPECT_EQ(policy->rules[2].target, RuleTarget::kRelatedEmails);
  EXPECT_EQ(policy->rules[2].target_kind, TargetKind::kEmail);
  EXPECT_EQ(policy->rules[3].subject_kind, "device");
  EXPECT_EQ(policy->rules[3].target_kind, TargetKind::kDevice);
  EXPECT_EQ(policy->rules[4].target_kind, TargetKind::kIp);
  // Observing without a subject kind: whatever the subject is.
  EXPECT_FALSE(policy->rules[5].target_kind.has_value());
}

TEST(PolicyLoaderTest, ObserveActsOnEveryKindOfEntity) {
  const auto catalog = DefaultActionCatalog();
  EXPECT_EQ(catalog.at("observe").targets,
            (std::set<TargetKind>{TargetKind::kUser, TargetKind::kEmail,
                                  TargetKind::kDevice, TargetKind::kIp}));
  for (const auto& [name, spec] : catalog) {
    if (name == "observe") continue;
    EXPECT_EQ(spec.targets.count(TargetKind::kDevice), 0u) << name;
    EXPECT_EQ(spec.targets.count(TargetKind::kIp), 0u) << name;
  }
  EXPECT_EQ(TargetKindName(TargetKind::kDevice), "device");
  EXPECT_EQ(TargetKindName(TargetKind::kIp), "ip");
}

TEST(PolicyLoaderTest, ReadsGuards) {
  std::shared_ptr<const Policy> policy = MustParse(
      "groups:\n"
      "  vips: {members: [ceo@contoso.com]}\n"
      "  bg:\n"
      "exclusions:\n"
      "  - {group: bg, reason: Emergency access.}\n"
      "caps:\n"
      "  - {group: vips, max_autonomous: force_logout}\n"
      "budgets:\n"
      "  - {action: disable_user, max: 5, per: 10m}\n"
      "  - {action: quarantine_email, max: 0}\n"
      "two_person:\n"
      "  - {action: disable_user, group: vips}\n"
      "  - {action: disable_user}\n");
  EXPECT_TRUE(policy->groups.at("bg").members.empty());
  ASSERT_EQ(policy->exclusions.size(), 1u);
  EXPECT_EQ(policy->exclusions[0].group, "bg");
  EXPECT_EQ(policy->exclusions[0].reason, "Emergency access.");
  EXPECT_EQ(policy->exclusions[0].line, 5);
  ASSERT_EQ(policy->caps.size(), 1u);
  EXPECT_EQ(policy->caps[0].group, "vips");
  EXPECT_EQ(policy->caps[0].max_autonomous, "force_logout");
  ASSERT_EQ(policy->budgets.size(), 2u);
  EXPECT_EQ(policy->budgets[0].action, "disable_user");
  EXPECT_EQ(policy->budgets[0].max, 5);
  EXPECT_EQ(policy->budgets[0].per, absl::Minutes(10));
  EXPECT_EQ(policy->budgets[1].max, 0);
  EXPECT_EQ(policy->budgets[1].per, absl::Minutes(10));  // the default
  ASSERT_EQ(policy->two_person.size(), 2u);
  EXPECT_EQ(policy->two_person[0].group, "vips");
  EXPECT_EQ(policy->two_person[1].group, "");
}

TEST(PolicyLoaderTest, ActionOverridesChangeOnlyTheirFields) {
  std::shared_ptr<const Policy> policy = MustParse(
      "actions:\n"
      "  disable_user: {aggression: 70, default_duration: 8h}\n"
      "  quarantine_email: {default_duration: 0s}\n"
      "  force_logout: {aggression: 45}\n");
  std::map<std::string, ActionSpec> builtin = DefaultActionCatalog();
  ASSERT_EQ(policy->actions.size(), builtin.size());
  const ActionSpec* disable = policy->FindAction("disable_user");
  ASSERT_NE(disable, nullptr);
  EXPECT_EQ(disable->aggression, 70);
  EXPECT_EQ(disable->default_duration, absl::Hours(8));
  EXPECT_EQ(disable->contains, builtin["disable_user"].contains);
  EXPECT_TRUE(disable->reversible);
  const ActionSpec* quarantine = policy->FindAction("quarantine_email");
  EXPECT_EQ(quarantine->aggression, builtin["quarantine_email"].aggression);
  EXPECT_EQ(quarantine->default_duration, absl::ZeroDuration());
  EXPECT_EQ(policy->FindAction("force_logout")->aggression, 45);
  EXPECT_EQ(policy->FindAction("observe")->aggression, 0);
}

TEST(PolicyLoaderTest, OverriddenAggressionDecidesLadderOrder) {
  // With disable_user below force_logout, the usual order is wrong and the
  // reverse is right.
  const std::string overrides =
      "actions:\n"
      "  disable_user: {aggression: 35}\n";
  const std::string rule =
      "rules:\n"
      "  - name: r1\n"
      "    match: {models: [m], subject: user}\n"
      "    ladder: [disable_user, force_logout]\n";
  MustParse({{"actions.yaml", overrides}, {"rules.yaml", rule}});
  EXPECT_EQ(ErrorsOf({{"rules.yaml", rule}}),
            "rules.yaml:4: rules[0].ladder[1]: ladder must go from least to "
            "most aggressive: force_logout (40) comes after disable_user "
            "(60)");
}

// --- Merging several files.

TEST(PolicyLoaderTest, MergesFilesInOrder) {
  std::shared_ptr<const Policy> policy = MustParse(
      {{"guards.yaml",
        "groups:\n"
        "  svc: {patterns: [\"svc-*\"]}\n"
        "exclusions:\n"
        "  - {group: svc, reason: r}\n"},
       {"one.yaml",
        "groups:\n"
        "  vips: {members: [ceo@contoso.com]}\n"
        "exclusions:\n"
        "  - {group: vips, reason: r}\n"
        "rules:\n"
        "  - name: z-first\n"
        "    match: {models: [m], groups_none: [svc]}\n"
        "    ladder: [observe]\n"},
       {"two.yaml",
        "rules:\n"
        "  - name: a-second\n"
        "    match: {models: [m], groups_any: [vips]}\n"
        "    ladder: [observe]\n"}});
  EXPECT_THAT(policy->sources,
              ElementsAre("guards.yaml", "one.yaml", "two.yaml"));
  EXPECT_EQ(policy->groups.size(), 2u);
  ASSERT_EQ(policy->exclusions.size(), 2u);
  EXPECT_EQ(policy->exclusions[0].group, "svc");
  EXPECT_EQ(policy->exclusions[1].group, "vips");
  ASSERT_EQ(policy->rules.size(), 2u);
  EXPECT_EQ(policy->rules[0].name, "z-first");
  EXPECT_EQ(policy->rules[0].file, "one.yaml");
  EXPECT_EQ(policy->rules[1].name, "a-second");
  EXPECT_EQ(policy->rules[1].file, "two.yaml");
  EXPECT_THAT(RuleNames(policy->CandidateRules("m")),
              ElementsAre("z-first", "a-second"));
}

TEST(PolicyLoaderTest, DuplicatesAcrossFilesNameBothPlaces) {
  EXPECT_EQ(
      ErrorsOf({{"a.yaml",
                 "actions:\n"
                 "  disable_user: {aggression: 61}\n"
                 "groups:\n"
                 "  vips: {members: [a@contoso.com]}\n"
                 "rules:\n"
                 "  - name: r1\n"
                 "    match: {models: [m]}\n"
                 "    ladder: [observe]\n"},
                {"b.yaml",
                 "rules:\n"
                 "  - name: r1\n"
                 "    match: {models: [m]}\n"
                 "    ladder: [observe]\n"
                 "groups:\n"
                 "  vips: {members: [b@contoso.com]}\n"
                 "actions:\n"
                 "  disable_user: {default_duration: 1h}\n"}}),
      "b.yaml:2: rules[0].name: rule 'r1' is already defined at a.yaml:6; "
      "rule names must be unique\n"
      "b.yaml:6: groups.vips: group 'vips' is already defined at a.yaml:4\n"
      "b.yaml:8: actions.disable_user: 'disable_user' is already overridden "
      "at a.yaml:2; override each action in one place");
}

TEST(PolicyLoaderTest, ErrorsAreListedFileByFile) {
  EXPECT_EQ(ErrorsOf({{"a.yaml", "rules:\n  - name: r1\n    ladder: [x]\n"},
                      {"ok.yaml", ""},
                      {"b.yaml", "bogus: 1\n"}}),
            "a.yaml:2: rules[0].match: required key is missing\n"
            "a.yaml:3: rules[0].ladder[0]: unknown action 'x' (known: "
            "observe, move_to_junk, strip_attachment, quarantine_email, "
            "force_logout, disable_user)\n"
            "b.yaml:1: unknown key 'bogus' at the top level (allowed: "
            "defaults, actions, groups, exclusions, caps, budgets, "
            "two_person, corroboration, rules, stories)");
}

TEST(PolicyLoaderTest, SyntaxErrorSkipsCrossFileChecks) {
  // guards.yaml would define 'vips'; while it does not parse, the rule's
  // reference to it is not reported, only the syntax error and the
  // rule file's own mistakes.
  std::string message = ErrorsOf(
      {{"guards.yaml", "groups: {vips: [\n"},
       {"rules.yaml",
        "rules:\n"
        "  - name: r1\n"
        "    match: {models: [m], groups_any: [vips]}\n"
        "    ladder: [observe, nuke]\n"}});
  EXPECT_THAT(message, ::testing::StartsWith("guards.yaml:"));
  EXPECT_THAT(message, HasSubstr("rules.yaml:4: rules[0].ladder[1]: unknown "
                                 "action 'nuke'"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("unknown group")));
}

// --- Loading from disk.

class LoadPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/",
                        ::testing::UnitTest::GetInstance()
                            ->current_test_info()
                            ->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
  }

  std::string dir_;
};

TEST_F(LoadPolicyTest, LoadsYamlFilesOfADirectoryInNameOrder) {
  WriteFile(dir_ + "/b.yml",
            "rules:\n  - name: from-b\n    match: {models: [m]}\n"
            "    ladder: [observe]\n");
  WriteFile(dir_ + "/a.yaml", "groups: {vips: {}}\n");
  WriteFile(dir_ + "/c.yaml",
            "rules:\n  - name: from-c\n    match: {models: [m]}\n"
            "    ladder: [observe]\n");
  WriteFile(dir_ + "/.hidden.yaml", "not: valid\n");
  WriteFile(dir_ + "/README.md", "not: valid\n");
  ASSERT_EQ(mkdir((dir_ + "/sub.yaml").c_str(), 0755), 0);
  WriteFile(dir_ + "/sub.yaml/d.yaml", "not: valid\n");

  absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadPolicy(dir_);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_THAT((*policy)->sources,
              ElementsAre(dir_ + "/a.yaml", dir_ + "/b.yml", dir_ + "/c.yaml"));
  EXPECT_THAT(RuleNames((*policy)->CandidateRules("m")),
              ElementsAre("from-b", "from-c"));
  EXPECT_EQ((*policy)->version,
            PolicyVersion({{dir_ + "/a.yaml", "groups: {vips: {}}\n"},
                           {dir_ + "/b.yml", ReadWholeFile(dir_ + "/b.yml")},
                           {dir_ + "/c.yaml",
                            ReadWholeFile(dir_ + "/c.yaml")}}));

  // A trailing slash does not double up in the names.
  absl::StatusOr<std::shared_ptr<const Policy>> again = LoadPolicy(dir_ + "/");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->version, (*policy)->version);
}

TEST_F(LoadPolicyTest, LoadsASingleFile) {
  WriteFile(dir_ + "/policy.txt", "groups: {vips: {}}\n");
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      LoadPolicy(dir_ + "/policy.txt");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_THAT((*policy)->sources, ElementsAre(dir_ + "/policy.txt"));
  EXPECT_EQ((*policy)->groups.count("vips"), 1u);
}

TEST_F(LoadPolicyTest, ReportsErrorsWithFileNames) {
  WriteFile(dir_ + "/bad.yaml", "rules: {}\n");
  absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadPolicy(dir_);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy.status().message(),
            absl::StrCat(dir_,
                         "/bad.yaml:1: rules: expected a sequence (a list of "
                         "'- ' items), got a map"));
}

TEST_F(LoadPolicyTest, MissingPathsAndEmptyDirectories) {
  absl::StatusOr<std::shared_ptr<const Policy>> missing =
      LoadPolicy(dir_ + "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/nope"));

  WriteFile(dir_ + "/notes.txt", "");
  absl::StatusOr<std::shared_ptr<const Policy>> empty = LoadPolicy(dir_);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(empty.status().message(), HasSubstr(dir_));
}

}  // namespace
}  // namespace riposte::policies
