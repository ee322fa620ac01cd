#include "policies/story_template.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StoryTemplate MustParse(absl::string_view text) {
  absl::StatusOr<StoryTemplate> parsed = ParseStoryTemplate(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *std::move(parsed) : StoryTemplate();
}

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<StoryTemplate> parsed = ParseStoryTemplate(text);
  EXPECT_FALSE(parsed.ok()) << text << " parsed";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(ParseStoryTemplateTest, SplitsTextPlaceholdersAndOptionalParts) {
  StoryTemplate t = MustParse(
      "{subject} signed in from {src_endpoint.ip|an unusual address}"
      "[ after {failed_attempts} failed attempts|, after failed attempts].");
  ASSERT_EQ(t.segments.size(), 3u);

  const StorySegment& plain = t.segments[0];
  EXPECT_FALSE(plain.optional);
  ASSERT_EQ(plain.parts.size(), 3u);
  EXPECT_EQ(plain.parts[0].key, "subject");
  EXPECT_FALSE(plain.parts[0].has_fallback);
  EXPECT_EQ(plain.parts[1].text, " signed in from ");
  EXPECT_EQ(plain.parts[2].key, "src_endpoint.ip");
  EXPECT_TRUE(plain.parts[2].has_fallback);
  EXPECT_EQ(plain.parts[2].fallback, "an unusual address");

  const StorySegment& optional = t.segments[1];
  EXPECT_TRUE(optional.optional);
  ASSERT_EQ(optional.parts.size(), 3u);
  EXPECT_EQ(optional.parts[0].text, " after ");
  EXPECT_EQ(optional.parts[1].key, "failed_attempts");
  EXPECT_EQ(optional.parts[2].text, " failed attempts");
  EXPECT_TRUE(optional.has_fallback);
  EXPECT_EQ(optional.fallback, ", after failed attempts");

  EXPECT_EQ(t.segments[2].parts[0].text, ".");
  EXPECT_THAT(t.Keys(),
              ElementsAre("subject", "src_endpoint.ip", "failed_attempts"));
}

TEST(ParseStoryTemplateTest, DoubledCharactersAreLiterals) {
  StoryTemplate t = MustParse("{{x}} [[y]] a|b [{k}||z]");
  ASSERT_EQ(t.segments.size(), 2u);
  EXPECT_EQ(t.segments[0].parts[0].text, "{x} [y] a|b ");
  ASSERT_EQ(t.segments[1].parts.size(), 2u);
  EXPECT_EQ(t.segments[1].parts[1].text, "|z");
  EXPECT_FALSE(t.segments[1].has_fallback);
}

TEST(ParseStoryTemplateTest, AnEmptyFallbackIsAllowed) {
  StoryTemplate t = MustParse("a {k|} b");
  EXPECT_TRUE(t.segments[0].parts[1].has_fallback);
  EXPECT_EQ(t.segments[0].parts[1].fallback, "");
}

TEST(ParseStoryTemplateTest, ReportsWhereTheProblemIs) {
  // Positions count characters, not bytes.
  EXPECT_EQ(ErrorOf("caf\u00e9 {x"),
            "'{' at character 6 is never closed (write '{{' for a literal "
            "brace)");
  EXPECT_EQ(ErrorOf("a]"),
            "']' at character 2 closes nothing (write ']]' for a literal "
            "bracket)");
  EXPECT_EQ(ErrorOf("{a{b}"),
            "unexpected '{' at character 3 inside the placeholder opened at "
            "character 1");
  EXPECT_EQ(ErrorOf("{a[b]}"),
            "unexpected '[' at character 3 inside the placeholder opened at "
            "character 1");
  EXPECT_EQ(ErrorOf("[{a}|x|y]"),
            "second '|' at character 7 in the optional part opened at "
            "character 1; it has one fallback (write '||' for a literal '|')");
  EXPECT_EQ(ErrorOf("[{a}|{b}]"),
            "'{' at character 6: the fallback of an optional part is plain "
            "text (write '{{' for a literal brace)");
  EXPECT_EQ(ErrorOf("{a.}"),
            "placeholder at character 1: 'a.' is not a key (letters, digits "
            "and '_', in parts separated by '.', e.g. src_endpoint.ip)");
  EXPECT_EQ(ErrorOf("a\x01z"),
            "control character U+0001 at character 2; a story is one line of "
            "plain text");
  EXPECT_EQ(ErrorOf("a\nz"),
            "control character U+000A at character 2; a story is one line of "
            "plain text");
  EXPECT_EQ(ErrorOf("a\xc2\x9bz"),
            "control character U+009B at character 2; a story is one line of "
            "plain text");
  EXPECT_EQ(ErrorOf("a\x1b[31mz"),
            "control character U+001B at character 2; a story is one line of "
            "plain text");
  EXPECT_THAT(ErrorOf(""), HasSubstr("must not be empty"));
  EXPECT_THAT(ErrorOf(std::string(kMaxStoryTemplateChars + 1, 'a')),
              HasSubstr("is 301 characters long; keep a story under 300"));
  EXPECT_TRUE(
      ParseStoryTemplate(std::string(kMaxStoryTemplateChars, 'a')).ok());
}

TEST(StoryKeyTest, WellFormedKeys) {
  for (const char* key : {"src_endpoint.ip", "count", "A1.b_2", "x"}) {
    EXPECT_TRUE(IsWellFormedStoryKey(key)) << key;
  }
  for (const char* key : {"", ".a", "a.", "a..b", "a b", "a-b", "a/b", "é"}) {
    EXPECT_FALSE(IsWellFormedStoryKey(key)) << key;
  }
}

TEST(StoryKeyTest, SecretLookingKeys) {
  for (const char* key : {"password",
                          "user.Password",
                          "client_secret",
                          "session.token",
                          "access_token",
                          "api_key",
                          "apikey",
                          "key",
                          "ssh.private_key",
                          "http_request.authorization",
                          "Authorization",
                          "cookie",
                          "http_cookies",
                          "credential",
                          "user.credential_uid",
                          "aws-access-key",
                          "pwd",
                          "mfa.otp",
                          "jwt",
                          "bearer"}) {
    EXPECT_TRUE(LooksSecret(key)) << key;
  }
  for (const char* key :
       {"src_endpoint.ip", "app.name", "email.subject", "file.name", "count",
        "auth_protocol", "keyboard_info.layout", "failed_attempts",
        "privileges", "src_endpoint.autonomous_system.name"}) {
    EXPECT_FALSE(LooksSecret(key)) << key;
  }
}

TEST(StoryKeyTest, EntityFieldsMustExist) {
  for (const char* key :
       {"subject", "subject.user.user_principal_name", "subject.user.id",
        "subject.email.mailbox", "subject.email.subject",
        "subject.device.hostname", "subject.ip.address", "email.subject",
        "file.name", "src_endpoint.ip", "anything.a_detector.sends"}) {
    EXPECT_EQ(StoryKeyProblem(key), "") << key;
  }
  EXPECT_THAT(StoryKeyProblem("subject.user"),
              HasSubstr("unknown entity field 'subject.user' (known: "
                        "subject, subject.user.id, "));
  // Only text fields: attachments are a list, in_transit a flag.
  EXPECT_THAT(StoryKeyProblem("subject.email.attachments"),
              HasSubstr("unknown entity field"));
  EXPECT_THAT(StoryKeyProblem("subject.email.in_transit"),
              HasSubstr("unknown entity field"));
  EXPECT_THAT(StoryKeyProblem("subject.printer.name"),
              HasSubstr("unknown entity field"));
  EXPECT_THAT(StoryKeyProblem("client_secret"),
              HasSubstr("looks like a secret"));
}

}  // namespace
}  // namespace riposte::policies
