#include "orchestrator/entity/normal_form.h"

#include <string>

#include "gtest/gtest.h"

namespace riposte::entity {
namespace {

const std::string kLower = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string kUpper = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

v1::Breach WithAttachments(const std::string& subject_hash,
                           const std::string& related_hash) {
  v1::Breach b;
  b.set_breach_id("B-1");  // ids keep their case
  auto* subject = b.mutable_subject()->mutable_email();
  subject->set_mailbox("Bob@contoso.com");
  subject->add_attachments()->set_sha256(subject_hash);
  subject->add_attachments()->set_name("no hash.html");
  b.add_related_entities()->mutable_ip()->set_address("10.0.0.1");
  b.add_related_entities()->mutable_email()->add_attachments()->set_sha256(
      related_hash);
  return b;
}

TEST(NormalFormTest, LowerCaseHashesNeedNothing) {
  EXPECT_FALSE(NormalForm(WithAttachments(kLower, kLower)).has_value());
  EXPECT_FALSE(NormalForm(v1::Breach()).has_value());
}

TEST(NormalFormTest, HashesInAnyCaseBecomeLowerCase) {
  for (const auto& [s, r] : {std::pair(kUpper, kLower), std::pair(kLower, kUpper),
                             std::pair(kUpper, kUpper)}) {
    auto normal = NormalForm(WithAttachments(s, r));
    ASSERT_TRUE(normal.has_value());
    v1::Breach expected = WithAttachments(kLower, kLower);
    EXPECT_EQ(normal->SerializeAsString(), expected.SerializeAsString());
    EXPECT_EQ(normal->breach_id(), "B-1");
    EXPECT_EQ(normal->subject().email().mailbox(), "Bob@contoso.com");
  }
}

v1::Breach AboutIp(const std::string& address) {
  v1::Breach b;
  b.mutable_subject()->mutable_ip()->set_address(address);
  b.add_related_entities()->mutable_ip()->set_address(address);
  return b;
}

TEST(NormalFormTest, OneAddressIsOneSubjectWhateverItsSpelling) {
  for (const char* spelling :
       {"2001:DB8::1", "2001:db8:0:0:0:0:0:1", "2001:0db8::0001",
        "2001:db8:0::1"}) {
    auto normal = NormalForm(AboutIp(spelling));
    ASSERT_TRUE(normal.has_value()) << spelling;
    EXPECT_EQ(normal->subject().ip().address(), "2001:db8::1") << spelling;
    EXPECT_EQ(normal->related_entities(0).ip().address(), "2001:db8::1");
  }
  EXPECT_FALSE(NormalForm(AboutIp("2001:db8::1")).has_value());
  EXPECT_FALSE(NormalForm(AboutIp("203.0.113.7")).has_value());
  EXPECT_EQ(NormalForm(AboutIp("::FFFF:203.0.113.7"))->subject().ip().address(),
            "::ffff:203.0.113.7");
}

}  // namespace
}  // namespace riposte::entity
