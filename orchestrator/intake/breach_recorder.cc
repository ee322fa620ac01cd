#include "orchestrator/intake/breach_recorder.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/proto_time.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/decide/decision_writer.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::intake {
namespace {

absl::Time ObservedTime(const v1::Breach& breach, absl::Time received) {
  return breach.has_observed_time() ? FromProtoTime(breach.observed_time())
                                    : received;
}

}  // namespace

void BreachRecorder::Record(v1::Breach breach, Done done) {
  // Shared between the unit of work and its completion.
  struct State {
    v1::Breach breach;
    v1::SubmitResponse response;
    Done done;
  };
  auto state = std::make_shared<State>();
  state->breach = std::move(breach);
  state->done = std::move(done);
  const absl::Time received =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  const absl::Duration window = window_;
  // One snapshot for the whole unit of work, whatever reloads meanwhile.
  std::shared_ptr<const policies::Policy> policy =
      policies_ != nullptr ? policies_->Get() : nullptr;

  const decide::UndoCheck* can_undo = &can_undo_;  // outlives the store's work
  auto work = [state, received, window, policy,
               can_undo](store::Transaction& txn) -> absl::Status {
    const v1::Breach& b = state->breach;
    v1::SubmitResponse& resp = state->response;
    std::string payload;
    if (!b.SerializeToString(&payload)) {
      return absl::InternalError("intake: cannot serialize breach");
    }
    const std::string digest = Sha256Hex(payload);

    RIPOSTE_ASSIGN_OR_RETURN(auto existing,
                             txn.FindBreach(b.detector_id(), b.breach_id()));
    if (existing.has_value()) {
      if (!resp.ParseFromString(existing->outcome)) {
        return absl::InternalError(absl::StrCat(
            "intake: stored outcome of breach ", existing->id, " is corrupt"));
      }
      resp.set_duplicate(true);
      resp.set_duplicate_differs(existing->payload_digest != digest);
      return absl::OkStatus();
    }

    const std::string subject_key = entity::SubjectKey(b.subject());
    const absl::Time observed = ObservedTime(b, received);
    RIPOSTE_ASSIGN_OR_RETURN(auto latest,
                             txn.FindLatestIncident(b.tenant_id(), subject_key));
    store::IncidentRow incident;
    bool new_incident = true;
    if (latest.has_value() && observed >= latest->first_seen - window &&
        observed <= latest->last_seen + window) {
      incident = *latest;
      new_incident = false;
      incident.first_seen = std::min(incident.first_seen, observed);
      incident.last_seen = std::max(incident.last_seen, observed);
      ++incident.breach_count;
      RIPOSTE_RETURN_IF_ERROR(txn.UpdateIncident(incident));
    } else {
      incident.tenant_id = b.tenant_id();
      incident.subject_key = subject_key;
      incident.subject_kind = entity::SubjectKind(b.subject());
      incident.first_seen = observed;
      incident.last_seen = observed;
      incident.breach_count = 1;
      RIPOSTE_ASSIGN_OR_RETURN(incident.id, txn.InsertIncident(incident));
    }

    RIPOSTE_ASSIGN_OR_RETURN(const int64_t stored_id, txn.AllocateBreachId());
    const std::string subject = absl::StrCat(b.tenant_id(), "/", subject_key);
    if (new_incident) {
      JsonObjectWriter d;
      d.AddInt("incident_id", incident.id);
      d.Add("subject_kind", incident.subject_kind);
      audit::AuditEvent ev;
      ev.actor = "system";
      ev.event = "incident.opened";
      ev.subject = subject;
      ev.details = std::move(d).Finish();
      RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
    }
    {
      JsonObjectWriter d;
      d.Add("detector_id", b.detector_id());
      d.Add("breach_id", b.breach_id());
      d.AddInt("stored_breach_id", stored_id);
      d.AddInt("incident_id", incident.id);
      d.Add("model_name", b.model_name());
      d.AddDouble("score", b.score());
      d.Add("payload_sha256", digest);
      audit::AuditEvent ev;
      ev.actor = absl::StrCat("detector:", b.detector_id());
      ev.event = "breach.received";
      ev.subject = subject;
      ev.details = std::move(d).Finish();
      RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
    }
    if (policy != nullptr) {
      decide::BreachContext ctx;
      ctx.breach = &b;
      ctx.breach_row_id = stored_id;
      ctx.incident_id = incident.id;
      ctx.observed = observed;
      ctx.now = received;
      ctx.audit_subject = subject;
      ctx.can_undo = *can_undo;
      RIPOSTE_ASSIGN_OR_RETURN(*resp.mutable_decision(),
                               decide::DecideAndRecord(txn, *policy, ctx));
    }

    store::BreachRow row;
    row.detector_id = b.detector_id();
    row.breach_id = b.breach_id();
    row.tenant_id = b.tenant_id();
    row.subject_key = subject_key;
    row.model_name = b.model_name();
    row.score = b.score();
    row.observed_time = observed;
    row.received_time = received;
    row.incident_id = incident.id;
    row.payload = std::move(payload);
    row.payload_digest = digest;
    row.id = stored_id;

    resp.set_detector_id(b.detector_id());
    resp.set_breach_id(b.breach_id());
    resp.set_stored_breach_id(stored_id);
    resp.set_incident_id(incident.id);
    resp.set_new_incident(new_incident);
    ToProtoTime(received, resp.mutable_received_time());
    if (!resp.SerializeToString(&row.outcome)) {
      return absl::InternalError("intake: cannot serialize outcome");
    }
    return txn.InsertBreach(row);
  };

  auto* hook = on_recorded_ ? &on_recorded_ : nullptr;
  store_->Execute(std::move(work), [state, hook](absl::Status status) {
    if (!status.ok()) {
      state->done(std::move(status));
      return;
    }
    if (hook != nullptr && !state->response.duplicate()) {
      (*hook)(state->response);
    }
    state->done(std::move(state->response));
  });
}

}  // namespace riposte::intake
