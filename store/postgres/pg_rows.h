#ifndef RIPOSTE_STORE_POSTGRES_PG_ROWS_H_
#define RIPOSTE_STORE_POSTGRES_PG_ROWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "audit/audit_record.h"
#include "store/postgres/pg_connection.h"
#include "store/engine_rules.h"
#include "store/store.h"

// The readers that turn a result row (columns as store/engine_rules.h
// lists them) into the store's row types.
namespace riposte::store::postgres {

IncidentRow ReadIncident(const PgResult& r, int row);
BreachRow ReadBreach(const PgResult& r, int row);
DecisionRow ReadDecision(const PgResult& r, int row);
ActionRunRow ReadRun(const PgResult& r, int row);
audit::AuditRecord ReadAuditRecord(const PgResult& r, int row);
// Columns: kOutboxColumns.
OutboxRow ReadOutboxRow(const PgResult& r, int i);

// Every row of `r`, read with `read`.
template <typename Row>
std::vector<Row> ReadRows(const PgResult& r, Row (*read)(const PgResult&, int)) {
  std::vector<Row> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

// Parameters for the store's column types.
PgParam Micros(absl::Time t);
PgParam OptionalMicros(const std::optional<absl::Time>& t);
// A text[] literal for `= ANY($n::text[])`.
PgParam TextArray(const std::vector<std::string>& values);

}  // namespace riposte::store::postgres

#endif  // RIPOSTE_STORE_POSTGRES_PG_ROWS_H_
