// The PostgreSQL client library is wired in: its header is found and the
// library links and runs. The postgres store engine needs libpq 15 or later
// (the server version riposte is documented against).

#include <libpq-fe.h>

#include "gtest/gtest.h"

namespace {

TEST(LibpqLinkTest, LinksAndIsAtLeastVersion15) {
  // PQlibVersion: major * 10000 + minor (150018 is 15.18).
  EXPECT_GE(PQlibVersion(), 150000);
}

TEST(LibpqLinkTest, ParsesAConnectionStringWithoutConnecting) {
  char* error = nullptr;
  PQconninfoOption* options =
      PQconninfoParse("host=db dbname=riposte sslmode=verify-full", &error);
  ASSERT_NE(options, nullptr) << (error != nullptr ? error : "");
  PQconninfoFree(options);
}

}  // namespace
