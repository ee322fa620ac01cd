#include "common/postgres_dsn.h"

#include <iterator>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// --- RedactDsn: key=value -------------------------------------------------

TEST(RedactDsnTest, KeyValueDropsThePassword) {
  EXPECT_EQ(RedactDsn("host=db.internal port=5432 user=riposte "
                      "password=hunter2 dbname=riposte sslmode=verify-full"),
            "host=db.internal port=5432 user=riposte dbname=riposte "
            "sslmode=verify-full");
}

TEST(RedactDsnTest, KeyValueDropsAQuotedPasswordWithSpacesAndEscapes) {
  EXPECT_EQ(RedactDsn("host=db password='hun ter\\'2 \\\\ x' user=r"),
            "host=db user=r");
}

TEST(RedactDsnTest, KeyValueAllowsSpacesAroundTheEqualsSign) {
  EXPECT_EQ(RedactDsn("  password =  hunter2\thost = db\n"), "host=db");
}

TEST(RedactDsnTest, KeyValueDropsEverySecretOption) {
  EXPECT_EQ(RedactDsn("host=db sslpassword=keypass "
                      "oauth_client_secret=oauth scram_client_key=k1 "
                      "scram_server_key=k2 sslkey=/etc/key.pem"),
            "host=db sslkey=/etc/key.pem");
}

TEST(RedactDsnTest, KeyValueKeepsQuotedValuesAsWritten) {
  EXPECT_EQ(RedactDsn("application_name='riposte replica' password=x"),
            "application_name='riposte replica'");
}

TEST(RedactDsnTest, KeyValueUnquotedPasswordWithASpaceShowsNoPieceOfIt) {
  // libpq stops at "word" (no '='); so does the redaction, and "word" is
  // never shown.
  EXPECT_EQ(RedactDsn("host=db password=pass word user=r"), "host=db");
}

TEST(RedactDsnTest, KeyValueUnterminatedQuoteHidesTheRest) {
  EXPECT_EQ(RedactDsn("host=db password='pass word user=r"), "host=db");
  EXPECT_EQ(RedactDsn("host=db application_name='x password=y"), "host=db");
}

TEST(RedactDsnTest, KeyValueDropsOptionsLibpqDoesNotKnow) {
  // A misspelt key may hold the password; it is not shown either.
  EXPECT_EQ(RedactDsn("host=db pasword=hunter2 user=r"), "host=db user=r");
  EXPECT_EQ(RedactDsn("host=db =hunter2"), "host=db");
}

TEST(RedactDsnTest, KeyValueRedactsADbnameThatIsAConnectionString) {
  EXPECT_EQ(RedactDsn("dbname='postgresql://u:hunter2@db/r' port=5433"),
            "dbname='postgresql://u@db/r' port=5433");
  EXPECT_EQ(RedactDsn("dbname='host=db password=hunter2'"), "dbname='host=db'");
}

// libpq expands one level; deeper ones are removed, and the output stays
// about as long as the input however deep the nesting goes.
TEST(RedactDsnTest, KeyValueDropsADbnameConnectionStringNestedInAnother) {
  EXPECT_EQ(RedactDsn("dbname='host=db dbname=\\'user=u password=x\\''"),
            "dbname='host=db'");
  std::string nested = "password=hunter2";
  for (int level = 0; level < 12; ++level) {
    nested = absl::StrCat(
        "host=h", level, " dbname='",
        absl::StrReplaceAll(nested, {{"\\", "\\\\"}, {"'", "\\'"}}),
        "'");
  }
  const std::string once = RedactDsn(nested);
  EXPECT_LE(once.size(), nested.size());
  EXPECT_EQ(RedactDsn(once), once);
  EXPECT_THAT(once, Not(HasSubstr("hunter2")));
}

TEST(RedactDsnTest, KeyValueBackslashEscapesInBareValues) {
  EXPECT_EQ(RedactDsn("password=a\\ b host=db"), "host=db");
  EXPECT_EQ(RedactDsn("options=-c\\ x=1 password=p"), "options=-c\\ x=1");
}

TEST(RedactDsnTest, NothingToShow) {
  EXPECT_EQ(RedactDsn(""), "");
  EXPECT_EQ(RedactDsn("password=hunter2"), "");
  EXPECT_EQ(RedactDsn("hunter2"), "");
}

// --- RedactDsn: URI -------------------------------------------------------

TEST(RedactDsnTest, UriDropsThePasswordOfUserInfo) {
  EXPECT_EQ(RedactDsn("postgresql://riposte:hunter2@db.internal/riposte"),
            "postgresql://riposte@db.internal/riposte");
  EXPECT_EQ(RedactDsn("postgres://riposte:hunter2@db:5432/riposte"),
            "postgres://riposte@db:5432/riposte");
}

TEST(RedactDsnTest, UriWithoutPasswordIsUnchanged) {
  for (const char* uri :
       {"postgresql://", "postgresql://db", "postgresql://riposte@db/r",
        "postgresql://db1:5432,db2:5433/r?target_session_attrs=read-write",
        "postgresql://[::1]:5432/r", "postgresql:///r?host=/var/run/pg"}) {
    EXPECT_EQ(RedactDsn(uri), uri);
  }
}

TEST(RedactDsnTest, UriPasswordOnly) {
  EXPECT_EQ(RedactDsn("postgresql://:hunter2@db/r"), "postgresql://db/r");
}

TEST(RedactDsnTest, UriDropsPasswordQueryParameters) {
  EXPECT_EQ(RedactDsn("postgresql://r@db/r?sslmode=verify-full&password="
                      "hunter2&application_name=riposte"),
            "postgresql://r@db/r?sslmode=verify-full&application_name=riposte");
  EXPECT_EQ(RedactDsn("postgresql://db/r?password=hunter2"),
            "postgresql://db/r");
  EXPECT_EQ(RedactDsn("postgresql://db/r?sslpassword=hunter2&ssl=true"),
            "postgresql://db/r?ssl=true");
}

TEST(RedactDsnTest, UriDropsPercentEncodedPasswordKeys) {
  EXPECT_EQ(RedactDsn("postgresql://db/r?pass%77ord=hunter2&port=1"),
            "postgresql://db/r?port=1");
}

TEST(RedactDsnTest, UriDropsParametersItCannotRead) {
  // No '=', an unknown key, bad percent-encoding: each may be a piece of a
  // password that held a raw '&'.
  EXPECT_EQ(RedactDsn("postgresql://db/r?password=hun&ter2&port=1"),
            "postgresql://db/r?port=1");
  EXPECT_EQ(RedactDsn("postgresql://db/r?password=a&b=c"), "postgresql://db/r");
  EXPECT_EQ(RedactDsn("postgresql://db/r?port=%zz"), "postgresql://db/r");
  EXPECT_EQ(RedactDsn("postgresql://db/r?dbname=host%3Dx%20password%3Dy"),
            "postgresql://db/r");
}

TEST(RedactDsnTest, UriPasswordWithRawSpecialCharactersShowsNoPieceOfIt) {
  EXPECT_EQ(RedactDsn("postgresql://r:hun@ter2@db/r"), "postgresql://r@db/r");
  EXPECT_EQ(RedactDsn("postgresql://r:hun/ter2@db/r"), "postgresql://r@db/r");
  EXPECT_EQ(RedactDsn("postgresql://r:hun?ter2@db/r"), "postgresql://r@db/r");
  EXPECT_EQ(RedactDsn("postgresql://r:hun:ter2@db/r"), "postgresql://r@db/r");
}

TEST(RedactDsnTest, UriUserPartThatCannotBeReadIsMarked) {
  EXPECT_EQ(RedactDsn("postgresql://db/r?user=a@b"), "postgresql://***@b");
  EXPECT_EQ(RedactDsn("postgresql://a@b:hunter2@db/r"),
            "postgresql://***@db/r");
}

TEST(RedactDsnTest, UriKeepsAPercentEncodedUser) {
  EXPECT_EQ(RedactDsn("postgresql://me%40srv:hunter%402@db/r"),
            "postgresql://me%40srv@db/r");
}

TEST(RedactDsnTest, UriAfterLeadingWhitespace) {
  EXPECT_EQ(RedactDsn("  postgresql://r:hunter2@db/r"), "postgresql://r@db/r");
}

// Whatever the DSN, no output holds the password's text.
TEST(RedactDsnTest, NeverShowsThePassword) {
  for (const char* dsn : {
           "password=hunter2",
           "password='hunter2'",
           "password = 'hun ter2'",
           "password=hun\\ ter2",
           "host=db password='hunter2",
           "password=hunter2 password=hunter2",
           "host=db hunter2",
           "hunter2=x",
           "host=db password=x hunter2 y=z",
           "dbname='host=db password=hunter2'",
           "dbname='postgresql://u:hunter2@db'",
           "postgresql://u:hunter2@db",
           "postgresql://u:hun@ter2@db",
           "postgresql://u:hun/ter2@db/x",
           "postgresql://u:hun?ter2@db/x",
           "postgresql://hunter2@@db",
           "postgresql://db?password=hunter2",
           "postgresql://db?%70assword=hunter2",
           "postgresql://db?password=x&hunter2",
           "postgresql://db?password=x&hunter2=y",
           "postgresql://db?dbname=postgresql://u:hunter2@db",
       }) {
    EXPECT_THAT(RedactDsn(dsn), Not(HasSubstr("hunter2"))) << dsn;
    EXPECT_THAT(RedactDsn(dsn), Not(HasSubstr("ter2"))) << dsn;
  }
}

// What is shown is itself a connection string with nothing left to hide:
// redacting it again changes nothing. Random strings over the characters
// the two forms give meaning to.
TEST(RedactDsnTest, RedactingTwiceChangesNothing) {
  constexpr absl::string_view kPieces[] = {
      "postgresql://", "postgres://", "password", "host", "dbname", "user",
      "=", "'", "\\", " ", "\t", "@", ":", "/", "?", "&", "%", "%40", "#",
      "x", "db", "ssl=true", "pass%77ord"};
  std::mt19937 random(12);
  for (int i = 0; i < 20000; ++i) {
    std::string dsn;
    const int pieces = static_cast<int>(random() % 12);
    for (int n = 0; n < pieces; ++n) {
      dsn.append(std::string(kPieces[random() % std::size(kPieces)]));
    }
    const std::string once = RedactDsn(dsn);
    ASSERT_EQ(RedactDsn(once), once) << "input: " << dsn;
  }
}

// --- DsnSyntaxProblem -----------------------------------------------------

TEST(DsnSyntaxProblemTest, AcceptsWhatLibpqAccepts) {
  for (const char* dsn : {
           "host=db user=riposte password=x dbname=riposte",
           "host = db password = 'a b \\' c'",
           "service=riposte",
           "postgresql://",
           "postgresql://r:x@db:5432/riposte?sslmode=verify-full",
           "postgres://r:p%40ss@db1,db2/r?target_session_attrs=read-write",
           "postgresql://db/r?ssl=true",
           "postgresql://db/r?",
           "postgresql://[2001:db8::1]:5432/r",
       }) {
    EXPECT_EQ(DsnSyntaxProblem(dsn), "") << dsn;
  }
}

TEST(DsnSyntaxProblemTest, Empty) {
  EXPECT_EQ(DsnSyntaxProblem(""), "the string is empty");
  EXPECT_EQ(DsnSyntaxProblem(" \t\n"), "the string is empty");
}

TEST(DsnSyntaxProblemTest, KeyValueProblemsNameThePositionOnly) {
  EXPECT_THAT(DsnSyntaxProblem("host=db password=hun ter2"),
              HasSubstr("setting 3 has no '=' after its name"));
  EXPECT_EQ(DsnSyntaxProblem("host=db =x"), "setting 2 has no name before '='");
  EXPECT_EQ(DsnSyntaxProblem("host=db password='hunter2"),
            "setting 2 (password) has a quoted value that is not closed");
  EXPECT_EQ(DsnSyntaxProblem("host=db hunter2='x"),
            "setting 2 has a quoted value that is not closed");
  EXPECT_THAT(DsnSyntaxProblem("host=db pasword=hunter2"),
              HasSubstr("setting 2 is not a connection option libpq knows"));
}

TEST(DsnSyntaxProblemTest, UriPercentEncoding) {
  for (const char* dsn : {"postgresql://r:%zz@db", "postgresql://db/%4",
                          "postgresql://db/r%", "postgresql://r:a%00b@db"}) {
    EXPECT_THAT(DsnSyntaxProblem(dsn), HasSubstr("'%'")) << dsn;
  }
}

TEST(DsnSyntaxProblemTest, UriRawSpecialCharactersInUserInfo) {
  for (const char* dsn :
       {"postgresql://r:hun@ter2@db", "postgresql://r:hun/ter2@db/r",
        "postgresql://r:hun?ter2@db/r", "postgresql://db/r?user=a@b"}) {
    EXPECT_THAT(DsnSyntaxProblem(dsn), HasSubstr("percent-encode")) << dsn;
  }
}

TEST(DsnSyntaxProblemTest, UriQueryParameters) {
  EXPECT_THAT(DsnSyntaxProblem("postgresql://db/r?sslmode"),
              HasSubstr("the URI's query parameter 1 is not one key=value"));
  EXPECT_THAT(DsnSyntaxProblem("postgresql://db/r?port=1&password=a=b"),
              HasSubstr("the URI's query parameter 2 is not one key=value"));
  EXPECT_THAT(DsnSyntaxProblem("postgresql://db/r?port=1&"),
              HasSubstr("the URI's query parameter 2 is not one key=value"));
  EXPECT_THAT(
      DsnSyntaxProblem("postgresql://db/r?hunter2=x"),
      HasSubstr("the URI's query parameter 1 is not a connection option"));
}

TEST(DsnSyntaxProblemTest, UriAfterWhitespaceIsReadAsKeyValueAsLibpqDoes) {
  EXPECT_THAT(DsnSyntaxProblem(" postgresql://db"),
              HasSubstr("setting 1 has no '='"));
}

TEST(DsnSyntaxProblemTest, NeverQuotesTheDsn) {
  for (const char* dsn :
       {"host=db password=hun ter2", "host=db password='hunter2",
        "host=db hunter2=x", "hunter2", "postgresql://r:hun@ter2@db",
        "postgresql://r:%zzter2@db", "postgresql://db?hunter2=1",
        "postgresql://db?password=x&ter2"}) {
    const std::string problem = DsnSyntaxProblem(dsn);
    EXPECT_NE(problem, "") << dsn;
    EXPECT_THAT(problem, Not(HasSubstr("ter2"))) << dsn;
  }
}

}  // namespace
}  // namespace riposte
