#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/entity/subject_key.h"

#include <cmath>
#include <limits>
#include <string>

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
