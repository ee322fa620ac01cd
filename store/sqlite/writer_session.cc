#include "store/sqlite/writer_session.h"

#include <utility>

#include "common/status_macros.h"

namespace riposte::store::sqlite {

absl::StatusOr<std::optional<BreachRow>> SqliteTransaction::FindBreach(
    absl::string_view detector_id, absl::string_view breach_id) {
  return t_.breaches.Find(detector_id, breach_id);
}

absl::StatusOr<int64_t> SqliteTransaction::AllocateBreachId() {
  return next_breach_id_++;
}

absl::Status SqliteTransaction::InsertBreach(const BreachRow& row) {
  return t_.breaches.Insert(row);
}

absl::StatusOr<std::optional<IncidentRow>>
SqliteTransaction::FindLatestIncident(absl::string_view tenant_id,
                                      absl::string_view subject_key) {
  return t_.incidents.FindLatest(tenant_id, subject_key);
}

absl::StatusOr<int64_t> SqliteTransaction::InsertIncident(
    const IncidentRow& row) {
  return t_.incidents.Insert(row);
}

absl::Status SqliteTransaction::UpdateIncident(const IncidentRow& row) {
  return t_.incidents.Update(row);
}

absl::StatusOr<std::vector<BreachRow>>
SqliteTransaction::ListBreachesObservedBetween(int64_t incident_id,
                                               absl::Time from, absl::Time to,
                                               int64_t limit) {
  return t_.breaches.ObservedBetween(incident_id, from, to, limit);
}

absl::StatusOr<std::vector<int64_t>> SqliteTransaction::GetIncidentSteps(
    int64_t incident_id, absl::string_view target_key) {
  return t_.steps.Get(incident_id, target_key);
}

absl::Status SqliteTransaction::PutIncidentSteps(
    int64_t incident_id, absl::string_view target_key,
    const std::vector<int64_t>& run_ids) {
  return t_.steps.Put(incident_id, target_key, run_ids);
}

absl::StatusOr<std::optional<ActionRunRow>> SqliteTransaction::GetRun(
    int64_t id) {
  return t_.runs.Get(id);
}

absl::StatusOr<std::vector<ActionRunRow>> SqliteTransaction::ListRunsOnTargets(
    absl::string_view tenant_id, const std::vector<std::string>& target_keys,
    const std::vector<runs::RunState>& states) {
  return t_.runs.OnTargets(tenant_id, target_keys, states);
}

absl::StatusOr<int64_t> SqliteTransaction::CountAutonomousRuns(
    absl::string_view tenant_id, absl::string_view action, absl::Time since) {
  return t_.runs.CountAutonomous(tenant_id, action, since);
}

absl::StatusOr<int64_t> SqliteTransaction::InsertDecision(
    const DecisionRow& row) {
  return t_.decisions.Insert(row);
}

absl::StatusOr<int64_t> SqliteTransaction::InsertActionRun(
    const ActionRunRow& row) {
  return t_.runs.Insert(row);
}

absl::StatusOr<std::optional<std::string>> SqliteTransaction::GetSetting(
    absl::string_view key) {
  return t_.settings.Get(key);
}

absl::StatusOr<audit::AuditRecord> SqliteTransaction::AppendAudit(
    const audit::AuditEvent& event) {
  return t_.audit.Append(event, clock_->Now());
}

absl::Status SqliteTransaction::AppendOutbox(const OutboxRow& row) {
  return t_.outbox.Append(row);
}

absl::StatusOr<std::optional<ActionRunRow>> SqliteTransaction::ClaimDueRun(
    absl::string_view holder, absl::Time now, absl::Time lease_until) {
  return t_.runs.ClaimDue(holder, now, lease_until);
}

absl::Status SqliteTransaction::UpdateLeasedRun(const RunUpdate& update) {
  return t_.runs.UpdateLeased(update);
}

absl::Status SqliteTransaction::CheckpointRunMemo(int64_t id, int64_t fence,
                                                  absl::string_view memo) {
  return t_.runs.CheckpointMemo(id, fence, memo);
}

absl::StatusOr<std::optional<absl::Time>> SqliteTransaction::NextDueTime(
    absl::Time) {
  return t_.runs.NextDueTime();
}

absl::StatusOr<int64_t> SqliteTransaction::ReleaseForeignLeases(
    absl::string_view holder, absl::Time now) {
  return t_.runs.ReleaseForeignLeases(holder, now);
}

absl::StatusOr<std::optional<DecisionRow>> SqliteTransaction::GetDecision(
    int64_t id) {
  return t_.decisions.Get(id);
}

absl::Status SqliteTransaction::UpdateRunForOperator(
    const OperatorRunUpdate& update) {
  return t_.runs.UpdateForOperator(update);
}

absl::StatusOr<std::vector<ActionRunRow>>
SqliteTransaction::ListExpiredApprovals(absl::Time now) {
  return t_.runs.ExpiredApprovals(now);
}

absl::Status SqliteTransaction::PutSetting(absl::string_view key,
                                           absl::string_view value) {
  return t_.settings.Put(key, value);
}

absl::StatusOr<PruneResult> SqliteTransaction::PruneIncidents(
    const PruneRequest& request) {
  return t_.retention.PruneIncidents(request);
}

absl::StatusOr<int64_t> SqliteTransaction::ReclaimSpace(int64_t max_pages) {
  return t_.retention.ReclaimSpace(max_pages);
}

absl::StatusOr<int64_t> SqliteTransaction::CountStoredRows(
    const audit::AuditedRows& rows) {
  return t_.retention.CountStoredRows(rows);
}

absl::Status SqliteTransaction::RemoveArchivedAudit(
    const audit::ChainBase& base) {
  return t_.audit.RemoveArchived(base);
}

absl::StatusOr<int64_t> SqliteTransaction::PruneOutbox(int64_t up_to_seq,
                                                       absl::Time before,
                                                       int64_t limit) {
  return t_.outbox.Prune(up_to_seq, before, limit);
}

absl::StatusOr<std::unique_ptr<WriterSession>> WriterSession::Open(
    Database& db, Clock* clock) {
  std::unique_ptr<WriterSession> session(new WriterSession(db));
  RIPOSTE_RETURN_IF_ERROR(session->tables_.audit.LoadTip());
  RIPOSTE_ASSIGN_OR_RETURN(int64_t max_breach_id,
                           session->tables_.breaches.MaxId());
  session->txn_ = std::make_unique<SqliteTransaction>(session->tables_, clock,
                                                      max_breach_id + 1);
  return session;
}

absl::Status WriterSession::Run(CachedStatement& statement, const char* sql) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, statement.Get(db_, sql));
  ResetOnExit reset(*s);
  return s->Run();
}

absl::Status WriterSession::Begin() {
  batch_tip_ = tables_.audit.tip();
  return Run(begin_, "BEGIN IMMEDIATE");
}

absl::Status WriterSession::Savepoint() {
  return Run(savepoint_, "SAVEPOINT unit");
}

absl::Status WriterSession::Release() { return Run(release_, "RELEASE unit"); }

absl::Status WriterSession::RollbackToSavepoint() {
  return Run(rollback_to_, "ROLLBACK TO unit");
}

absl::Status WriterSession::Commit() { return Run(commit_, "COMMIT"); }

void WriterSession::Rollback() { Run(rollback_, "ROLLBACK").IgnoreError(); }

}  // namespace riposte::store::sqlite
