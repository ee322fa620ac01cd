// DsnSyntaxProblem agrees with libpq's own parser (PQconninfoParse), so
// that a connection string riposted accepts is one libpq reads, and one it
// refuses would have been refused by libpq too, whose messages quote it.

#include <libpq-fe.h>

#include <string>

#include "common/postgres_dsn.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

bool LibpqAccepts(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return false;
  PQconninfoFree(options);
  return true;
}

TEST(PostgresDsnLibpqTest, AgreesWithPQconninfoParse) {
  for (const char* dsn : {
           "host=db user=riposte password=x dbname=riposte",
           "host = db password = 'a b \\' c'",
           "password=a\\ b host=db",
           "application_name='' host=db",
           "host=db password=hun ter2",
           "host=db password='hunter2",
           "host=db =x",
           "host=db pasword=x",
           "postgresql://",
           "postgres://r:x@db:5432/riposte?sslmode=verify-full",
           "postgresql://r:p%40ss@db1,db2/r?target_session_attrs=read-write",
           "postgresql://db/r?ssl=true",
           "postgresql://[2001:db8::1]:5432/r",
           "postgresql://r:%zz@db",
           "postgresql://db/r%",
           "postgresql://r:a%00b@db",
           "postgresql://db/r?sslmode",
           "postgresql://db/r?port=1&password=a=b",
           "postgresql://db/r?hunter2=x",
           " postgresql://db",
       }) {
    EXPECT_EQ(DsnSyntaxProblem(dsn).empty(), LibpqAccepts(dsn)) << dsn;
  }
}

// Where the check is stricter than libpq, on purpose: libpq reads these, but
// not as the writer meant (a password with a raw '@' or '/' becomes part of
// the host, an '@' in the query hides where user:password ends), and the
// redaction could not show them safely.
TEST(PostgresDsnLibpqTest, StricterThanLibpqForAmbiguousUris) {
  for (const char* dsn :
       {"postgresql://r:hun@ter2@db/r", "postgresql://db/r?user=a@b"}) {
    EXPECT_TRUE(LibpqAccepts(dsn)) << dsn;
    EXPECT_NE(DsnSyntaxProblem(dsn), "") << dsn;
  }
}

}  // namespace
}  // namespace riposte
