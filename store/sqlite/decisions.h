#ifndef RIPOSTE_STORE_SQLITE_DECISIONS_H_
#define RIPOSTE_STORE_SQLITE_DECISIONS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// The decisions table: what the policy engine decided for each breach. Not
// thread-safe (one connection, one thread).
class Decisions {
 public:
  explicit Decisions(Database& db) : db_(db) {}

  // Returns the new id.
  absl::StatusOr<int64_t> Insert(const DecisionRow& row);
  absl::StatusOr<std::optional<DecisionRow>> Get(int64_t id);
  // An incident's decisions, in id order.
  absl::StatusOr<std::vector<DecisionRow>> OfIncident(int64_t incident_id);
  absl::StatusOr<bool> Exists(int64_t id);
  // Removes an incident's decisions; returns how many.
  absl::StatusOr<int64_t> DeleteOfIncident(int64_t incident_id);

 private:
  Database& db_;
  CachedStatement insert_, get_, of_incident_, exists_, delete_of_incident_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_DECISIONS_H_
