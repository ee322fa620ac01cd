#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_STORE_QUERY_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_STORE_QUERY_H_

// Read-only queries against riposted's SQLite file while it runs, for
// tests that check what was recorded (run states, audit details).

#include <string>

namespace riposte::integration {

// The first column of the first row of `sql` as an integer, or -1 if the
// file cannot be opened or the query returns nothing.
int64_t StoreCount(const std::string& db_path, const std::string& sql);

// The first column of the first row of `sql` as text, or "".
std::string StoreText(const std::string& db_path, const std::string& sql);

// Runs `sql` (statements without rows) on a file riposted does not hold,
// e.g. to age or tamper with a stopped store. Returns SQLite's error, or ""
// on success.
std::string StoreExec(const std::string& db_path, const std::string& sql);

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_STORE_QUERY_H_
