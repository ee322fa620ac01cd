#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/entity/subject_key.h"

#include <cmath>
#include <functional>
#include <utility>
#include <vector>
#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::intake {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

v1::Breach GoodBreach() {
  v1::Breach b;
  b.set_detector_id("darktrace-1");
  b.set_breach_id("b-1001");
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Access / Suspicious Login Attempt");
  b.add_model_tags("AP: Initial Access");
  b.set_score(63.5);
  b.mutable_observed_time()->set_seconds(absl::ToUnixSeconds(kNow) - 60);
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  auto* email = b.add_related_entities()->mutable_email();
  email->set_mailbox("bob@contoso.com");
  email->set_internet_message_id("<m1@contoso.com>");
  auto* att = email->add_attachments();
  att->set_name("Credit Transfer Copy.html");
  att->set_sha256(std::string(64, 'a'));
  b.add_related_entities()->mutable_ip()->set_address("2001:db8::1");
  auto* ev = b.add_evidence();
  ev->set_key("source_ip");
  ev->set_value("203.0.113.7");
  return b;
}

class BreachValidatorTest : public ::testing::Test {
 protected:
  BreachValidatorTest() : validator_(Limits(), Tenants()) {}

  static config::IntakeLimits Limits() {
    config::IntakeLimits l;
    l.max_tags = 3;
    l.max_evidence_entries = 4;
    l.max_related_entities = 3;
    l.max_attachments = 2;
    l.max_breach_bytes = 4096;
    return l;
  }
  static std::vector<config::TenantConfig> Tenants() {
    config::TenantConfig t;
    t.id = "contoso";
    return {t};
  }

  // The field named by the error, or "" if the breach is accepted.
  std::string Field(const v1::Breach& b) {
    auto e = validator_.Validate(b, kNow, b.ByteSizeLong());
    if (!e) return "";
    EXPECT_THAT(e->message, ::testing::StartsWith(e->field + ": "));
    last_message_ = e->message;
    return e->field;
  }

  BreachValidator validator_;
  std::string last_message_;
};

TEST_F(BreachValidatorTest, AcceptsAWellFormedBreach) {
  EXPECT_EQ(Field(GoodBreach()), "");
}

TEST_F(BreachValidatorTest, EmptyIds) {
  auto b = GoodBreach();
  b.clear_detector_id();
  EXPECT_EQ(Field(b), "breach.detector_id");
  EXPECT_THAT(last_message_, HasSubstr("must not be empty"));
  b = GoodBreach();
  b.clear_breach_id();
  EXPECT_EQ(Field(b), "breach.breach_id");
  b = GoodBreach();
  b.clear_tenant_id();
  EXPECT_EQ(Field(b), "breach.tenant_id");
  b = GoodBreach();
  b.clear_model_name();
  EXPECT_EQ(Field(b), "breach.model_name");
}

TEST_F(BreachValidatorTest, OversizedIds) {
  auto b = GoodBreach();
  b.set_breach_id(std::string(129, 'x'));
  EXPECT_EQ(Field(b), "breach.breach_id");
  EXPECT_THAT(last_message_, HasSubstr("129 bytes, more than the limit of 128"));
  b = GoodBreach();
  b.set_detector_id(std::string(129, 'x'));
  EXPECT_EQ(Field(b), "breach.detector_id");
}

TEST_F(BreachValidatorTest, ControlCharactersInIds) {
  auto b = GoodBreach();
  b.set_breach_id("b-1\n{\"forged\":1}");
  EXPECT_EQ(Field(b), "breach.breach_id");
  EXPECT_THAT(last_message_, HasSubstr("control characters"));
}

TEST_F(BreachValidatorTest, UnknownTenant) {
  auto b = GoodBreach();
  b.set_tenant_id("fabrikam");
  EXPECT_EQ(Field(b), "breach.tenant_id");
  EXPECT_THAT(last_message_, HasSubstr("unknown tenant \"fabrikam\""));
}

TEST_F(BreachValidatorTest, BadScores) {
  for (double score : {std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity(), -0.5, 100.01,
                       1e300}) {
    auto b = GoodBreach();
    b.set_score(score);
    EXPECT_EQ(Field(b), "breach.score") << score;
    EXPECT_THAT(last_message_, HasSubstr("from 0 to 100"));
  }
  auto b = GoodBreach();
  b.set_score(0);
  EXPECT_EQ(Field(b), "");
  b.set_score(100);
  EXPECT_EQ(Field(b), "");
}

TEST_F(BreachValidatorTest, MissingSubject) {
  auto b = GoodBreach();
  b.clear_subject();
  EXPECT_EQ(Field(b), "breach.subject");
  EXPECT_THAT(last_message_, HasSubstr("is required"));
  b.mutable_subject();  // present but empty
  EXPECT_EQ(Field(b), "breach.subject");
  EXPECT_THAT(last_message_, HasSubstr("one of user, email, device or ip"));
  b.mutable_subject()->mutable_user();
  EXPECT_EQ(Field(b), "breach.subject.user");
  b.mutable_subject()->mutable_user()->set_user_principal_name("alice");
  EXPECT_EQ(Field(b), "breach.subject.user.user_principal_name");
}

TEST_F(BreachValidatorTest, EmailSubjectNeedsMailboxAndMessageId) {
  auto b = GoodBreach();
  b.mutable_subject()->mutable_email()->set_mailbox("bob@contoso.com");
  EXPECT_EQ(Field(b), "breach.subject.email.internet_message_id");
}

TEST_F(BreachValidatorTest, TooManyEvidenceEntries) {
  auto b = GoodBreach();
  for (int i = 0; i < 4; ++i) b.add_evidence()->set_key("k");
  EXPECT_EQ(Field(b), "breach.evidence");
  EXPECT_THAT(last_message_, HasSubstr("5 entries, more than the limit of 4"));
}

TEST_F(BreachValidatorTest, EvidenceKeyAndValue) {
  auto b = GoodBreach();
  b.mutable_evidence(0)->clear_key();
  EXPECT_EQ(Field(b), "breach.evidence[0].key");
  b = GoodBreach();
  b.mutable_evidence(0)->set_value(std::string(5000, 'v'));
  // Over both the value limit and the breach size limit; size comes first.
  EXPECT_EQ(Field(b), "breach");
}

TEST_F(BreachValidatorTest, OversizedMessage) {
  auto b = GoodBreach();
  b.mutable_subject()->mutable_user()->set_display_name(
      std::string(1000, 'd'));
  for (int i = 0; i < 3; ++i) {
    b.mutable_evidence(0)->set_value(std::string(1000 + i, 'v'));
    b.add_evidence()->set_value(std::string(1000, 'w'));
  }
  EXPECT_EQ(Field(b), "breach");
  EXPECT_THAT(last_message_, HasSubstr("more than the limit of 4096"));
}

TEST_F(BreachValidatorTest, TooManyTagsRelatedEntitiesAttachments) {
  auto b = GoodBreach();
  for (int i = 0; i < 3; ++i) b.add_model_tags("t");
  EXPECT_EQ(Field(b), "breach.model_tags");
  b = GoodBreach();
  for (int i = 0; i < 2; ++i) {
    b.add_related_entities()->mutable_ip()->set_address("10.0.0.1");
  }
  EXPECT_EQ(Field(b), "breach.related_entities");
  b = GoodBreach();
  auto* email = b.mutable_related_entities(0)->mutable_email();
  email->add_attachments();
  email->add_attachments();
  EXPECT_EQ(Field(b), "breach.related_entities[0].email.attachments");
}

TEST_F(BreachValidatorTest, BadRelatedEntity) {
  auto b = GoodBreach();
  b.mutable_related_entities(1)->mutable_ip()->set_address("999.1.1.1");
  EXPECT_EQ(Field(b), "breach.related_entities[1].ip.address");
  b = GoodBreach();
  b.mutable_related_entities(0)
      ->mutable_email()
      ->mutable_attachments(0)
      ->set_sha256("xyz");
  EXPECT_EQ(Field(b), "breach.related_entities[0].email.attachments[0].sha256");
}

TEST_F(BreachValidatorTest, ObservedTime) {
  auto b = GoodBreach();
  b.mutable_observed_time()->set_seconds(absl::ToUnixSeconds(kNow) + 3600);
  EXPECT_EQ(Field(b), "breach.observed_time");
  EXPECT_THAT(last_message_, HasSubstr("in the future"));
  b.mutable_observed_time()->set_seconds(absl::ToUnixSeconds(kNow) + 60);
  EXPECT_EQ(Field(b), "");  // within the allowed skew
  b.mutable_observed_time()->set_nanos(-1);
  EXPECT_EQ(Field(b), "breach.observed_time");
  b.mutable_observed_time()->set_nanos(0);
  b.mutable_observed_time()->set_seconds(-70000000000);
  EXPECT_EQ(Field(b), "breach.observed_time");
  b.clear_observed_time();
  EXPECT_EQ(Field(b), "");  // defaults to the receive time
}

// The email GoodBreach relates to.
v1::EmailEntity* Email(v1::Breach& b) {
  return b.mutable_related_entities(0)->mutable_email();
}

// A string field of a breach, as a setter, with its path.
struct StringField {
  std::string path;
  std::function<void(v1::Breach&, const std::string&)> set;
};

std::vector<StringField> StringFields() {
  return {
      {"breach.detector_id",
       [](v1::Breach& b, const std::string& v) { b.set_detector_id(v); }},
      {"breach.breach_id",
       [](v1::Breach& b, const std::string& v) { b.set_breach_id(v); }},
      {"breach.tenant_id",
       [](v1::Breach& b, const std::string& v) { b.set_tenant_id(v); }},
      {"breach.model_name",
       [](v1::Breach& b, const std::string& v) { b.set_model_name(v); }},
      {"breach.model_tags[0]",
       [](v1::Breach& b, const std::string& v) { b.set_model_tags(0, v); }},
      {"breach.subject.user.user_principal_name",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_user()->set_user_principal_name(v);
       }},
      {"breach.subject.user.id",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_user()->set_id(v);
       }},
      {"breach.subject.ip.address",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_ip()->set_address(v);
       }},
      {"breach.subject.device.id",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_device()->set_id(v);
       }},
      {"breach.subject.device.hostname",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_device()->set_hostname(v);
       }},
      {"breach.related_entities[0].email.mailbox",
       [](v1::Breach& b, const std::string& v) { Email(b)->set_mailbox(v); }},
      {"breach.related_entities[0].email.internet_message_id",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->set_internet_message_id(v);
       }},
      {"breach.related_entities[0].email.graph_message_id",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->set_graph_message_id(v);
       }},
      {"breach.related_entities[0].email.sender",
       [](v1::Breach& b, const std::string& v) { Email(b)->set_sender(v); }},
      {"breach.related_entities[0].email.attachments[0].content_type",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->mutable_attachments(0)->set_content_type(v);
       }},
      {"breach.related_entities[0].email.attachments[0].graph_attachment_id",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->mutable_attachments(0)->set_graph_attachment_id(v);
       }},
      {"breach.related_entities[0].email.attachments[0].sha256",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->mutable_attachments(0)->set_sha256(v);
       }},
      {"breach.related_entities[1].ip.address",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_related_entities(1)->mutable_ip()->set_address(v);
       }},
      {"breach.evidence[0].key",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_evidence(0)->set_key(v);
       }},
  };
}

// Text a detector reports as seen: printable text and bidi kept, NUL,
// escapes and controls refused.
std::vector<StringField> ReportedTextFields() {
  return {
      {"breach.related_entities[0].email.subject",
       [](v1::Breach& b, const std::string& v) { Email(b)->set_subject(v); }},
      {"breach.related_entities[0].email.attachments[0].name",
       [](v1::Breach& b, const std::string& v) {
         Email(b)->mutable_attachments(0)->set_name(v);
       }},
      {"breach.subject.user.display_name",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_subject()->mutable_user()->set_display_name(v);
       }},
      {"breach.evidence[0].value",
       [](v1::Breach& b, const std::string& v) {
         b.mutable_evidence(0)->set_value(v);
       }},
  };
}

// A valid value for the field, for building hostile variants of it.
std::string ValidValue(const std::string& path) {
  if (absl::EndsWith(path, ".address")) return "10.0.0.1";
  if (absl::EndsWith(path, ".sha256")) return std::string(64, 'a');
  if (absl::EndsWith(path, "user_principal_name") ||
      absl::EndsWith(path, ".mailbox")) {
    return "alice@contoso.com";
  }
  if (path == "breach.tenant_id") return "contoso";
  return "abc";
}

std::string Nul() { return std::string(1, '\0'); }

TEST_F(BreachValidatorTest, NulInEveryIdentifierIsRefused) {
  for (const auto& f : StringFields()) {
    const std::string good = ValidValue(f.path);
    auto b = GoodBreach();
    f.set(b, good);
    ASSERT_EQ(Field(b), "") << f.path << ": " << last_message_;
    // At the end, in the middle and alone; the check must not stop at it.
    for (const std::string& bad :
         {good + Nul(), good.substr(0, 1) + Nul() + good.substr(1), Nul(),
          good + Nul() + "\x1b[31mevil"}) {
      b = GoodBreach();
      f.set(b, bad);
      EXPECT_EQ(Field(b), f.path) << last_message_;
      EXPECT_THAT(last_message_, HasSubstr("must not contain NUL")) << f.path;
    }
  }
}

TEST_F(BreachValidatorTest, IpAddressWithNulIsRefused) {
  auto b = GoodBreach();
  b.mutable_subject()->mutable_ip()->set_address("10.0.0.1" + Nul() +
                                                 "\x1b]0;owned\x07");
  EXPECT_EQ(Field(b), "breach.subject.ip.address");
  EXPECT_EQ(last_message_,
            "breach.subject.ip.address: must not contain NUL (at byte 8)");
}

TEST_F(BreachValidatorTest, IdentifiersRefuseControlsEscapesBidiAndBadUtf8) {
  for (const auto& f : StringFields()) {
    const std::string good = ValidValue(f.path);
    for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
             {"\x1b[2J" + good, "escape sequences"},
             {good + "\xC2\x9B" "31m", "escape sequences"},
             {good + "\t", "control characters"},
             {good + "\r\n", "control characters"},
             {good + "\x7f", "control characters"},
             {good + "\xC2\x85", "control characters"},
             {"\xE2\x80\xAE" + good, "bidirectional control characters"},
             {good + "\xE2\x81\xA6", "bidirectional control characters"},
             {good + "\xE2\x80\x8B", "invisible format characters"},
             {good + "\xff", "not valid UTF-8"},
             {good + "\xC0\xAF", "not valid UTF-8"},
         }) {
      auto b = GoodBreach();
      f.set(b, bad);
      EXPECT_EQ(Field(b), f.path) << why;
      EXPECT_THAT(last_message_, HasSubstr(why)) << f.path;
    }
  }
}

TEST_F(BreachValidatorTest, ReportedTextRefusesNulAndEscapesButKeepsText) {
  for (const auto& f : ReportedTextFields()) {
    for (const std::string& good :
         {std::string("Credit Transfer Copy.html"),
          std::string("Zahlung f\xC3\xBCr Rechnung\t#42"),
          // RIGHT-TO-LEFT OVERRIDE: the spoofed name is the evidence.
          std::string("invoice\xE2\x80\xAElmth.exe")}) {
      auto b = GoodBreach();
      f.set(b, good);
      EXPECT_EQ(Field(b), "") << f.path << ": " << last_message_;
    }
    for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
             {"Re: hi" + Nul() + "hidden", "must not contain NUL"},
             {"Re: \x1b[8mhidden", "escape sequences"},
             {"Re: hi\r\nBcc: all@contoso.com", "control characters"},
             {"Re: hi\xC2\x80", "control characters"},
             {"Re: hi\xe9t\xe9", "not valid UTF-8"},
         }) {
      auto b = GoodBreach();
      f.set(b, bad);
      EXPECT_EQ(Field(b), f.path) << why;
      EXPECT_THAT(last_message_, HasSubstr(why)) << f.path;
    }
  }
}

TEST_F(BreachValidatorTest, IdentifiersRefuseOuterSpaces) {
  auto b = GoodBreach();
  b.set_breach_id("b-1 ");
  EXPECT_EQ(Field(b), "breach.breach_id");
  EXPECT_THAT(last_message_, HasSubstr("must not start or end with a space"));
}

TEST_F(BreachValidatorTest, Sha256InEitherCaseIsAccepted) {
  auto b = GoodBreach();
  auto* att =
      b.mutable_related_entities(0)->mutable_email()->mutable_attachments(0);
  att->set_sha256(std::string(32, 'A') + std::string(32, 'f'));
  EXPECT_EQ(Field(b), "");
  att->set_sha256(std::string(63, 'A') + "g");
  EXPECT_EQ(Field(b),
            "breach.related_entities[0].email.attachments[0].sha256");
  EXPECT_THAT(last_message_, HasSubstr("must be 64 hex digits"));
}

TEST(SubjectKeyTest, UsersCorrelateCaseInsensitivelyByUpn) {
  v1::Entity a, b, c;
  a.mutable_user()->set_user_principal_name("Alice@Contoso.com");
  b.mutable_user()->set_user_principal_name("alice@contoso.com");
  b.mutable_user()->set_id("0f1e");
  c.mutable_user()->set_id("0F1E");
  EXPECT_EQ(entity::SubjectKey(a), entity::SubjectKey(b));
  EXPECT_EQ(entity::SubjectKey(a), "user:alice@contoso.com");
  EXPECT_EQ(entity::SubjectKey(c), "user-id:0f1e");
  EXPECT_EQ(entity::SubjectKind(c), "user");
}

TEST(SubjectKeyTest, EmailKeyIsMailboxAndMessageId) {
  v1::Entity e;
  e.mutable_email()->set_mailbox("Bob@contoso.com");
  e.mutable_email()->set_internet_message_id("<X@y>");
  EXPECT_EQ(entity::SubjectKey(e), "email:bob@contoso.com/<X@y>");
  EXPECT_EQ(entity::SubjectKind(e), "email");
}

}  // namespace
}  // namespace riposte::intake
