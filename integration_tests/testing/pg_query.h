#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_PG_QUERY_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_PG_QUERY_H_

// Queries against the PostgreSQL database riposted replicas share, for
// tests that check what was recorded (the engine-neutral counterpart of
// store_query.h, over libpq). Each call opens its own connection, so it
// works across a database restart.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace riposte::integration {

// Every row of `sql`, each column as text ("" for NULL). Unavailable if
// the database cannot be reached; the statement's error otherwise.
absl::StatusOr<std::vector<std::vector<std::string>>> PgRows(
    const std::string& dsn, const std::string& sql);

// The first column of the first row of `sql` as an integer, or -1 if the
// database cannot be reached or the query returns nothing.
int64_t PgCount(const std::string& dsn, const std::string& sql);

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_PG_QUERY_H_
