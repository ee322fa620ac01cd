#ifndef RIPOSTE_STORE_SQLITE_RUNS_H_
#define RIPOSTE_STORE_SQLITE_RUNS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runs/lifecycle.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// The action_runs table: each decided action on one target through its
// lifecycle, with the executor's leases and the operators' changes. The
// methods are those of Transaction of the same names (see store.h). Not
// thread-safe (one connection, one thread).
class Runs {
 public:
  explicit Runs(Database& db) : db_(db) {}

  absl::StatusOr<std::optional<ActionRunRow>> Get(int64_t id);
  // Returns the new id.
  absl::StatusOr<int64_t> Insert(const ActionRunRow& row);
  absl::StatusOr<std::vector<ActionRunRow>> OnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states);
  absl::StatusOr<int64_t> CountAutonomous(absl::string_view tenant_id,
                                          absl::string_view action,
                                          absl::Time since);

  // The executor's.
  absl::StatusOr<std::optional<ActionRunRow>> ClaimDue(absl::string_view holder,
                                                       absl::Time now,
                                                       absl::Time lease_until);
  absl::Status UpdateLeased(const RunUpdate& update);
  absl::Status CheckpointMemo(int64_t id, int64_t fence,
                              absl::string_view memo);
  absl::StatusOr<std::optional<absl::Time>> NextDueTime();
  absl::StatusOr<int64_t> ReleaseForeignLeases(absl::string_view holder,
                                               absl::Time now);

  // The operators'.
  absl::Status UpdateForOperator(const OperatorRunUpdate& update);
  absl::StatusOr<std::vector<ActionRunRow>> ExpiredApprovals(absl::Time now);
  // Newest first.
  absl::StatusOr<std::vector<ActionRunRow>> List(int64_t limit);
  absl::StatusOr<std::vector<ActionRunRow>> Find(const RunFilter& filter);

  // Retention's.
  absl::StatusOr<bool> Exists(int64_t id);
  // Removes an incident's runs; returns how many.
  absl::StatusOr<int64_t> DeleteOfIncident(int64_t incident_id);

 private:
  Database& db_;
  CachedStatement get_, insert_, count_autonomous_, find_due_, claim_,
      update_leased_, checkpoint_memo_, next_due_, release_foreign_,
      operator_update_, expired_approvals_, exists_, delete_of_incident_;
  // OnTargets, by (number of target keys, number of states).
  std::map<std::pair<size_t, size_t>, CachedStatement> on_targets_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_RUNS_H_
