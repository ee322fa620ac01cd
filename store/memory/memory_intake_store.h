#ifndef RIPOSTE_STORE_MEMORY_MEMORY_INTAKE_STORE_H_
#define RIPOSTE_STORE_MEMORY_MEMORY_INTAKE_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace riposte::store {

// The intake's transaction over plain memory, for Simulate: the breach
// unit runs against it exactly as against the durable store, and the
// simulation then moves runs through their lifecycle itself (runs()). Ids
// start at 1 and increase, as in the store. Audit records are counted and
// kept, not chained. Nothing here fails, so a unit never needs rolling
// back. Not thread-safe.
class MemoryIntakeStore : public IntakeTransaction {
 public:
  // The time audit records are stamped with.
  void set_now(absl::Time now) { now_ = now; }
  void PutSetting(const std::string& key, const std::string& value) {
    settings_[key] = value;
  }

  // Every run, in id order (id = index + 1), for the simulation to move
  // through its lifecycle.
  std::vector<ActionRunRow>& runs() { return runs_; }
  const std::vector<audit::AuditRecord>& audit() const { return audit_; }

  absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view detector_id, absl::string_view breach_id) override;
  absl::StatusOr<int64_t> AllocateBreachId() override;
  absl::Status InsertBreach(const BreachRow& row) override;
  absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view tenant_id, absl::string_view subject_key) override;
  absl::StatusOr<int64_t> InsertIncident(const IncidentRow& row) override;
  absl::Status UpdateIncident(const IncidentRow& row) override;
  absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t incident_id, absl::Time from, absl::Time to,
      int64_t limit) override;
  absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t incident_id, absl::string_view target_key) override;
  absl::Status PutIncidentSteps(int64_t incident_id,
                                absl::string_view target_key,
                                const std::vector<int64_t>& run_ids) override;
  absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t id) override;
  absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states) override;
  absl::StatusOr<int64_t> CountAutonomousRuns(absl::string_view tenant_id,
                                              absl::string_view action,
                                              absl::Time since) override;
  absl::StatusOr<int64_t> InsertDecision(const DecisionRow& row) override;
  absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow& row) override;
  absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view key) override;
  absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent& event) override;
  absl::Status AppendOutbox(const OutboxRow& row) override;

  // The outbox as appended, in order, with seq assigned.
  const std::vector<OutboxRow>& outbox() const { return outbox_; }

 private:
  absl::Time now_ = absl::UnixEpoch();
  int64_t next_breach_id_ = 1;
  std::map<int64_t, BreachRow> breaches_;
  std::map<std::pair<std::string, std::string>, int64_t> breach_ids_;
  std::vector<IncidentRow> incidents_;
  std::map<std::pair<int64_t, std::string>, std::vector<int64_t>> steps_;
  std::vector<ActionRunRow> runs_;
  std::vector<DecisionRow> decisions_;
  std::map<std::string, std::string> settings_;
  std::vector<audit::AuditRecord> audit_;
  std::vector<OutboxRow> outbox_;
};

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_MEMORY_MEMORY_INTAKE_STORE_H_
