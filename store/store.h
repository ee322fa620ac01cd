#ifndef RIPOSTE_STORE_STORE_H_
#define RIPOSTE_STORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "audit/audit_record.h"
#include "audit/chain_verifier.h"
#include "audit/coverage_check.h"
#include "runs/lifecycle.h"
#include "store/outbox.h"

namespace riposte::store {

// One accepted breach as stored.
struct BreachRow {
  int64_t id = 0;  // from AllocateBreachId
  std::string detector_id;
  std::string breach_id;
  std::string tenant_id;
  std::string subject_key;
  std::string model_name;
  double score = 0;
  absl::Time observed_time;
  absl::Time received_time;
  int64_t incident_id = 0;
  std::string payload;         // serialized riposte.v1.Breach
  std::string payload_digest;  // hex SHA-256 of payload
  std::string outcome;         // serialized riposte.v1.SubmitResponse
  // The stored id of the earlier report of the same activity that this one
  // repeats (another detector, or a resend under a new id); 0 = none.
  int64_t corroborates = 0;
};

// Breaches about one subject that arrived close together.
struct IncidentRow {
  int64_t id = 0;  // assigned by InsertIncident
  std::string tenant_id;
  std::string subject_key;
  std::string subject_kind;  // "user", "email", "device", "ip"
  absl::Time first_seen;
  absl::Time last_seen;
  int64_t breach_count = 0;
  // Breaches that repeated an earlier report of the same activity.
  int64_t corroborations = 0;
};

// What the policy engine decided for one breach.
struct DecisionRow {
  int64_t id = 0;  // assigned by InsertDecision
  int64_t breach_id = 0;
  int64_t incident_id = 0;
  std::string tenant_id;
  std::string policy_version;
  absl::Time decided_at;
  std::string matched_rules;  // JSON array of rule names
  std::string narrative;
};

// One decided action on one target, through its lifecycle.
struct ActionRunRow {
  int64_t id = 0;  // assigned by InsertActionRun
  int64_t decision_id = 0;
  int64_t incident_id = 0;
  std::string tenant_id;
  std::string action;
  std::string target_kind;  // "user", "email"
  std::string target_key;   // e.g. "user:alice@contoso.com"
  std::string target;       // serialized riposte.v1.Entity
  runs::RunState state = runs::RunState::kProposed;
  std::string rule;
  int64_t rung = 0;
  std::string rule_mode;  // the mode the rule asked for
  bool autonomous = false;  // runs without waiting for an operator
  bool reversible = false;  // can be undone (then active until reverted)
  absl::Duration duration = absl::ZeroDuration();  // zero: no expiry
  std::optional<absl::Time> approval_deadline;
  std::string on_approval_expiry;
  bool two_person = false;
  std::string gates;  // comma-separated gate names, e.g. "cap,budget"
  // Unique; lets an adapter recognise a retried effect.
  std::string idempotency_key;
  absl::Time created_at;
  absl::Time updated_at;

  // Execution bookkeeping (see the executor).
  absl::Time not_before = absl::InfinitePast();  // not tried again before
  int64_t attempts = 0;
  std::string lease_holder;  // "" when not leased
  absl::Time lease_expires = absl::InfinitePast();
  int64_t fence = 0;  // bumped on every lease; guards every update
  std::string last_error;
  std::optional<absl::Time> expires_at;  // when an active run is undone
  std::string memo;                      // adapter state for the revert
  std::optional<absl::Time> first_attempt_at;
  std::optional<absl::Time> effect_at;  // when the effect was made
  // Operators who approved (JSON array of identities), for two-person runs.
  std::string approvers = "[]";
  // The approval request went to a second approver after its deadline.
  bool escalated = false;
  // Set by ClaimDueRun: the state the run was in before this lease
  // (running or reverting means a dead worker's lease was taken over).
  std::optional<runs::RunState> claimed_from;
  // What the adapter reported last ("applied", "already_applied",
  // "reverted", "already_reverted", "nothing_to_undo"; "" before any
  // outcome), and its note in words ("account was disabled before Riposte
  // acted; left disabled").
  std::string outcome;
  std::string outcome_note;
};

// A change to a leased run, applied only while the caller still holds the
// lease (the fence matches).
struct RunUpdate {
  int64_t id = 0;
  int64_t fence = 0;
  runs::RunState state = runs::RunState::kQueued;
  absl::Time not_before = absl::InfinitePast();
  std::string last_error;
  std::optional<std::string> memo;  // unchanged if unset
  std::optional<absl::Time> expires_at;  // unchanged if unset
  std::optional<absl::Time> effect_at;   // unchanged if unset
  // Undo the attempt count of this lease (the call never happened, or it
  // was throttled: waiting is not a failed attempt).
  bool refund_attempt = false;
  // The adapter's outcome and note; both unchanged if unset.
  std::optional<std::string> outcome;
  std::string outcome_note;
  // Set false when the adapter reports that Riposte cannot undo the effect;
  // unchanged if unset.
  std::optional<bool> reversible;
  absl::Time now;
};

// Filters for operator listings. Empty fields match everything. Results
// come newest first; `before_id` (0 = none) pages through them.
struct IncidentFilter {
  std::string tenant_id;
  std::string subject_key;
  absl::Time since = absl::InfinitePast();   // last_seen >= since
  absl::Time until = absl::InfiniteFuture();  // last_seen < until
  int64_t before_id = 0;
  int64_t limit = 50;
};

struct RunFilter {
  std::vector<runs::RunState> states;
  std::string tenant_id;
  std::string target_key;
  std::string action;
  int64_t incident_id = 0;
  absl::Time since = absl::InfinitePast();   // created_at >= since
  absl::Time until = absl::InfiniteFuture();  // created_at < until
  int64_t before_id = 0;
  int64_t limit = 50;
};

// An operator's change to a run that no worker holds. Applied only if the
// run is still in `expected_state` and unleased; otherwise
// FailedPrecondition (it changed meanwhile).
struct OperatorRunUpdate {
  int64_t id = 0;
  runs::RunState expected_state = runs::RunState::kProposed;
  runs::RunState state = runs::RunState::kProposed;
  std::optional<absl::Time> expires_at;  // cleared if unset
  std::optional<absl::Time> approval_deadline;  // cleared if unset
  std::string approvers = "[]";
  bool escalated = false;
  absl::Time not_before = absl::InfinitePast();
  bool reset_attempts = false;
  absl::Time now;
};

// What the metrics endpoint shows about the store at scrape time.
struct StoreGauges {
  int64_t awaiting_approval = 0;
  // Created time of the oldest run awaiting approval, if any.
  std::optional<absl::Time> oldest_awaiting;
  int64_t active = 0;
  // Runs waiting for a worker: autonomous proposed, queued, approved.
  int64_t queued = 0;
  int64_t running = 0;
  int64_t failed = 0;
  int64_t audit_head_seq = 0;
  // The database file's pages (page_count * page_size), what is free among
  // them (reusable, or returned by ReclaimSpace), and the write-ahead log.
  int64_t size_bytes = 0;
  int64_t free_bytes = 0;
  int64_t wal_bytes = 0;
};

// One batch of retention (docs/RETENTION.md): which incidents may go. An
// incident goes with its breaches, decisions, runs and steps, and only when
// all of these hold:
//  - no breach of it was observed or received at or after
//    `activity_before` (the caller makes that at least the correlation
//    window ago, so no new breach can join it);
//  - every run of it is final (runs::IsFinal: observed, suppressed,
//    rejected, approval_expired, done, reverted) and none changed at or
//    after `runs_changed_before`; so nothing open, awaiting approval,
//    approved, running, active (an effect still to revert), reverting or
//    failed (awaiting a retry) is ever touched;
//  - it does not hold the newest breach, decision or run, nor is it the
//    newest incident (so ids are never handed out twice).
struct PruneRequest {
  absl::Time activity_before = absl::InfinitePast();
  absl::Time runs_changed_before = absl::InfinitePast();
  int64_t after_id = 0;  // look at incidents with a greater id
  int64_t limit = 500;   // incidents looked at in this batch
};

struct PruneResult {
  int64_t incidents = 0;
  int64_t breaches = 0;
  int64_t decisions = 0;
  int64_t runs = 0;
  int64_t last_id = 0;  // pass as after_id for the next batch
  bool done = false;    // no incident after last_id
};

// Row counts, for operators and tests.
struct StoreStats {
  int64_t breaches = 0;
  int64_t incidents = 0;
  int64_t audit_records = 0;
  int64_t decisions = 0;
  int64_t action_runs = 0;
};

// The operations a breach's unit of work uses: idempotency, correlation,
// the incident's compact state, the decision and its runs, and the audit
// trail. The intake runs it against the store; Simulate runs the very same
// code against an in-memory implementation. Every method returns Internal
// or Unavailable when the engine fails; the unit of work is then rolled
// back as a whole. Only valid during the Work call that received it.
class IntakeTransaction {
 public:
  virtual ~IntakeTransaction() = default;

  virtual absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view detector_id, absl::string_view breach_id) = 0;
  // A fresh breach id, so the outcome naming it can be written with the
  // row in one statement. Ids increase; a rolled-back unit leaves a gap.
  virtual absl::StatusOr<int64_t> AllocateBreachId() = 0;
  // Inserts `row` under row.id. AlreadyExists if (detector_id, breach_id)
  // or the id is taken.
  virtual absl::Status InsertBreach(const BreachRow& row) = 0;

  // The incident of (tenant, subject) seen most recently, if any.
  virtual absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view tenant_id, absl::string_view subject_key) = 0;
  virtual absl::StatusOr<int64_t> InsertIncident(const IncidentRow& row) = 0;
  // Writes first_seen, last_seen, breach_count and corroborations of an
  // existing incident.
  virtual absl::Status UpdateIncident(const IncidentRow& row) = 0;

  // Breaches of an incident observed within [from, to], in id order, at
  // most `limit`: the reports a new one may repeat. Indexed, so its cost
  // does not grow with the incident.
  virtual absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t incident_id, absl::Time from, absl::Time to, int64_t limit) = 0;
  // The incident's steps on one target: ids of the runs its decisions made
  // there that were not suppressed (a bounded list the intake maintains),
  // so escalation reads a few runs, not the incident's history. Empty if
  // none.
  virtual absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t incident_id, absl::string_view target_key) = 0;
  virtual absl::Status PutIncidentSteps(int64_t incident_id,
                                        absl::string_view target_key,
                                        const std::vector<int64_t>& run_ids) = 0;
  virtual absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t id) = 0;

  // Runs of a tenant on any of `target_keys` whose state is one of
  // `states`, in id order.
  virtual absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states) = 0;
  // Autonomous runs of `action` in a tenant created at or after `since`.
  virtual absl::StatusOr<int64_t> CountAutonomousRuns(
      absl::string_view tenant_id, absl::string_view action,
      absl::Time since) = 0;
  virtual absl::StatusOr<int64_t> InsertDecision(const DecisionRow& row) = 0;
  virtual absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow& row) = 0;

  // Small durable settings (e.g. the global pause).
  virtual absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view key) = 0;

  // Appends to the audit chain; returns the sealed record. The record is
  // durable exactly when the rest of the unit of work is.
  virtual absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent& event) = 0;

  // Adds an OCSF event to the outbox (store/outbox.h), durable exactly when
  // the rest of the unit is; row.seq is ignored and assigned. A row whose
  // uid is already in the outbox is the same event rendered again: it is
  // not added twice, and that is not an error.
  virtual absl::Status AppendOutbox(const OutboxRow& row) = 0;
};

// What the executor's workers do inside a unit of work: lease due runs,
// record what happened, and read the decision behind a run. Besides the
// intake's reads and audit trail (GetRun, GetSetting, AppendAudit).
class ExecutorTransaction : public virtual IntakeTransaction {
 public:
  // Leases the run that is due first, if any, for `holder` until
  // `lease_until`: autonomous proposed, queued and approved runs (state
  // becomes running), running or reverting runs whose lease has expired
  // (taken over), and active runs whose expiry has passed (state becomes
  // reverting). Bumps fence and attempts. Returns the run as leased.
  virtual absl::StatusOr<std::optional<ActionRunRow>> ClaimDueRun(
      absl::string_view holder, absl::Time now, absl::Time lease_until) = 0;
  // Applies `update` and clears the lease. FailedPrecondition if the fence
  // no longer matches (the lease was lost to another worker).
  virtual absl::Status UpdateLeasedRun(const RunUpdate& update) = 0;
  // Stores an adapter's memo for a leased run before it acts.
  // FailedPrecondition if the fence no longer matches.
  virtual absl::Status CheckpointRunMemo(int64_t id, int64_t fence,
                                         absl::string_view memo) = 0;
  // When the next run becomes due (for idle workers), if any is pending.
  virtual absl::StatusOr<std::optional<absl::Time>> NextDueTime(
      absl::Time now) = 0;
  // Ends every lease not held by `holder`. Only for engines that one
  // process owns exclusively (see Store::exclusive): after a restart every
  // other lease belongs to a dead process. Returns how many.
  virtual absl::StatusOr<int64_t> ReleaseForeignLeases(
      absl::string_view holder, absl::Time now) = 0;
  // The decision that proposed runs, e.g. for its narrative.
  virtual absl::StatusOr<std::optional<DecisionRow>> GetDecision(int64_t id) = 0;
};

// What operators' commands and the approval sweeper change: runs no worker
// holds, and settings (e.g. the global pause).
class OperatorTransaction : public virtual IntakeTransaction {
 public:
  // Applies an operator's change (approve, reject, extend, revert, retry).
  virtual absl::Status UpdateRunForOperator(const OperatorRunUpdate& update) = 0;
  // Runs awaiting approval whose deadline is at or before `now`.
  virtual absl::StatusOr<std::vector<ActionRunRow>> ListExpiredApprovals(
      absl::Time now) = 0;

  virtual absl::Status PutSetting(absl::string_view key,
                                  absl::string_view value) = 0;
};

// What retention and the audit archiver remove (docs/RETENTION.md).
class RetentionTransaction : public virtual IntakeTransaction {
 public:
  // Removes the incidents of one batch that retention allows (see
  // PruneRequest), each with everything that belongs to it.
  virtual absl::StatusOr<PruneResult> PruneIncidents(
      const PruneRequest& request) = 0;
  // Returns up to `max_pages` free pages to the file system (the file
  // shrinks when the unit commits). Returns how many pages were free before.
  virtual absl::StatusOr<int64_t> ReclaimSpace(int64_t max_pages) = 0;

  // How many of `rows` are still stored (for archiving the audit records
  // that name them: a segment leaves only once its rows are gone).
  virtual absl::StatusOr<int64_t> CountStoredRows(
      const audit::AuditedRows& rows) = 0;
  // Removes the audit records up to and including `base.seq`, which was
  // archived, and makes `base` the chain's new start (ReadAuditBase).
  // FailedPrecondition unless record base.seq is stored with base.hash and
  // at least one record follows it (the chain's head always stays).
  virtual absl::Status RemoveArchivedAudit(const audit::ChainBase& base) = 0;
  // Removes the first `limit` (in seq order) outbox rows with seq <=
  // up_to_seq (every sink has delivered them) whose time is before
  // `before`. Returns how many.
  virtual absl::StatusOr<int64_t> PruneOutbox(int64_t up_to_seq,
                                              absl::Time before,
                                              int64_t limit) = 0;
};

// Every operation available inside one unit of work: the union of the
// roles. An engine implements this; code that plays one role takes that
// role's interface. (The roles share IntakeTransaction as a virtual base, so
// a Transaction is one IntakeTransaction.)
class Transaction : public ExecutorTransaction,
                    public OperatorTransaction,
                    public RetentionTransaction {};

// Durable storage behind one interface, whatever the engine. Thread-safe.
//
// Writes happen in units of work. Concurrent units share one physical
// transaction and one sync to disk (group commit), yet each unit succeeds
// or fails on its own: a failed unit is rolled back without touching the
// others.
class Store {
 public:
  // Runs inside the store's writer; must not block on anything but the
  // Transaction. A non-OK return rolls the unit back and is passed to Done.
  using Work = absl::AnyInvocable<absl::Status(Transaction&)>;
  // Called once, after the unit is durable (OK) or abandoned (non-OK), on a
  // store thread: it must be quick and must not call back into the store.
  using Done = absl::AnyInvocable<void(absl::Status)>;

  virtual ~Store() = default;

  // Queues a unit of work. After Close, `done` gets Unavailable at once.
  virtual void Execute(Work work, Done done) = 0;

  // Execute, then wait for the outcome. Never call from a Done callback.
  absl::Status ExecuteAndWait(Work work);

  // Audit records with seq > after_seq, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<audit::AuditRecord>> ReadAudit(
      int64_t after_seq, int64_t limit) = 0;

  // Outbox rows with seq > after_seq, in seq order, at most `limit`.
  virtual absl::StatusOr<std::vector<OutboxRow>> ReadOutbox(
      int64_t after_seq, int64_t limit) = 0;
  // The highest seq of a stored outbox row (0 when none is stored: retention
  // removes only rows every sink has delivered).
  virtual absl::StatusOr<int64_t> LastOutboxSeq() = 0;

  // Recomputes the whole audit chain, from its base.
  virtual absl::StatusOr<audit::VerifyResult> VerifyAudit() = 0;

  // The last record archived out of the store (0 and the genesis hash when
  // none was): the stored chain's first record follows it.
  virtual absl::StatusOr<audit::ChainBase> ReadAuditBase() = 0;

  // The id of every stored breach and decision and the id and state of
  // every action run, in id order: what each must have an audit record for
  // (see audit::CoverageCheck).
  virtual absl::StatusOr<audit::AuditedRows> ListAuditedRows() = 0;

  virtual absl::StatusOr<std::optional<BreachRow>> GetBreach(
      absl::string_view detector_id, absl::string_view breach_id) = 0;

  virtual absl::StatusOr<StoreStats> Stats() = 0;

  // Finishes every queued unit, then releases the engine. Idempotent.
  virtual void Close() = 0;

  // True when one process owns the store exclusively (the embedded engine):
  // leases of other holders then belong to dead processes.
  virtual bool exclusive() const = 0;

  // Action runs, newest first, at most `limit` (for operators and tests).
  virtual absl::StatusOr<std::vector<ActionRunRow>> ListRuns(
      int64_t limit) = 0;

  // Read side for operators; never blocks the writer.
  virtual absl::StatusOr<std::vector<IncidentRow>> FindIncidents(
      const IncidentFilter& filter) = 0;
  virtual absl::StatusOr<std::optional<IncidentRow>> GetIncident(
      int64_t id) = 0;
  virtual absl::StatusOr<std::vector<ActionRunRow>> FindRuns(
      const RunFilter& filter) = 0;
  // An incident's breaches (oldest first) and decisions (in order).
  virtual absl::StatusOr<std::vector<BreachRow>> IncidentBreaches(
      int64_t incident_id) = 0;
  virtual absl::StatusOr<std::vector<DecisionRow>> IncidentDecisions(
      int64_t incident_id) = 0;
  virtual absl::StatusOr<std::optional<std::string>> ReadSetting(
      absl::string_view key) = 0;
  // Cheap indexed counts for the metrics endpoint.
  virtual absl::StatusOr<StoreGauges> Gauges() = 0;
};

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_STORE_H_
