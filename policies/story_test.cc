#include "policies/story.h"

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_loader.h"

namespace riposte::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using std::string_literals::operator""s;

v1::Breach AliceBreach(
    std::vector<std::pair<std::string, std::string>> evidence = {}) {
  v1::Breach b;
  b.set_model_name("SaaS / Compromise / Unusual Login and Outbound Email Spam");
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  for (auto& [key, value] : evidence) {
    v1::Evidence* e = b.add_evidence();
    e->set_key(key);
    e->set_value(value);
  }
  return b;
}

std::optional<std::string> Render(absl::string_view text,
                                  const v1::Breach& breach) {
  absl::StatusOr<StoryTemplate> compiled = ParseStoryTemplate(text);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  if (!compiled.ok()) return std::nullopt;
  return RenderStory(*compiled, breach);
}

TEST(RenderStoryTest, EvidenceAndSubject) {
  v1::Breach b = AliceBreach(
      {{"src_endpoint.ip", "45.62.170.237"}, {"failed_attempts", "14"}});
  EXPECT_THAT(Render("{subject} signed in from {src_endpoint.ip} after "
                     "{failed_attempts} failed attempts.",
                     b),
              Optional(std::string("alice@contoso.com signed in from "
                                   "45.62.170.237 after 14 failed attempts.")));
}

TEST(RenderStoryTest, FallbacksAndOptionalParts) {
  v1::Breach b = AliceBreach({{"src_endpoint.ip", "45.62.170.237"}});
  const char* kLogin =
      "{subject} signed in from {src_endpoint.ip|an unusual address}"
      "[ ({src_endpoint.autonomous_system.name})]"
      "[ after {failed_attempts} failed attempts]";
  EXPECT_THAT(
      Render(kLogin, b),
      Optional(std::string("alice@contoso.com signed in from 45.62.170.237.")));
  EXPECT_THAT(Render(kLogin, AliceBreach()),
              Optional(std::string(
                  "alice@contoso.com signed in from an unusual address.")));
  EXPECT_THAT(Render("{subject} registered [the app '{app.name}'|a new app].",
                     AliceBreach()),
              Optional(std::string("alice@contoso.com registered a new app.")));
  EXPECT_THAT(Render("{subject} registered [the app '{app.name}'|a new app].",
                     AliceBreach({{"app.name", "PerfectData Software"}})),
              Optional(std::string("alice@contoso.com registered the app "
                                   "'PerfectData Software'.")));
  // A placeholder with its own fallback keeps an optional part.
  EXPECT_THAT(Render("a[ b {x|c}]", AliceBreach()),
              Optional(std::string("a b c.")));
}

TEST(RenderStoryTest, AMissingRequiredKeyTellsNothing) {
  EXPECT_EQ(Render("{subject} granted {app.name} access", AliceBreach()),
            std::nullopt);
  // An empty value, or one that is only controls and spaces, is missing.
  EXPECT_EQ(Render("x {app.name}", AliceBreach({{"app.name", " \t\x1b[0m "}})),
            std::nullopt);
  // The subject of another kind has no user fields.
  v1::Breach device;
  device.mutable_subject()->mutable_device()->set_hostname("ws-17");
  EXPECT_EQ(Render("{subject.user.user_principal_name}", device), std::nullopt);
  EXPECT_THAT(Render("{subject} beaconed", device),
              Optional(std::string("ws-17 beaconed.")));
}

TEST(RenderStoryTest, EntityFieldsAndTheBreachEmail) {
  v1::Breach b = AliceBreach();
  b.mutable_subject()->mutable_user()->set_display_name("Alice Smith");
  v1::EmailEntity* email = b.add_related_entities()->mutable_email();
  email->set_mailbox("bob@contoso.com");
  email->set_sender("alice@contoso.com");
  email->set_subject("Credit Transfer Copy");
  email->set_internet_message_id("<ctc-1@contoso.com>");
  email->add_attachments()->set_name("Credit Transfer Copy.html");
  EXPECT_THAT(
      Render("{subject.user.display_name} sent '{email.subject}' "
             "({email.message_uid}) from {email.from} with {file.name}",
             b),
      Optional(std::string("Alice Smith sent 'Credit Transfer Copy' "
                           "(<ctc-1@contoso.com>) from alice@contoso.com with "
                           "Credit Transfer Copy.html.")));
  // Evidence the detector sends comes before what the entities say.
  v1::Evidence* e = b.add_evidence();
  e->set_key("file.name");
  e->set_value("invoice.htm");
  EXPECT_THAT(Render("with {file.name}", b),
              Optional(std::string("with invoice.htm.")));

  v1::Breach mail;
  mail.mutable_subject()->mutable_email()->set_mailbox("carol@contoso.com");
  mail.mutable_subject()->mutable_email()->set_subject("Invoice");
  EXPECT_THAT(Render("{subject} received '{email.subject}'", mail),
              Optional(std::string("carol@contoso.com received 'Invoice'.")));
}

TEST(RenderStoryTest, ControlCharactersNulAndEscapesNeverRender) {
  v1::Breach b =
      AliceBreach({{"app.name", "Perfect\x1b[31mData\x1b[0m\n\r\tSoft\0ware"s},
                   {"email.subject", "Hi\x1b]0;pwned\x07 there\x7f\xc2\x9b!"},
                   {"file.name", "invoice\u202Egpj.exe\u200B"}});
  std::optional<std::string> told =
      Render("{app.name} | {email.subject} | {file.name}", b);
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(*told, "PerfectData Soft ware | Hi there ! | invoicegpj.exe.");
  for (char c : *told) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        << "control byte " << static_cast<int>(c);
  }
}

TEST(RenderStoryTest, MalformedUtf8BecomesReplacementCharacters) {
  // A lone continuation byte, an overlong '/', a UTF-16 surrogate, a value
  // past U+10FFFF, and a sequence cut short by the end.
  v1::Breach b = AliceBreach({{"app.name",
                               "a\x80"
                               "b\xc0\xaf"
                               "c\xed\xa0\x80"
                               "d\xf4\x90\x80\x80"
                               "e\xe2\x82"}});
  const std::string r = "\uFFFD";
  EXPECT_THAT(Render("{app.name}", b),
              Optional(absl::StrCat("a", r, "b", r, r, "c", r, r, r, "d", r, r,
                                    r, r, "e", r, r, ".")));
}

TEST(RenderStoryTest, SecretsAreNeverRendered) {
  v1::Breach b = AliceBreach({{"password", "hunter2"},
                              {"http_request.authorization", "Basic YWxpY2U="},
                              {"user_agent", "Bearer eyJhbGciOi.eyJzdWIi.sig"},
                              {"note", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.abc"},
                              {"cert", "-----BEGIN PRIVATE KEY----- MII"}});
  EXPECT_THAT(Render("[{password}|hidden]", b),
              Optional(std::string("hidden.")));
  EXPECT_THAT(Render("{http_request.authorization|none}", b),
              Optional(std::string("none.")));
  // Credentials under harmless keys are caught by their look.
  EXPECT_THAT(Render("{user_agent|?}", b), Optional(std::string("?")));
  EXPECT_THAT(Render("{note|no note}", b), Optional(std::string("no note.")));
  EXPECT_THAT(Render("{cert|no cert}", b), Optional(std::string("no cert.")));
  EXPECT_EQ(Render("{password}", b), std::nullopt);
}

TEST(RenderStoryTest, LongValuesAreCut) {
  std::string name;
  for (int i = 0; i < 30; ++i) absl::StrAppend(&name, "\u00e9bc ");  // 120+
  absl::StrAppend(&name, "tail");
  std::optional<std::string> told =
      Render("{app.name}", AliceBreach({{"app.name", name}}));
  ASSERT_TRUE(told.has_value());
  EXPECT_TRUE(absl::EndsWith(*told, "\u2026.")) << *told;
  EXPECT_FALSE(absl::StrContains(*told, "tail"));
  // 119 characters, the ellipsis and the period.
  EXPECT_EQ(told->size(), 119 + 30 + 3 + 1) << *told;  // 30 two-byte é
  std::string exact(kMaxStoryValueChars, 'x');
  EXPECT_THAT(Render("{app.name}", AliceBreach({{"app.name", exact}})),
              Optional(exact + "."));
}

TEST(RenderStoryTest, IntegersReadWithThousandsSeparators) {
  v1::Breach b =
      AliceBreach({{"count", "2300"},
                   {"big", "-1234567"},
                   {"small", "999"},
                   {"zero", "0"},
                   {"padded", "0042"},
                   {"real", "2300.5"},
                   {"src_endpoint.port", "8080"},
                   {"src_endpoint.autonomous_system.number", "16509"},
                   {"email.uid", "123456"},
                   {"process_pid", "4242"}});
  EXPECT_THAT(Render("{count} {big} {small} {zero} {padded} {real}", b),
              Optional(std::string("2,300 -1,234,567 999 0 0042 2300.5.")));
  EXPECT_THAT(Render("{src_endpoint.port} {src_endpoint.autonomous_system."
                     "number} {email.uid} {process_pid}",
                     b),
              Optional(std::string("8080 16509 123456 4242.")));
}

TEST(RenderStoryTest, EndsASentence) {
  EXPECT_THAT(Render("{subject} did it!", AliceBreach()),
              Optional(std::string("alice@contoso.com did it!")));
  EXPECT_THAT(Render("did {subject}?", AliceBreach()),
              Optional(std::string("did alice@contoso.com?")));
  // Dropped parts leave no doubled or trailing spaces.
  EXPECT_THAT(Render("a  [ {x} ] b [{y}]", AliceBreach()),
              Optional(std::string("a b.")));
}

// True if `s` is well-formed UTF-8 with no C0, DEL or C1 control.
bool IsCleanUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return false;
    int length = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (length == 0 || i + length > s.size()) return false;
    for (int k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return false;
    if (c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;
    if (c >= 0xF5 || c == 0xC0 || c == 0xC1) return false;
    i += length;
  }
  return true;
}

// Whatever bytes a detector sends, the story is clean, bounded UTF-8.
TEST(RenderStoryTest, AnyEvidenceRendersCleanBoundedText) {
  std::mt19937 random(20261117);
  const std::string alphabet =
      "ab \t\n\r\x1b[]{}|;0123456789\x7f\x00\xc2\x9b\xe2\x80\xae\xff\xc3\xed\xa0\xf4"s;
  absl::StatusOr<StoryTemplate> story =
      ParseStoryTemplate("{subject} saw {a|x}[ and {b}] from {c|?}");
  ASSERT_TRUE(story.ok());
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::pair<std::string, std::string>> evidence;
    for (const char* key : {"a", "b", "c"}) {
      std::string value;
      const int length = static_cast<int>(random() % 300);
      for (int i = 0; i < length; ++i) {
        value.push_back(alphabet[random() % alphabet.size()]);
      }
      evidence.emplace_back(key, std::move(value));
    }
    std::optional<std::string> told =
        RenderStory(*story, AliceBreach(std::move(evidence)));
    ASSERT_TRUE(told.has_value());
    ASSERT_TRUE(IsCleanUtf8(*told)) << absl::CEscape(*told);
    ASSERT_FALSE(absl::StrContains(*told, "\u202e")) << *told;
    // Three values of at most 120 characters (4 bytes each) and the text.
    ASSERT_LE(told->size(), 3u * (kMaxStoryValueChars * 4 + 3) + 64u);
  }
}

// The template parser answers every input with a template or an error.
TEST(ParseStoryTemplateTest, AnyInputParsesOrFails) {
  std::mt19937 random(7);
  const std::string alphabet = "{}[]|ab._ \x01\xc3\xa9"s;
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 40);
    for (int i = 0; i < length; ++i) {
      text.push_back(alphabet[random() % alphabet.size()]);
    }
    absl::StatusOr<StoryTemplate> parsed = ParseStoryTemplate(text);
    if (parsed.ok()) {
      for (const std::string& key : parsed->Keys()) {
        ASSERT_TRUE(IsWellFormedStoryKey(key)) << text;
      }
    } else {
      ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

std::shared_ptr<const Policy> Stories(const std::string& yaml) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      ParsePolicy({{"stories.yaml", yaml}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : std::make_shared<const Policy>();
}

std::vector<std::string> Told(const Policy& policy, absl::string_view model) {
  std::vector<std::string> texts;
  for (const Story* story : StoriesFor(policy, model)) {
    texts.push_back(story->text);
  }
  return texts;
}

TEST(StoriesForTest, MostSpecificFirstThenPolicyOrder) {
  std::shared_ptr<const Policy> p = Stories(R"(
stories:
  - {models: ["*Spam*"], template: "glob one"}
  - {models: ["SaaS / *"], template: "short prefix"}
  - {models: ["SaaS / Compromise / *"], template: "long prefix"}
  - {models: ["*Outbound*"], template: "glob two"}
  - models: ["SaaS / Compromise / Unusual Login and Outbound Email Spam"]
    template: "exact"
  - {models: ["Email / *"], template: "other"}
)");
  EXPECT_THAT(Told(*p,
                   "SaaS / Compromise / Unusual Login and Outbound Email "
                   "Spam"),
              ElementsAre("exact", "long prefix", "short prefix", "glob one",
                          "glob two"));
  EXPECT_THAT(Told(*p, "SaaS / Email Nexus / Possible Outbound Email Spam"),
              ElementsAre("short prefix", "glob one", "glob two"));
  EXPECT_THAT(Told(*p, "Network / Beacon"), ElementsAre());
}

TEST(StoriesForTest, AStoryRanksByItsBestPattern) {
  std::shared_ptr<const Policy> p = Stories(R"(
stories:
  - {models: ["SaaS / *"], template: "prefix"}
  - {models: ["*Login*", "SaaS / Access / Login"], template: "exact or glob"}
)");
  EXPECT_THAT(Told(*p, "SaaS / Access / Login"),
              ElementsAre("exact or glob", "prefix"));
}

TEST(TellStoryTest, FallsThroughToTheNextStoryThatRenders) {
  std::shared_ptr<const Policy> p = Stories(R"(
stories:
  - models: ["SaaS / Admin / OAuth Permission Grant"]
    template: "{subject} granted '{app.name}' access"
  - models: ["SaaS / *"]
    template: "{subject} did something unusual in the tenant"
)");
  v1::Breach b = AliceBreach();
  b.set_model_name("SaaS / Admin / OAuth Permission Grant");
  EXPECT_EQ(TellStory(*p, b),
            "alice@contoso.com did something unusual in the tenant.");
  b.add_evidence()->set_key("app.name");
  b.mutable_evidence(0)->set_value("PerfectData Software");
  EXPECT_EQ(TellStory(*p, b),
            "alice@contoso.com granted 'PerfectData Software' access.");
  b.set_model_name("Email / Link / Malicious Link");
  EXPECT_EQ(TellStory(*p, b), "");
}

}  // namespace
}  // namespace riposte::policies
