#include "store/memory/memory_intake_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace riposte::store {

absl::StatusOr<std::optional<BreachRow>> MemoryIntakeStore::FindBreach(
    absl::string_view detector_id, absl::string_view breach_id) {
  auto it = breach_ids_.find({std::string(detector_id), std::string(breach_id)});
  if (it == breach_ids_.end()) return std::optional<BreachRow>();
  return std::optional<BreachRow>(breaches_.at(it->second));
}

absl::StatusOr<int64_t> MemoryIntakeStore::AllocateBreachId() {
  return next_breach_id_++;
}

absl::Status MemoryIntakeStore::InsertBreach(const BreachRow& row) {
  auto [it, inserted] =
      breach_ids_.emplace(std::make_pair(row.detector_id, row.breach_id), row.id);
  if (!inserted || breaches_.count(row.id) > 0) {
    if (inserted) breach_ids_.erase(it);
    return absl::AlreadyExistsError(
        absl::StrCat("breach ", row.detector_id, "/", row.breach_id,
                     " is already stored"));
  }
  breaches_.emplace(row.id, row);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<IncidentRow>> MemoryIntakeStore::FindLatestIncident(
    absl::string_view tenant_id, absl::string_view subject_key) {
  const IncidentRow* best = nullptr;
  for (const IncidentRow& i : incidents_) {
    if (i.tenant_id != tenant_id || i.subject_key != subject_key) continue;
    if (best == nullptr || i.last_seen > best->last_seen ||
        (i.last_seen == best->last_seen && i.id > best->id)) {
      best = &i;
    }
  }
  if (best == nullptr) return std::optional<IncidentRow>();
  return std::optional<IncidentRow>(*best);
}

absl::StatusOr<int64_t> MemoryIntakeStore::InsertIncident(const IncidentRow& row) {
  incidents_.push_back(row);
  incidents_.back().id = static_cast<int64_t>(incidents_.size());
  return incidents_.back().id;
}

absl::Status MemoryIntakeStore::UpdateIncident(const IncidentRow& row) {
  if (row.id < 1 || row.id > static_cast<int64_t>(incidents_.size())) {
    return absl::NotFoundError(absl::StrCat("no incident ", row.id));
  }
  IncidentRow& i = incidents_[row.id - 1];
  i.first_seen = row.first_seen;
  i.last_seen = row.last_seen;
  i.breach_count = row.breach_count;
  i.corroborations = row.corroborations;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BreachRow>> MemoryIntakeStore::ListBreachesObservedBetween(
    int64_t incident_id, absl::Time from, absl::Time to, int64_t limit) {
  std::vector<BreachRow> out;
  for (const auto& [id, row] : breaches_) {  // id order
    if (static_cast<int64_t>(out.size()) >= limit) break;
    if (row.incident_id == incident_id && row.observed_time >= from &&
        row.observed_time <= to) {
      out.push_back(row);
    }
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> MemoryIntakeStore::GetIncidentSteps(
    int64_t incident_id, absl::string_view target_key) {
  auto it = steps_.find({incident_id, std::string(target_key)});
  if (it == steps_.end()) return std::vector<int64_t>();
  return it->second;
}

absl::Status MemoryIntakeStore::PutIncidentSteps(
    int64_t incident_id, absl::string_view target_key,
    const std::vector<int64_t>& run_ids) {
  steps_[{incident_id, std::string(target_key)}] = run_ids;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ActionRunRow>> MemoryIntakeStore::GetRun(int64_t id) {
  if (id < 1 || id > static_cast<int64_t>(runs_.size())) {
    return std::optional<ActionRunRow>();
  }
  return std::optional<ActionRunRow>(runs_[id - 1]);
}

absl::StatusOr<std::vector<ActionRunRow>> MemoryIntakeStore::ListRunsOnTargets(
    absl::string_view tenant_id, const std::vector<std::string>& target_keys,
    const std::vector<runs::RunState>& states) {
  std::vector<ActionRunRow> out;
  for (const ActionRunRow& r : runs_) {
    if (r.tenant_id != tenant_id) continue;
    if (std::find(target_keys.begin(), target_keys.end(), r.target_key) ==
        target_keys.end()) {
      continue;
    }
    if (std::find(states.begin(), states.end(), r.state) == states.end()) {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

absl::StatusOr<int64_t> MemoryIntakeStore::CountAutonomousRuns(
    absl::string_view tenant_id, absl::string_view action, absl::Time since) {
  int64_t n = 0;
  for (const ActionRunRow& r : runs_) {
    if (r.tenant_id == tenant_id && r.action == action && r.autonomous &&
        r.created_at >= since) {
      ++n;
    }
  }
  return n;
}

absl::StatusOr<int64_t> MemoryIntakeStore::InsertDecision(const DecisionRow& row) {
  decisions_.push_back(row);
  decisions_.back().id = static_cast<int64_t>(decisions_.size());
  return decisions_.back().id;
}

absl::StatusOr<int64_t> MemoryIntakeStore::InsertActionRun(const ActionRunRow& row) {
  runs_.push_back(row);
  runs_.back().id = static_cast<int64_t>(runs_.size());
  return runs_.back().id;
}

absl::StatusOr<std::optional<std::string>> MemoryIntakeStore::GetSetting(
    absl::string_view key) {
  auto it = settings_.find(std::string(key));
  if (it == settings_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::StatusOr<audit::AuditRecord> MemoryIntakeStore::AppendAudit(
    const audit::AuditEvent& event) {
  audit::AuditRecord r;
  r.seq = static_cast<int64_t>(audit_.size()) + 1;
  r.time = now_;
  r.event = event;
  audit_.push_back(r);
  return r;
}

absl::Status MemoryIntakeStore::AppendOutbox(const OutboxRow& row) {
  for (const OutboxRow& stored : outbox_) {
    if (stored.uid == row.uid) return absl::OkStatus();
  }
  outbox_.push_back(row);
  outbox_.back().seq = static_cast<int64_t>(outbox_.size());
  return absl::OkStatus();
}

}  // namespace riposte::store
