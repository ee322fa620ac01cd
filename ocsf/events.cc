#include "ocsf/events.h"

#include <cmath>
#include <initializer_list>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/sha256.h"
#include "metrics/exporter/build_info.h"
#include "runs/lifecycle.h"

namespace riposte::ocsf {
namespace {

// Category and class uids of the classes used (OCSF 1.3.0).
constexpr int64_t kFindings = 2, kIam = 3, kRemediation = 7;
constexpr int64_t kDetectionFinding = 2004;
constexpr int64_t kAccountChange = 3001;
constexpr int64_t kEntityManagement = 3004;
constexpr int64_t kRemediationActivity = 7001;
constexpr int64_t kFileRemediationActivity = 7002;
constexpr int kActivityOther = 99;

int64_t Millis(absl::Time t) { return absl::ToUnixMillis(t); }

// A uid from what the event is about: "riposte-" and 32 hex digits of a
// SHA-256 over the parts, so a uid never carries a detector's raw input.
std::string StableUid(std::initializer_list<absl::string_view> parts) {
  std::string text;
  for (absl::string_view p : parts) absl::StrAppend(&text, p.size(), ":", p);
  return absl::StrCat("riposte-", Sha256Hex(text).substr(0, 32));
}

// The classification attributes every event starts with.
void Classify(JsonObjectWriter& w, int64_t category, int64_t class_uid,
              int activity, absl::string_view activity_name,
              absl::string_view class_name, absl::string_view category_name) {
  w.AddInt("category_uid", category)
      .Add("category_name", category_name)
      .AddInt("class_uid", class_uid)
      .Add("class_name", class_name)
      .AddInt("activity_id", activity)
      .Add("activity_name", activity_name)
      .AddInt("type_uid", class_uid * 100 + activity)
      .Add("type_name", absl::StrCat(class_name, ": ", activity_name));
}

// Once per process: every event of every breach names it.
const std::string& BuildVersion() {
  static const std::string* version =
      new std::string(metrics::CompiledBuildInfo().version);
  return *version;
}

std::string Metadata(absl::string_view uid, absl::string_view tenant,
                     int64_t incident_id) {
  JsonObjectWriter product;
  product.Add("name", "Riposte")
      .Add("vendor_name", "Riposte")
      .Add("version", BuildVersion());
  JsonObjectWriter m;
  m.Add("version", kOcsfVersion).Add("uid", uid).AddRaw("product",
                                                        product.Finish());
  if (!tenant.empty()) m.Add("tenant_uid", tenant);
  if (incident_id > 0) {
    m.Add("correlation_uid", absl::StrCat("riposte-incident-", incident_id));
  }
  m.Add("log_name", "riposte");
  return m.Finish();
}

std::string RiposteActor() {
  return JsonObjectWriter().Add("app_name", "Riposte").Finish();
}

std::string UserObject(const v1::UserEntity& u) {
  JsonObjectWriter w;
  const std::string& name =
      u.user_principal_name().empty() ? u.id() : u.user_principal_name();
  w.Add("name", name);
  if (!u.id().empty()) w.Add("uid", u.id());
  if (absl::StrContains(u.user_principal_name(), "@")) {
    w.Add("email_addr", u.user_principal_name());
  }
  if (!u.display_name().empty()) w.Add("full_name", u.display_name());
  return w.Finish();
}

// The email object needs a sender and a recipient; without both the
// message is described in unmapped only.
std::optional<std::string> EmailObject(const v1::EmailEntity& e) {
  if (e.sender().empty() || e.mailbox().empty()) return std::nullopt;
  JsonObjectWriter w;
  w.Add("from", e.sender()).AddRaw("to", JsonArrayWriter().Add(e.mailbox()).Finish());
  if (!e.internet_message_id().empty()) w.Add("message_uid", e.internet_message_id());
  if (!e.graph_message_id().empty()) w.Add("uid", e.graph_message_id());
  if (!e.subject().empty()) w.Add("subject", e.subject());
  return w.Finish();
}

// What an entity is called, and its kind, as Riposte keys it.
std::pair<std::string, std::string> NameAndKind(const v1::Entity& e) {
  switch (e.kind_case()) {
    case v1::Entity::kUser:
      return {e.user().user_principal_name().empty() ? e.user().id()
                                                     : e.user().user_principal_name(),
              "user"};
    case v1::Entity::kEmail:
      return {e.email().internet_message_id().empty()
                  ? e.email().graph_message_id()
                  : e.email().internet_message_id(),
              "email"};
    case v1::Entity::kDevice:
      return {e.device().hostname().empty() ? e.device().id()
                                            : e.device().hostname(),
              "device"};
    case v1::Entity::kIp:
      return {e.ip().address(), "ip"};
    default:
      return {"", "unknown"};
  }
}

// An entity as a resource (resource_details: uid and type).
std::string Resource(const v1::Entity& e) {
  auto [name, kind] = NameAndKind(e);
  return JsonObjectWriter().Add("uid", name).Add("type", kind).Finish();
}

// An entity as evidence, in the evidences object that fits its kind.
std::optional<std::string> EntityEvidence(const v1::Entity& e) {
  JsonObjectWriter w;
  switch (e.kind_case()) {
    case v1::Entity::kUser:
      w.AddRaw("user", UserObject(e.user()));
      return w.Finish();
    case v1::Entity::kEmail: {
      std::optional<std::string> email = EmailObject(e.email());
      if (!email.has_value()) return std::nullopt;
      w.AddRaw("email", *email);
      return w.Finish();
    }
    case v1::Entity::kDevice: {
      JsonObjectWriter d;
      d.AddInt("type_id", 0);
      if (!e.device().hostname().empty()) d.Add("hostname", e.device().hostname());
      if (!e.device().id().empty()) d.Add("uid", e.device().id());
      w.AddRaw("device", d.Finish());
      return w.Finish();
    }
    case v1::Entity::kIp:
      w.AddRaw("src_endpoint",
               JsonObjectWriter().Add("ip", e.ip().address()).Finish());
      return w.Finish();
    default:
      return std::nullopt;
  }
}


}  // namespace

store::OutboxRow Event::ToRow() const {
  store::OutboxRow row;
  row.uid = uid;
  row.class_uid = class_uid;
  row.time = time;
  row.event = json;
  return row;
}

int SeverityIdForScore(double score) {
  if (score < 20) return 1;
  if (score < 40) return 2;
  if (score < 60) return 3;
  if (score < 80) return 4;
  return 5;
}

Event DetectionFinding(const BreachFacts& f) {
  static constexpr const char* kSeverity[] = {"Unknown", "Informational", "Low",
                                              "Medium",  "High", "Critical"};
  const v1::Breach& b = *f.breach;
  Event ev;
  ev.class_uid = kDetectionFinding;
  ev.uid = StableUid({"finding", b.tenant_id(), b.detector_id(), b.breach_id()});
  ev.time = f.observed;
  const int severity = SeverityIdForScore(b.score());

  JsonObjectWriter w;
  Classify(w, kFindings, kDetectionFinding, 1, "Create", "Detection Finding",
           "Findings");
  w.AddInt("time", Millis(ev.time))
      .AddInt("severity_id", severity)
      .Add("severity", kSeverity[severity])
      .AddInt("risk_score", static_cast<int64_t>(std::lround(b.score())))
      .AddInt("status_id", 1)
      .Add("status", "New")
      .AddRaw("metadata", Metadata(ev.uid, b.tenant_id(), f.incident_id));

  JsonArrayWriter sources;
  sources.Add(b.detector_id());
  JsonArrayWriter types;
  for (const std::string& tag : b.model_tags()) types.Add(tag);
  JsonObjectWriter info;
  info.Add("uid", absl::StrCat(b.detector_id(), "/", b.breach_id()))
      .Add("title", b.model_name())
      .AddRaw("analytic", JsonObjectWriter()
                              .Add("name", b.model_name())
                              .AddInt("type_id", kActivityOther)
                              .Add("type", "Detector model")
                              .Finish())
      .Add("product_uid", b.detector_id())
      .AddRaw("data_sources", sources.Finish())
      .AddInt("first_seen_time", Millis(ev.time))
      .AddInt("created_time", Millis(f.received));
  if (b.model_tags_size() > 0) info.AddRaw("types", types.Finish());
  w.AddRaw("finding_info", info.Finish());

  JsonArrayWriter resources;
  resources.AddRaw(Resource(b.subject()));
  for (const v1::Entity& e : b.related_entities()) resources.AddRaw(Resource(e));
  w.AddRaw("resources", resources.Finish());

  JsonArrayWriter evidences;
  if (auto subject = EntityEvidence(b.subject())) evidences.AddRaw(*subject);
  if (b.evidence_size() > 0) {
    JsonObjectWriter data;
    for (const v1::Evidence& e : b.evidence()) data.Add(e.key(), e.value());
    evidences.AddRaw(JsonObjectWriter().AddRaw("data", data.Finish()).Finish());
  }
  w.AddRaw("evidences", evidences.Finish());

  JsonObjectWriter unmapped;
  unmapped.AddInt("stored_breach_id", f.stored_breach_id)
      .AddInt("incident_id", f.incident_id)
      .Add("detector_id", b.detector_id())
      .Add("breach_id", b.breach_id())
      .AddDouble("score", b.score());
  if (f.decision != nullptr) {
    const v1::Decision& d = *f.decision;
    std::string desc = d.narrative();
    if (desc.empty()) desc = "Riposte decided no action.";
    w.AddRaw("remediation", JsonObjectWriter().Add("desc", desc).Finish());
    JsonArrayWriter actions;
    for (const v1::ProposedAction& a : d.actions()) {
      actions.AddRaw(JsonObjectWriter()
                         .AddInt("run_id", a.run_id())
                         .Add("action", a.action())
                         .Add("target", a.target_key())
                         .Add("state", a.state())
                         .Add("rule", a.rule())
                         .AddInt("rung", a.rung())
                         .Add("mode", a.rule_mode())
                         .Finish());
    }
    JsonArrayWriter rules;
    for (const std::string& r : d.matched_rules()) rules.Add(r);
    unmapped.AddInt("decision_id", d.decision_id())
        .Add("policy_version", d.policy_version())
        .AddRaw("matched_rules", rules.Finish())
        .AddRaw("actions", actions.Finish());
  }
  w.AddRaw("unmapped", unmapped.Finish());
  ev.json = w.Finish();
  return ev;
}

Event ActionEffect(const EffectFacts& f) {
  const store::ActionRunRow& run = *f.run;
  v1::Entity target;
  target.ParseFromString(run.target);
  Event ev;
  ev.uid = StableUid({"effect", run.tenant_id, absl::StrCat(run.id),
                      f.undo ? "undo" : "apply"});
  ev.time = f.at;
  JsonObjectWriter w;
  const std::string& a = run.action;
  if (a == "disable_user" || a == "force_logout") {
    ev.class_uid = kAccountChange;
    if (a == "force_logout") {
      Classify(w, kIam, kAccountChange, kActivityOther, "Revoke Sessions",
               "Account Change", "Identity & Access Management");
    } else if (f.undo) {
      Classify(w, kIam, kAccountChange, 2, "Enable", "Account Change",
               "Identity & Access Management");
    } else {
      Classify(w, kIam, kAccountChange, 5, "Disable", "Account Change",
               "Identity & Access Management");
    }
    w.AddRaw("user", target.has_user()
                         ? UserObject(target.user())
                         : JsonObjectWriter().Add("name", run.target_key).Finish());
  } else if (a == "strip_attachment") {
    ev.class_uid = kFileRemediationActivity;
    Classify(w, kRemediation, kFileRemediationActivity, f.undo ? 3 : 2,
             f.undo ? "Restore" : "Evict", "File Remediation Activity",
             "Remediation");
    std::string name = "attachment";
    if (target.has_email() && target.email().attachments_size() > 0) {
      name = target.email().attachments(0).name();
    }
    w.AddRaw("file", JsonObjectWriter()
                         .Add("name", name)
                         .AddInt("type_id", 1)
                         .Add("type", "Regular File")
                         .Finish());
  } else {
    // Quarantine, junk and any other remediation of a message or target.
    ev.class_uid = kRemediationActivity;
    const bool isolate = a == "quarantine_email" || a == "move_to_junk";
    Classify(w, kRemediation, kRemediationActivity,
             f.undo ? 3 : (isolate ? 1 : kActivityOther),
             f.undo ? "Restore" : (isolate ? "Isolate" : a),
             "Remediation Activity", "Remediation");
  }
  if (ev.class_uid == kAccountChange) {
    // Riposte made the change. (Remediation classes have an actor only
    // with the host profile, which does not describe Riposte.)
    w.AddRaw("actor", RiposteActor());
  } else {
    w.Add("command_uid", absl::StrCat("riposte-run-", run.id));
  }
  w.AddInt("time", Millis(f.at))
      .AddInt("severity_id", 1)
      .Add("severity", "Informational")
      .AddInt("status_id", 1)
      .Add("status", "Success")
      .AddRaw("metadata", Metadata(ev.uid, run.tenant_id, run.incident_id));
  if (!f.note.empty()) w.Add("status_detail", f.note);
  JsonObjectWriter unmapped;
  unmapped.AddInt("run_id", run.id)
      .AddInt("decision_id", run.decision_id)
      .Add("action", run.action)
      .Add("target", run.target_key)
      .Add("adapter", f.adapter)
      .Add("outcome", f.outcome)
      .Add("rule", run.rule)
      .AddInt("rung", run.rung)
      .AddBool("undo", f.undo);
  if (target.has_email()) {
    unmapped.Add("mailbox", target.email().mailbox())
        .Add("internet_message_id", target.email().internet_message_id());
  }
  w.AddRaw("unmapped", unmapped.Finish());
  ev.json = w.Finish();
  return ev;
}

Event OperatorCommand(const OperatorFacts& f) {
  const store::ActionRunRow& run = *f.run;
  Event ev;
  ev.class_uid = kEntityManagement;
  ev.uid = StableUid({"operator", run.tenant_id, absl::StrCat(run.id),
                      f.command, f.occurrence});
  ev.time = f.at;
  JsonObjectWriter w;
  Classify(w, kIam, kEntityManagement, 3, "Update", "Entity Management",
           "Identity & Access Management");
  JsonObjectWriter user;
  user.Add("name", f.identity);
  if (!f.role.empty()) user.Add("type", f.role);
  w.AddInt("time", Millis(f.at))
      .AddInt("severity_id", 1)
      .Add("severity", "Informational")
      .AddInt("status_id", 1)
      .Add("status", "Success")
      .AddRaw("metadata", Metadata(ev.uid, run.tenant_id, run.incident_id))
      .AddRaw("actor", JsonObjectWriter()
                           .AddRaw("user", user.Finish())
                           .Add("app_name", "riposte")
                           .Finish())
      .AddRaw("entity", JsonObjectWriter()
                            .Add("uid", absl::StrCat("riposte-run-", run.id))
                            .Add("name", absl::StrCat(run.action, " on ",
                                                      run.target_key))
                            .Add("type", "Action Run")
                            .Finish())
      .Add("comment", f.reason.empty() ? f.command
                                        : absl::StrCat(f.command, ": ", f.reason));
  w.AddRaw("unmapped", JsonObjectWriter()
                           .Add("command", f.command)
                           .AddInt("run_id", run.id)
                           .Add("action", run.action)
                           .Add("target", run.target_key)
                           .Add("state", runs::RunStateName(run.state))
                           .Finish());
  ev.json = w.Finish();
  return ev;
}

}  // namespace riposte::ocsf
