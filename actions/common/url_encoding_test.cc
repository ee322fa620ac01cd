#include "actions/common/url_encoding.h"

#include "gtest/gtest.h"

namespace riposte::actions::common {
namespace {

TEST(UrlEncodingTest, PathSegment) {
  EXPECT_EQ(EncodePathSegment("alice@contoso.com"), "alice@contoso.com");
  EXPECT_EQ(EncodePathSegment("bob_gmail.com#EXT#@contoso.onmicrosoft.com"),
            "bob_gmail.com%23EXT%23@contoso.onmicrosoft.com");
  EXPECT_EQ(EncodePathSegment("AAMk/a+b=="), "AAMk%2Fa%2Bb%3D%3D");
  EXPECT_EQ(EncodePathSegment("a b?c%"), "a%20b%3Fc%25");
  EXPECT_EQ(EncodePathSegment("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(EncodePathSegment(".."), "..");
}

TEST(UrlEncodingTest, QueryValue) {
  EXPECT_EQ(EncodeQueryValue("internetMessageId eq '<a@b>'"),
            "internetMessageId%20eq%20%27%3Ca%40b%3E%27");
  EXPECT_EQ(EncodeQueryValue("x&y=z+1"), "x%26y%3Dz%2B1");
}

TEST(UrlEncodingTest, Form) {
  EXPECT_EQ(FormUrlEncode({{"client_id", "abc"},
                           {"client_secret", "s3~cr.t+/= &x"},
                           {"scope", "https://graph.microsoft.com/.default"}}),
            "client_id=abc&client_secret=s3~cr.t%2B%2F%3D+%26x&"
            "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default");
  EXPECT_EQ(FormUrlEncode({}), "");
}

TEST(UrlEncodingTest, ODataLiteral) {
  EXPECT_EQ(ODataStringLiteral("<abc@x>"), "'<abc@x>'");
  EXPECT_EQ(ODataStringLiteral("O'Brien''s"), "'O''Brien''''s'");
  EXPECT_EQ(ODataStringLiteral(""), "''");
}

TEST(UrlEncodingTest, PathAndOrigin) {
  EXPECT_EQ(UrlPath("https://graph.microsoft.com/v1.0/users/a?$select=id"),
            "/v1.0/users/a");
  EXPECT_EQ(UrlPath("https://host:8443/p#frag"), "/p");
  EXPECT_EQ(UrlPath("https://host"), "/");
  EXPECT_EQ(UrlPath("https://host?x=1"), "/");
  EXPECT_EQ(UrlPath("/relative?x"), "/relative");
  EXPECT_EQ(UrlOrigin("https://host:8443/p?q"), "https://host:8443");
  EXPECT_EQ(UrlOrigin("http://h"), "http://h");
  EXPECT_EQ(UrlOrigin("/relative"), "");
}

}  // namespace
}  // namespace riposte::actions::common
