#include "integration_tests/testing/pg_query.h"

#include <memory>

#include "absl/strings/numbers.h"
#include "store/postgres/pg_connection.h"

namespace riposte::integration {

using store::postgres::PgConnection;
using store::postgres::PgConnectOptions;
using store::postgres::PgResult;

absl::StatusOr<std::vector<std::vector<std::string>>> PgRows(
    const std::string& dsn, const std::string& sql) {
  PgConnectOptions options;
  options.application_name = "riposte-test";
  absl::StatusOr<std::unique_ptr<PgConnection>> conn =
      PgConnection::Connect(dsn, options);
  if (!conn.ok()) return conn.status();
  absl::StatusOr<PgResult> result = (*conn)->Query(sql);
  if (!result.ok()) return result.status();
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < result->rows(); ++r) {
    std::vector<std::string>& row = rows.emplace_back();
    for (int c = 0; c < result->columns(); ++c) {
      row.emplace_back(result->Text(r, c));
    }
  }
  return rows;
}

int64_t PgCount(const std::string& dsn, const std::string& sql) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows = PgRows(dsn, sql);
  int64_t n = -1;
  if (!rows.ok() || rows->empty() || rows->front().empty() ||
      !absl::SimpleAtoi(rows->front().front(), &n)) {
    return -1;
  }
  return n;
}

}  // namespace riposte::integration
