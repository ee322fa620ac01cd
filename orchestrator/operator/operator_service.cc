#include "orchestrator/operator/operator_service.h"

#include "common/status_macros.h"
#include "orchestrator/operator/request_checks.h"

#include <grpcpp/alarm.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "common/json_value.h"
#include "common/proto_time.h"
#include "common/text_rules.h"
#include "orchestrator/decide/simulator.h"
#include "policies/policy_loader.h"
#include "runs/lifecycle.h"

namespace riposte::operator_api {
namespace {

// "breach.score: ..." for breach i -> "breaches[i].score: ...".
std::string Renamed(const std::string& message, int index) {
  const std::string prefix = absl::StrCat("breaches[", index, "]");
  if (absl::StartsWith(message, "breach")) return prefix + message.substr(6);
  return absl::StrCat(prefix, ": ", message);
}

// Policy text supplied in a request, named for error messages.
absl::StatusOr<std::vector<policies::PolicySource>> SuppliedSources(
    const google::protobuf::RepeatedPtrField<v1::PolicySource>& files) {
  size_t bytes = 0;
  std::vector<policies::PolicySource> sources;
  for (int i = 0; i < files.size(); ++i) {
    const auto& f = files.Get(i);
    const std::string field = absl::StrCat("policy[", i, "].name");
    if (absl::Status s = CheckText(field, f.name(), TextClass::kIdentifier);
        !s.ok()) {
      return s;
    }
    bytes += f.yaml().size();
    sources.push_back(
        {f.name().empty() ? absl::StrCat("policy[", i, "]") : f.name(), f.yaml()});
  }
  if (bytes > OperatorService::kMaxPolicyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy: ", bytes, " bytes, at most ",
                     OperatorService::kMaxPolicyBytes, " allowed"));
  }
  return sources;
}

// A stream refused before it started.
template <typename T>
class RefusedWriter : public grpc::ServerWriteReactor<T> {
 public:
  explicit RefusedWriter(grpc::Status s) { this->Finish(std::move(s)); }
  void OnDone() override { delete this; }
};

// A list request's [since, until), each end optional.
template <typename Request>
absl::Status CheckedWindow(const Request& req, absl::Time* since,
                           absl::Time* until) {
  RIPOSTE_ASSIGN_OR_RETURN(*since, CheckedTimeOr(req.since(), req.has_since(),
                                                 "since", absl::InfinitePast()));
  RIPOSTE_ASSIGN_OR_RETURN(*until, CheckedTimeOr(req.until(), req.has_until(),
                                                 "until", absl::InfiniteFuture()));
  return CheckedRange(*since, *until);
}

absl::StatusOr<int64_t> PageToken(const std::string& token) {
  if (token.empty()) return 0;
  int64_t id = 0;
  if (!absl::SimpleAtoi(token, &id) || id <= 0) {
    return absl::InvalidArgumentError("page_token: not one this server issued");
  }
  return id;
}

v1::Incident IncidentProto(const store::IncidentRow& r) {
  v1::Incident p;
  p.set_incident_id(r.id);
  p.set_tenant_id(r.tenant_id);
  p.set_subject_key(r.subject_key);
  p.set_subject_kind(r.subject_kind);
  ToProtoTime(r.first_seen, p.mutable_first_seen());
  ToProtoTime(r.last_seen, p.mutable_last_seen());
  p.set_breach_count(r.breach_count);
  p.set_corroborations(r.corroborations);
  return p;
}

v1::PauseState PauseProto(const PauseState& p) {
  v1::PauseState out;
  out.set_paused(p.paused);
  if (p.since != absl::InfinitePast()) ToProtoTime(p.since, out.mutable_since());
  out.set_by(p.by);
  out.set_reason(p.reason);
  return out;
}

v1::AuditEntry AuditProto(const audit::AuditRecord& r) {
  v1::AuditEntry e;
  e.set_seq(r.seq);
  ToProtoTime(r.time, e.mutable_time());
  e.set_actor(r.event.actor);
  e.set_event(r.event.event);
  e.set_subject(r.event.subject);
  e.set_details(r.event.details);
  e.set_policy_version(r.event.policy_version);
  e.set_prev_hash(r.prev_hash);
  e.set_hash(r.hash);
  return e;
}

// Fills each run's narrative from its decision (one query per incident).
void AddNarratives(store::Store& store, std::vector<v1::ActionRun>& runs) {
  std::map<int64_t, std::map<int64_t, std::string>> by_incident;
  for (auto& run : runs) {
    auto it = by_incident.find(run.incident_id());
    if (it == by_incident.end()) {
      std::map<int64_t, std::string> narratives;
      auto decisions = store.IncidentDecisions(run.incident_id());
      if (decisions.ok()) {
        for (const auto& d : *decisions) narratives[d.id] = d.narrative;
      }
      it = by_incident.emplace(run.incident_id(), std::move(narratives)).first;
    }
    auto n = it->second.find(run.decision_id());
    if (n != it->second.end()) run.set_narrative(n->second);
  }
}

}  // namespace

v1::ActionRun ToProto(const store::ActionRunRow& r) {
  v1::ActionRun p;
  p.set_run_id(r.id);
  p.set_incident_id(r.incident_id);
  p.set_decision_id(r.decision_id);
  p.set_tenant_id(r.tenant_id);
  p.set_action(r.action);
  p.mutable_target()->ParseFromString(r.target);
  p.set_target_key(r.target_key);
  p.set_state(std::string(runs::RunStateName(r.state)));
  p.set_rule(r.rule);
  p.set_rule_mode(r.rule_mode);
  p.set_autonomous(r.autonomous);
  p.set_reversible(r.reversible);
  if (r.duration > absl::ZeroDuration()) {
    p.mutable_duration()->set_seconds(absl::ToInt64Seconds(r.duration));
  }
  ToProtoTime(r.created_at, p.mutable_created_time());
  ToProtoTime(r.updated_at, p.mutable_updated_time());
  if (r.approval_deadline.has_value()) {
    ToProtoTime(*r.approval_deadline, p.mutable_approval_deadline());
  }
  p.set_on_approval_expiry(r.on_approval_expiry);
  p.set_two_person(r.two_person);
  // approvers is a JSON array of identities (see run_commands.cc).
  if (absl::StatusOr<JsonValue> approvers = JsonValue::Parse(r.approvers);
      approvers.ok()) {
    for (const JsonValue& approver : approvers->elements()) {
      if (approver.is_string()) p.add_approvers(approver.string_value());
    }
  }
  for (absl::string_view g : absl::StrSplit(r.gates, ',', absl::SkipEmpty())) {
    p.add_gates(std::string(g));
  }
  if (r.escalated) p.add_gates("escalated");
  p.set_attempts(r.attempts);
  p.set_last_error(r.last_error);
  p.set_outcome(r.outcome);
  p.set_outcome_note(r.outcome_note);
  if (r.expires_at.has_value()) ToProtoTime(*r.expires_at, p.mutable_expires_time());
  if (r.effect_at.has_value()) ToProtoTime(*r.effect_at, p.mutable_effect_time());
  return p;
}

OperatorService::OperatorService(OperatorDeps deps)
    : deps_(std::move(deps)),
      workers_(std::make_unique<WorkerPool>("operator", deps_.workers,
                                            deps_.max_queued_calls)) {}

absl::StatusOr<CallerInfo> OperatorService::Authorize(
    grpc::CallbackServerContext* ctx, Need need) const {
  if (!deps_.authorize) return CallerInfo{"local", "admin"};
  return deps_.authorize(ctx, need);
}

template <typename Fn>
grpc::ServerUnaryReactor* OperatorService::Unary(grpc::CallbackServerContext* ctx,
                                                 Need need, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::StatusOr<CallerInfo> caller = Authorize(ctx, need);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // `fn` captures by value (the handler's frame is gone when it runs); the
  // request and response it points to live until Finish, which only the
  // task calls.
  absl::Status queued = workers_->Post(
      [reactor, fn = std::move(fn), caller = *std::move(caller)] {
        reactor->Finish(ToGrpcStatus(fn(caller)));
      });
  if (!queued.ok()) {
    reactor->Finish(ToGrpcStatus(absl::Status(
        queued.code(), absl::StrCat("operator service: ", queued.message()))));
  }
  return reactor;
}

template <typename Fn>
grpc::ServerUnaryReactor* OperatorService::UnaryInline(
    grpc::CallbackServerContext* ctx, Need need, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::StatusOr<CallerInfo> caller = Authorize(ctx, need);
  reactor->Finish(ToGrpcStatus(caller.ok() ? fn(*caller) : caller.status()));
  return reactor;
}

absl::Status OperatorService::DoSimulate(const v1::SimulateRequest& request,
                                         v1::SimulateResponse* response) {
  if (request.breaches().empty()) {
    return absl::InvalidArgumentError("breaches: at least one is required");
  }
  if (request.breaches_size() > kMaxSimulatedBreaches) {
    return absl::InvalidArgumentError(
        absl::StrCat("breaches: ", request.breaches_size(),
                     " given, at most ", kMaxSimulatedBreaches, " allowed"));
  }
  const absl::Time now = deps_.clock->Now();
  for (int i = 0; i < request.breaches_size(); ++i) {
    const auto& b = request.breaches(i);
    if (auto error = deps_.validator->Validate(b, now + absl::Hours(24 * 365),
                                               b.ByteSizeLong())) {
      return absl::InvalidArgumentError(Renamed(error->message, i));
    }
  }
  for (int i = 0; i < request.received_times_size(); ++i) {
    RIPOSTE_RETURN_IF_ERROR(
        CheckedTime(request.received_times(i),
                    absl::StrCat("received_times[", i, "]"))
            .status());
  }
  std::shared_ptr<const policies::Policy> policy;
  if (!request.policy().empty()) {
    auto sources = SuppliedSources(request.policy());
    if (!sources.ok()) return sources.status();
    auto parsed = policies::ParsePolicy(*sources);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: invalid:\n", parsed.status().message()));
    }
    policy = *parsed;
  } else {
    policy = deps_.policies->Get();
    if (policy == nullptr) {
      return absl::FailedPreconditionError(
          "policy: riposted runs without a policy; supply one in the request");
    }
  }
  *response = decide::Simulate(request, policy, deps_.correlation_window, now,
                               deps_.can_undo);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OperatorService::Simulate(
    grpc::CallbackServerContext* ctx, const v1::SimulateRequest* req,
    v1::SimulateResponse* resp) {
  return Unary(ctx, Need::kOperator,
               [=](const CallerInfo&) { return DoSimulate(*req, resp); });
}

grpc::ServerUnaryReactor* OperatorService::ListIncidents(
    grpc::CallbackServerContext* ctx, const v1::ListIncidentsRequest* req,
    v1::ListIncidentsResponse* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    if (absl::Status s = CheckTexts({{"tenant_id", req->tenant_id()},
                                     {"subject_key", req->subject_key()}});
        !s.ok()) {
      return s;
    }
    store::IncidentFilter f;
    f.tenant_id = req->tenant_id();
    f.subject_key = req->subject_key();
    RIPOSTE_RETURN_IF_ERROR(CheckedWindow(*req, &f.since, &f.until));
    RIPOSTE_ASSIGN_OR_RETURN(const size_t page,
                             CheckedPageSize(req->page_size()));
    auto before = PageToken(req->page_token());
    if (!before.ok()) return before.status();
    f.before_id = *before;
    f.limit = page + 1;
    auto rows = deps_.store->FindIncidents(f);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->size() && i < page; ++i) {
      *resp->add_incidents() = IncidentProto((*rows)[i]);
    }
    if (rows->size() > page) {
      resp->set_next_page_token(absl::StrCat((*rows)[page - 1].id));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::GetIncident(
    grpc::CallbackServerContext* ctx, const v1::GetIncidentRequest* req,
    v1::IncidentDetail* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    auto incident = deps_.store->GetIncident(req->incident_id());
    if (!incident.ok()) return incident.status();
    if (!incident->has_value()) {
      return absl::NotFoundError(
          absl::StrCat("incident ", req->incident_id(), " does not exist"));
    }
    *resp->mutable_incident() = IncidentProto(**incident);
    auto breaches = deps_.store->IncidentBreaches(req->incident_id());
    if (!breaches.ok()) return breaches.status();
    for (const auto& b : *breaches) {
      auto* p = resp->add_breaches();
      p->set_stored_breach_id(b.id);
      p->set_detector_id(b.detector_id);
      p->set_breach_id(b.breach_id);
      p->set_model_name(b.model_name);
      p->set_score(b.score);
      ToProtoTime(b.observed_time, p->mutable_observed_time());
      ToProtoTime(b.received_time, p->mutable_received_time());
      p->set_corroborates(b.corroborates);
    }
    auto decisions = deps_.store->IncidentDecisions(req->incident_id());
    if (!decisions.ok()) return decisions.status();
    for (const auto& d : *decisions) {
      auto* p = resp->add_decisions();
      p->set_decision_id(d.id);
      p->set_stored_breach_id(d.breach_id);
      p->set_policy_version(d.policy_version);
      ToProtoTime(d.decided_at, p->mutable_decided_time());
      for (absl::string_view r :
           absl::StrSplit(d.matched_rules, absl::ByAnyChar("[],\""), absl::SkipEmpty())) {
        p->add_matched_rules(std::string(r));
      }
      p->set_narrative(d.narrative);
    }
    store::RunFilter f;
    f.incident_id = req->incident_id();
    f.limit = 10000;
    auto runs = deps_.store->FindRuns(f);
    if (!runs.ok()) return runs.status();
    std::vector<v1::ActionRun> out;
    for (auto it = runs->rbegin(); it != runs->rend(); ++it) out.push_back(ToProto(*it));
    AddNarratives(*deps_.store, out);
    for (auto& r : out) *resp->add_runs() = std::move(r);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::ListRuns(
    grpc::CallbackServerContext* ctx, const v1::ListRunsRequest* req,
    v1::ListRunsResponse* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    if (absl::Status s = CheckTexts({{"tenant_id", req->tenant_id()},
                                     {"target_key", req->target_key()},
                                     {"action", req->action()}});
        !s.ok()) {
      return s;
    }
    store::RunFilter f;
    for (int i = 0; i < req->states_size(); ++i) {
      std::optional<runs::RunState> state = runs::ParseRunState(req->states(i));
      if (!state.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "states[", i, "]: unknown state \"", absl::CEscape(req->states(i)),
            "\" (allowed: ", runs::AllStateNames(), ")"));
      }
      f.states.push_back(*state);
    }
    f.tenant_id = req->tenant_id();
    f.target_key = req->target_key();
    f.action = req->action();
    f.incident_id = req->incident_id();
    RIPOSTE_RETURN_IF_ERROR(CheckedWindow(*req, &f.since, &f.until));
    RIPOSTE_ASSIGN_OR_RETURN(const size_t page,
                             CheckedPageSize(req->page_size()));
    auto before = PageToken(req->page_token());
    if (!before.ok()) return before.status();
    f.before_id = *before;
    f.limit = page + 1;
    auto rows = deps_.store->FindRuns(f);
    if (!rows.ok()) return rows.status();
    std::vector<v1::ActionRun> out;
    for (size_t i = 0; i < rows->size() && i < page; ++i) {
      out.push_back(ToProto((*rows)[i]));
    }
    AddNarratives(*deps_.store, out);
    for (auto& r : out) *resp->add_runs() = std::move(r);
    if (rows->size() > page) {
      resp->set_next_page_token(absl::StrCat((*rows)[page - 1].id));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::GetRun(grpc::CallbackServerContext* ctx,
                                                  const v1::GetRunRequest* req,
                                                  v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    store::RunFilter f;
    f.before_id = req->run_id() + 1;
    f.limit = 1;
    auto rows = deps_.store->FindRuns(f);
    if (!rows.ok()) return rows.status();
    if (rows->empty() || (*rows)[0].id != req->run_id()) {
      return absl::NotFoundError(absl::StrCat("run ", req->run_id(), " does not exist"));
    }
    std::vector<v1::ActionRun> out = {ToProto((*rows)[0])};
    AddNarratives(*deps_.store, out);
    *resp = std::move(out[0]);
    return absl::OkStatus();
  });
}

namespace {

// The answer to a run command: the run as it now is, with its narrative.
absl::Status RunReply(store::Store& store,
                      absl::StatusOr<store::ActionRunRow> run, v1::ActionRun* resp) {
  if (!run.ok()) return run.status();
  std::vector<v1::ActionRun> out = {ToProto(*run)};
  AddNarratives(store, out);
  *resp = std::move(out[0]);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* OperatorService::Approve(grpc::CallbackServerContext* ctx,
                                                   const v1::RunCommand* req,
                                                   v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo& c) {
    return RunReply(*deps_.store,
                    deps_.commands->Approve(req->run_id(), c.identity, req->reason()),
                    resp);
  });
}

grpc::ServerUnaryReactor* OperatorService::Reject(grpc::CallbackServerContext* ctx,
                                                  const v1::RunCommand* req,
                                                  v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo& c) {
    return RunReply(*deps_.store,
                    deps_.commands->Reject(req->run_id(), c.identity, req->reason()),
                    resp);
  });
}

grpc::ServerUnaryReactor* OperatorService::Extend(grpc::CallbackServerContext* ctx,
                                                  const v1::ExtendRequest* req,
                                                  v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo& c) -> absl::Status {
    ExpiryChange change;
    switch (req->change_case()) {
      case v1::ExtendRequest::kExtendBy: {
        change.kind = ExpiryChange::Kind::kExtendBy;
        RIPOSTE_ASSIGN_OR_RETURN(
            change.by, CheckedDuration(req->extend_by(), "extend_by"));
        break;
      }
      case v1::ExtendRequest::kExpiresTime: {
        change.kind = ExpiryChange::Kind::kSetTo;
        RIPOSTE_ASSIGN_OR_RETURN(
            change.to, CheckedTime(req->expires_time(), "expires_time"));
        break;
      }
      case v1::ExtendRequest::kPermanent:
        if (!req->permanent()) {
          return absl::InvalidArgumentError("permanent: must be true when given");
        }
        change.kind = ExpiryChange::Kind::kPermanent;
        break;
      case v1::ExtendRequest::CHANGE_NOT_SET:
        return absl::InvalidArgumentError(
            "change: give one of extend_by, expires_time or permanent");
    }
    return RunReply(*deps_.store,
                    deps_.commands->Extend(req->run_id(), c.identity,
                                           req->reason(), change),
                    resp);
  });
}

grpc::ServerUnaryReactor* OperatorService::Revert(grpc::CallbackServerContext* ctx,
                                                  const v1::RunCommand* req,
                                                  v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo& c) {
    return RunReply(*deps_.store,
                    deps_.commands->Revert(req->run_id(), c.identity, req->reason()),
                    resp);
  });
}

grpc::ServerUnaryReactor* OperatorService::Retry(grpc::CallbackServerContext* ctx,
                                                 const v1::RunCommand* req,
                                                 v1::ActionRun* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo& c) {
    return RunReply(*deps_.store,
                    deps_.commands->Retry(req->run_id(), c.identity, req->reason()),
                    resp);
  });
}

absl::StatusOr<v1::PolicyInfo> OperatorService::PolicyInfo() const {
  v1::PolicyInfo info;
  auto policy = deps_.policies->Get();
  if (policy == nullptr) {
    return absl::FailedPreconditionError("riposted runs without a policy");
  }
  info.set_version(policy->version);
  info.set_path(deps_.policy_path);
  for (const auto& s : policy->sources) info.add_sources(s);
  info.set_rules(static_cast<int32_t>(policy->rules.size()));
  for (const auto& s : policy->source_texts) {
    auto* f = info.add_files();
    f->set_name(s.first);
    f->set_yaml(s.second);
  }
  return info;
}

grpc::ServerUnaryReactor* OperatorService::GetPolicy(grpc::CallbackServerContext* ctx,
                                                     const v1::GetPolicyRequest*,
                                                     v1::PolicyInfo* resp) {
  return UnaryInline(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    auto info = PolicyInfo();
    if (!info.ok()) return info.status();
    *resp = *std::move(info);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::ValidatePolicy(
    grpc::CallbackServerContext* ctx, const v1::ValidatePolicyRequest* req,
    v1::ValidatePolicyResponse* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    absl::StatusOr<std::shared_ptr<const policies::Policy>> parsed;
    if (req->policy().empty()) {
      // Check the files on disk, as a reload would read them.
      if (deps_.policy_path.empty()) {
        return absl::FailedPreconditionError(
            "policy: no policy.path configured; supply the files to check");
      }
      parsed = policies::LoadPolicy(deps_.policy_path);
    } else {
      auto sources = SuppliedSources(req->policy());
      if (!sources.ok()) return sources.status();
      parsed = policies::ParsePolicy(*sources);
    }
    resp->set_valid(parsed.ok());
    if (parsed.ok()) {
      resp->set_version((*parsed)->version);
    } else {
      resp->set_errors(std::string(parsed.status().message()));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::ReloadPolicy(
    grpc::CallbackServerContext* ctx, const v1::ReloadPolicyRequest* req,
    v1::PolicyInfo* resp) {
  return Unary(ctx, Need::kAdmin, [=](const CallerInfo& c) -> absl::Status {
    if (absl::Status s = CheckReason(req->reason()); !s.ok()) return s;
    auto version = deps_.reload_policy(absl::StrCat("operator:", c.identity),
                                       req->reason());
    if (!version.ok()) return version.status();
    auto info = PolicyInfo();
    if (!info.ok()) return info.status();
    *resp = *std::move(info);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::SetPaused(grpc::CallbackServerContext* ctx,
                                                     const v1::SetPausedRequest* req,
                                                     v1::PauseState* resp) {
  return Unary(ctx, Need::kAdmin, [=](const CallerInfo& c) -> absl::Status {
    auto p = deps_.commands->SetPaused(req->paused(), c.identity, req->reason());
    if (!p.ok()) return p.status();
    *resp = PauseProto(*p);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::GetPause(grpc::CallbackServerContext* ctx,
                                                    const v1::GetPauseRequest*,
                                                    v1::PauseState* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    auto p = deps_.commands->GetPause();
    if (!p.ok()) return p.status();
    *resp = PauseProto(*p);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::VerifyAudit(
    grpc::CallbackServerContext* ctx, const v1::VerifyAuditRequest*,
    v1::VerifyAuditResponse* resp) {
  return Unary(ctx, Need::kOperator, [=](const CallerInfo&) -> absl::Status {
    auto r = deps_.store->VerifyAudit();
    if (!r.ok()) return r.status();
    resp->set_ok(r->ok);
    resp->set_records(r->records);
    resp->set_head_seq(r->head_seq);
    resp->set_head_hash(r->head_hash);
    resp->set_first_broken_seq(r->first_broken_seq);
    resp->set_reason(r->reason);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OperatorService::WhoAmI(grpc::CallbackServerContext* ctx,
                                                  const v1::WhoAmIRequest*,
                                                  v1::WhoAmIResponse* resp) {
  return UnaryInline(ctx, Need::kOperator, [=](const CallerInfo& c) {
    resp->set_identity(c.identity);
    resp->set_role(c.role);
    return absl::OkStatus();
  });
}

// Streams audit records after a sequence number, in batches read from the
// store on a worker; with `follow`, checks for new records every half second
// until the client goes away.
//
// One step is in flight at a time (a read on a worker, a write, or the
// alarm), and each step starts the next, so the stream's state needs no
// lock; whichever step calls Finish touches nothing after it, since OnDone
// may then delete the reactor at once.
class OperatorService::AuditStreamReactor
    : public grpc::ServerWriteReactor<v1::AuditEntry> {
 public:
  AuditStreamReactor(store::Store* store, WorkerPool* workers, int64_t after,
                     bool follow)
      : store_(store), workers_(workers), next_after_(after), follow_(follow) {
    Next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    Next();
  }
  void OnCancel() override { cancelled_ = true; }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (cancelled_) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (!pending_.empty()) {
      WriteNext();
      return;
    }
    if (absl::Status queued = workers_->Post([this] { Read(); });
        !queued.ok()) {
      Finish(ToGrpcStatus(queued));
    }
  }

  // On a worker.
  void Read() {
    auto batch = store_->ReadAudit(next_after_, 500);
    if (!batch.ok()) {
      Finish(ToGrpcStatus(batch.status()));
      return;
    }
    for (const auto& r : *batch) pending_.push_back(AuditProto(r));
    if (!pending_.empty()) {
      WriteNext();
      return;
    }
    if (!follow_) {
      Finish(grpc::Status::OK);
      return;
    }
    alarm_.Set(
        std::chrono::system_clock::now() + std::chrono::milliseconds(500),
        [this](bool) { Next(); });
  }

  void WriteNext() {
    current_ = std::move(pending_.front());
    pending_.pop_front();
    next_after_ = current_.seq();
    StartWrite(&current_);
  }

  store::Store* const store_;
  WorkerPool* const workers_;
  int64_t next_after_;
  const bool follow_;
  std::atomic<bool> cancelled_{false};
  std::deque<v1::AuditEntry> pending_;
  v1::AuditEntry current_;
  grpc::Alarm alarm_;
};

grpc::ServerWriteReactor<v1::AuditEntry>* OperatorService::StreamAudit(
    grpc::CallbackServerContext* ctx, const v1::StreamAuditRequest* req) {
  absl::StatusOr<CallerInfo> caller = Authorize(ctx, Need::kOperator);
  if (!caller.ok()) {
    return new RefusedWriter<v1::AuditEntry>(ToGrpcStatus(caller.status()));
  }
  if (absl::Status s = CheckedAfterSeq(req->after_seq(), "after_seq"); !s.ok()) {
    return new RefusedWriter<v1::AuditEntry>(ToGrpcStatus(s));
  }
  return new AuditStreamReactor(deps_.store, workers_.get(), req->after_seq(),
                                req->follow());
}

// Streams JSON lines in chunks, each read on a worker by `fill`, one step
// in flight at a time, as AuditStreamReactor. `fill` appends the next
// chunk's lines and returns false once there is nothing more to send.
template <typename Chunk>
class JsonLinesExport : public grpc::ServerWriteReactor<Chunk> {
 public:
  using Fill = std::function<absl::StatusOr<bool>(std::string* lines)>;

  JsonLinesExport(WorkerPool* workers, Fill fill)
      : workers_(workers), fill_(std::move(fill)) {
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::CANCELLED);
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (absl::Status queued = workers_->Post([this] { Read(); });
        !queued.ok()) {
      this->Finish(ToGrpcStatus(queued));
    }
  }

  // On a worker.
  void Read() {
    std::string lines;
    absl::StatusOr<bool> more = fill_(&lines);
    if (!more.ok()) {
      this->Finish(ToGrpcStatus(more.status()));
      return;
    }
    if (!*more) {
      this->Finish(grpc::Status::OK);
      return;
    }
    chunk_.set_jsonl(std::move(lines));
    this->StartWrite(&chunk_);
  }

  WorkerPool* const workers_;
  const Fill fill_;
  Chunk chunk_;
};

// Pages of the audit trail after `after`: about 200 records a chunk.
JsonLinesExport<v1::AuditExportChunk>::Fill AuditPages(store::Store* store,
                                                       int64_t after) {
  return [store, after](std::string* lines) mutable -> absl::StatusOr<bool> {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<audit::AuditRecord> batch,
                             store->ReadAudit(after, 200));
    for (const auto& r : batch) {
      absl::StrAppend(lines, audit::ToJson(r), "\n");
      after = r.seq;
    }
    return !batch.empty();
  };
}

// Pages of the OCSF outbox after `after`, leaving out events before
// `since`; a chunk is sent once it holds something or the outbox ends.
JsonLinesExport<v1::OcsfExportChunk>::Fill OutboxPages(store::Store* store,
                                                       int64_t after,
                                                       absl::Time since) {
  return [store, after,
          since](std::string* lines) mutable -> absl::StatusOr<bool> {
    while (lines->empty()) {
      RIPOSTE_ASSIGN_OR_RETURN(std::vector<store::OutboxRow> batch,
                               store->ReadOutbox(after, 200));
      if (batch.empty()) return false;
      for (const store::OutboxRow& r : batch) {
        if (r.time >= since) absl::StrAppend(lines, r.event, "\n");
        after = r.seq;
      }
    }
    return true;
  };
}

grpc::ServerWriteReactor<v1::AuditExportChunk>* OperatorService::ExportAudit(
    grpc::CallbackServerContext* ctx, const v1::ExportAuditRequest* req) {
  absl::StatusOr<CallerInfo> caller = Authorize(ctx, Need::kOperator);
  if (!caller.ok()) {
    return new RefusedWriter<v1::AuditExportChunk>(ToGrpcStatus(caller.status()));
  }
  if (absl::Status s = CheckedAfterSeq(req->after_seq(), "after_seq"); !s.ok()) {
    return new RefusedWriter<v1::AuditExportChunk>(ToGrpcStatus(s));
  }
  return new JsonLinesExport<v1::AuditExportChunk>(
      workers_.get(), AuditPages(deps_.store, req->after_seq()));
}

grpc::ServerWriteReactor<v1::OcsfExportChunk>* OperatorService::ExportOcsf(
    grpc::CallbackServerContext* ctx, const v1::ExportOcsfRequest* req) {
  absl::StatusOr<CallerInfo> caller = Authorize(ctx, Need::kOperator);
  if (!caller.ok()) {
    return new RefusedWriter<v1::OcsfExportChunk>(ToGrpcStatus(caller.status()));
  }
  absl::StatusOr<absl::Time> since = CheckedTimeOr(
      req->since(), req->has_since(), "since", absl::InfinitePast());
  absl::Status checked = since.status();
  if (checked.ok()) checked = CheckedAfterSeq(req->after_seq(), "after_seq");
  if (!checked.ok()) {
    return new RefusedWriter<v1::OcsfExportChunk>(ToGrpcStatus(checked));
  }
  return new JsonLinesExport<v1::OcsfExportChunk>(
      workers_.get(), OutboxPages(deps_.store, req->after_seq(), *since));
}

}  // namespace riposte::operator_api
