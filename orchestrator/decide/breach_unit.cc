#include "orchestrator/decide/breach_unit.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/proto_time.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "ocsf/events.h"
#include "orchestrator/decide/decision_writer.h"
#include "orchestrator/entity/normal_form.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::decide {
namespace {

// At most this many reports of the same moment are compared: enough for
// every detector that saw one event, bounded whatever a detector floods.
constexpr int64_t kMaxCandidates = 32;

absl::Time ObservedTime(const v1::Breach& breach, absl::Time received) {
  return breach.has_observed_time() ? FromProtoTime(breach.observed_time())
                                    : received;
}

// Evidence values by key, normalised for comparison.
std::map<std::string, std::set<std::string>> EvidenceOf(const v1::Breach& b) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& e : b.evidence()) {
    out[e.key()].insert(
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(e.value())));
  }
  return out;
}

bool Disjoint(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a) {
    if (b.count(x) > 0) return false;
  }
  return true;
}

std::set<std::string> RelatedKeys(const v1::Breach& b) {
  std::set<std::string> out;
  for (const auto& e : b.related_entities()) out.insert(entity::SubjectKey(e));
  return out;
}

}  // namespace

bool SameActivity(const policies::Corroboration& settings, const v1::Breach& a,
                  const v1::Breach& b) {
  const auto ea = EvidenceOf(a);
  const auto eb = EvidenceOf(b);
  for (const auto& [key, values] : ea) {
    if (!settings.evidence_keys.empty() &&
        std::find(settings.evidence_keys.begin(), settings.evidence_keys.end(),
                  key) == settings.evidence_keys.end()) {
      continue;
    }
    auto other = eb.find(key);
    if (other != eb.end() && Disjoint(values, other->second)) return false;
  }
  const auto ra = RelatedKeys(a);
  const auto rb = RelatedKeys(b);
  return ra.empty() || rb.empty() || !Disjoint(ra, rb);
}

absl::StatusOr<std::optional<Corroborated>> FindCorroborated(
    store::IntakeTransaction& txn, const policies::Policy& policy,
    int64_t incident_id, const v1::Breach& breach, absl::Time observed) {
  const policies::Corroboration& settings = policy.corroboration;
  RIPOSTE_ASSIGN_OR_RETURN(
      auto candidates,
      txn.ListBreachesObservedBetween(incident_id, observed - settings.tolerance,
                                      observed + settings.tolerance,
                                      kMaxCandidates));
  const std::string family = policy.FamilyOf(breach.model_name());
  for (const store::BreachRow& row : candidates) {
    if (policy.FamilyOf(row.model_name) != family) continue;
    v1::Breach other;
    if (!other.ParseFromString(row.payload)) continue;
    if (!SameActivity(settings, breach, other)) continue;
    Corroborated c;
    c.stored_id = row.id;
    c.detector_id = row.detector_id;
    c.breach_id = row.breach_id;
    c.model_name = row.model_name;
    c.family = family;
    c.observed = row.observed_time;
    return std::optional<Corroborated>(std::move(c));
  }
  return std::optional<Corroborated>();
}

absl::StatusOr<v1::SubmitResponse> RecordBreach(store::IntakeTransaction& txn,
                                                const v1::Breach& sent,
                                                absl::Time received,
                                                const BreachUnitOptions& options) {
  // From here on, the breach as stored, keyed, decided and audited: hashes
  // lower-case whatever case the detector sent, so a resend in other case
  // is the same breach.
  const std::optional<v1::Breach> normal = entity::NormalForm(sent);
  const v1::Breach& b = normal.has_value() ? *normal : sent;
  v1::SubmitResponse resp;
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
    return resp;
  }

  const std::string subject_key = entity::SubjectKey(b.subject());
  const absl::Time observed = ObservedTime(b, received);
  const absl::Duration window = options.correlation_window;
  RIPOSTE_ASSIGN_OR_RETURN(auto latest,
                           txn.FindLatestIncident(b.tenant_id(), subject_key));
  store::IncidentRow incident;
  bool new_incident = true;
  int64_t prior_breaches = 0;
  std::optional<absl::Time> last_observed;
  std::optional<Corroborated> corroborates;
  if (latest.has_value() && observed >= latest->first_seen - window &&
      observed <= latest->last_seen + window) {
    incident = *latest;
    new_incident = false;
    prior_breaches = incident.breach_count;
    last_observed = incident.last_seen;
    if (options.policy != nullptr) {
      RIPOSTE_ASSIGN_OR_RETURN(
          corroborates,
          FindCorroborated(txn, *options.policy, incident.id, b, observed));
    }
    incident.first_seen = std::min(incident.first_seen, observed);
    incident.last_seen = std::max(incident.last_seen, observed);
    ++incident.breach_count;
    if (corroborates.has_value()) ++incident.corroborations;
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
    if (corroborates.has_value()) {
      d.AddInt("corroborates", corroborates->stored_id);
    }
    audit::AuditEvent ev;
    ev.actor = absl::StrCat("detector:", b.detector_id());
    ev.event = "breach.received";
    ev.subject = subject;
    ev.details = std::move(d).Finish();
    RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
  }
  if (options.policy != nullptr) {
    BreachContext ctx;
    ctx.breach = &b;
    ctx.breach_row_id = stored_id;
    ctx.incident_id = incident.id;
    ctx.observed = observed;
    ctx.now = received;
    ctx.audit_subject = subject;
    ctx.can_undo = options.can_undo;
    ctx.prior_breaches = prior_breaches;
    ctx.last_observed = last_observed;
    ctx.corroborates = corroborates;
    RIPOSTE_ASSIGN_OR_RETURN(*resp.mutable_decision(),
                             DecideAndRecord(txn, *options.policy, ctx));
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
  row.corroborates = corroborates.has_value() ? corroborates->stored_id : 0;

  resp.set_detector_id(b.detector_id());
  resp.set_breach_id(b.breach_id());
  resp.set_stored_breach_id(stored_id);
  resp.set_incident_id(incident.id);
  resp.set_new_incident(new_incident);
  if (corroborates.has_value()) {
    resp.set_corroborates_breach_id(corroborates->stored_id);
  }
  ToProtoTime(received, resp.mutable_received_time());
  if (!resp.SerializeToString(&row.outcome)) {
    return absl::InternalError("intake: cannot serialize outcome");
  }
  RIPOSTE_RETURN_IF_ERROR(txn.InsertBreach(row));
  // The breach and its decision for the data lake, in the same unit.
  ocsf::BreachFacts facts;
  facts.breach = &b;
  facts.stored_breach_id = stored_id;
  facts.incident_id = incident.id;
  facts.observed = observed;
  facts.received = received;
  if (resp.has_decision()) facts.decision = &resp.decision();
  RIPOSTE_RETURN_IF_ERROR(
      txn.AppendOutbox(ocsf::DetectionFinding(facts).ToRow()));
  return resp;
}

}  // namespace riposte::decide
