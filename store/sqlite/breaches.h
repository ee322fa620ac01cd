#ifndef RIPOSTE_STORE_SQLITE_BREACHES_H_
#define RIPOSTE_STORE_SQLITE_BREACHES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// The breaches table: one row per accepted breach, unique per (detector_id,
// breach_id). Statements are prepared on the connection given, once. Not
// thread-safe (one connection, one thread).
class Breaches {
 public:
  explicit Breaches(Database& db) : db_(db) {}

  absl::StatusOr<std::optional<BreachRow>> Find(absl::string_view detector_id,
                                                absl::string_view breach_id);
  // AlreadyExists if the id or (detector_id, breach_id) is taken.
  absl::Status Insert(const BreachRow& row);
  // An incident's breaches observed within [from, to], in id order.
  absl::StatusOr<std::vector<BreachRow>> ObservedBetween(int64_t incident_id,
                                                         absl::Time from,
                                                         absl::Time to,
                                                         int64_t limit);
  // An incident's breaches, oldest observed first.
  absl::StatusOr<std::vector<BreachRow>> OfIncident(int64_t incident_id);
  // The greatest id stored, 0 when none is.
  absl::StatusOr<int64_t> MaxId();
  absl::StatusOr<bool> Exists(int64_t id);
  // Removes an incident's breaches; returns how many.
  absl::StatusOr<int64_t> DeleteOfIncident(int64_t incident_id);

 private:
  Database& db_;
  CachedStatement find_, insert_, observed_between_, of_incident_, exists_,
      delete_of_incident_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_BREACHES_H_
