#include "common/proto_wire.h"

#include <string>

#include "common/testing/malformed_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riposte/v1/intake.pb.h"

namespace riposte {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

v1::SubmitRequest Valid() {
  v1::SubmitRequest r;
  r.mutable_breach()->set_detector_id("det");
  r.mutable_breach()->set_model_name("SaaS / Compromise / X");
  r.mutable_breach()->mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  auto* e = r.mutable_breach()->add_evidence();
  e->set_key("k");
  return r;
}

TEST(ParseRequestTest, AValidRequestParses) {
  v1::SubmitRequest parsed;
  ASSERT_TRUE(ParseRequest(Buffer(Valid().SerializeAsString()), &parsed).ok());
  EXPECT_EQ(parsed.breach().detector_id(), "det");
}

TEST(ParseRequestTest, EveryWireFaultIsInvalidArgumentNamingTheRequestType) {
  for (const auto& m : testing::MalformedEncodings()) {
    SCOPED_TRACE(m.name);
    v1::SubmitRequest parsed;
    std::string field;
    absl::Status s = ParseRequest(Buffer(m.bytes), &parsed, &field);
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("could not be parsed as "
                                       "riposte.v1.SubmitRequest"));
    EXPECT_FALSE(field.empty());
    // Every fault is found by the walk, so the message says what it is.
    EXPECT_THAT(std::string(s.message()), Not(HasSubstr("not a valid protobuf encoding")));
  }
}

TEST(ParseRequestTest, InvalidUtf8NamesTheStringField) {
  v1::SubmitRequest r = Valid();
  r.mutable_breach()->set_model_name("SaaS \xc3\x28 X");
  v1::SubmitRequest parsed;
  std::string field;
  absl::Status s = ParseRequest(Buffer(r.SerializeAsString()), &parsed, &field);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field, "breach.model_name");
  EXPECT_THAT(std::string(s.message()), StartsWith("breach.model_name: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("invalid UTF-8"));
}

TEST(ParseRequestTest, AFaultDeepInsideNamesTheNestedFieldWithItsIndex) {
  v1::SubmitRequest r = Valid();
  r.mutable_breach()->add_evidence()->set_key("second");
  r.mutable_breach()->mutable_evidence(1)->set_value("\xed\xa0\x80");  // surrogate
  v1::SubmitRequest parsed;
  std::string field;
  absl::Status s = ParseRequest(Buffer(r.SerializeAsString()), &parsed, &field);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field, "breach.evidence[1].value");

  // A truncated varint inside the breach: the breach's length is right but
  // its last field is cut short.
  std::string inner = Valid().breach().SerializeAsString();
  inner += "\x30";  // field 6 (score is a double: any wire type is unknown-ok)
  inner += "\x80";
  std::string outer = "\x0a";
  outer += static_cast<char>(inner.size());
  ASSERT_LT(inner.size(), 128u);
  outer += inner;
  s = ParseRequest(Buffer(outer), &parsed, &field);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field, "breach.score");
  EXPECT_THAT(std::string(s.message()), HasSubstr("varint"));
}

TEST(ParseRequestTest, UnknownFieldsOfAValidWireTypeAreKept) {
  std::string bytes = Valid().SerializeAsString();
  bytes += "\xf8\x07\x01";  // field 127, varint 1
  v1::SubmitRequest parsed;
  EXPECT_TRUE(ParseRequest(Buffer(bytes), &parsed).ok());
}

TEST(ParseRequestTest, NestingPastProtobufsLimitIsNamed) {
  // Groups of an unknown field, opened 200 deep and closed: protobuf refuses
  // the depth, and so does the walk.
  std::string bytes;
  for (int i = 0; i < 200; ++i) bytes += "\xfb\x07";  // field 127, start group
  for (int i = 0; i < 200; ++i) bytes += "\xfc\x07";  // field 127, end group
  v1::SubmitRequest parsed;
  absl::Status s = ParseRequest(Buffer(bytes), &parsed);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("nested too deeply"));
}

TEST(FindWireErrorTest, ValidEncodingsHaveNoFault) {
  EXPECT_FALSE(FindWireError(*v1::SubmitRequest::descriptor(),
                             Valid().SerializeAsString())
                   .has_value());
  EXPECT_FALSE(FindWireError(*v1::SubmitRequest::descriptor(), "").has_value());
}

TEST(SerializeReplyTest, RoundTrips) {
  grpc::ByteBuffer buffer;
  ASSERT_TRUE(SerializeReply(Valid(), &buffer).ok());
  v1::SubmitRequest parsed;
  ASSERT_TRUE(ParseRequest(buffer, &parsed).ok());
  EXPECT_EQ(parsed.breach().model_name(), "SaaS / Compromise / X");
}

}  // namespace
}  // namespace riposte
