#include "orchestrator/intake/request_parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::intake {
namespace {

grpc::ByteBuffer Wire(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A request whose email subject is `subject`, serialized. Protobuf in C++
// serializes a string that is not UTF-8 (it only complains), as a client
// in any language can.
std::string RequestBytes(const std::string& subject) {
  v1::SubmitRequest req;
  auto* b = req.mutable_breach();
  b->set_breach_id("b-1");
  b->mutable_subject()->mutable_user()->set_user_principal_name("a@b.c");
  b->add_related_entities()->mutable_ip()->set_address("10.0.0.1");
  auto* email = b->add_related_entities()->mutable_email();
  email->add_attachments()->set_name("a.html");
  email->add_attachments()->set_name(subject);
  email->set_subject(subject);
  return req.SerializeAsString();
}

TEST(RequestParserTest, ParsesAGoodRequest) {
  v1::SubmitRequest req;
  EXPECT_EQ(ParseSubmitRequest(Wire(RequestBytes("Invoice")), &req),
            std::nullopt);
  EXPECT_EQ(req.breach().related_entities(1).email().subject(), "Invoice");
}

TEST(RequestParserTest, NamesTheFirstStringThatIsNotUtf8) {
  v1::SubmitRequest req;
  auto error = ParseSubmitRequest(Wire(RequestBytes("Rechnung f\xfcr Sie")), &req);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "breach.related_entities[1].email.subject");
  EXPECT_EQ(error->message,
            "breach.related_entities[1].email.subject: is not valid UTF-8 (at "
            "byte 10)");
  // The subject (field 5) is serialized before the attachments (6), so it
  // is the one named; a repeated field is indexed.
  v1::SubmitRequest only_attachment;
  only_attachment.mutable_breach()
      ->add_related_entities()
      ->mutable_email()
      ->add_attachments()
      ->set_name("\xff");
  error = ParseSubmitRequest(Wire(only_attachment.SerializeAsString()), &req);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->field, "breach.related_entities[0].email.attachments[0].name");
}

TEST(RequestParserTest, BytesThatAreNoRequestAreRefusedAsTheRequest) {
  v1::SubmitRequest req;
  for (const std::string& garbage :
       {std::string("\xff\xff\xff\xff"), std::string("\x0a\x05\x12"),
        std::string(1, '\x0b')}) {
    auto error = ParseSubmitRequest(Wire(garbage), &req);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->field, "request");
    EXPECT_EQ(error->message,
              "request: is not a riposte.v1.SubmitRequest message");
  }
}

}  // namespace
}  // namespace riposte::intake
