#include "orchestrator/operator/operator_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "orchestrator/decide/simulator.h"
#include "policies/policy_loader.h"

namespace riposte::operator_api {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

// "breach.score: ..." for breach i -> "breaches[i].score: ...".
std::string Renamed(const std::string& message, int index) {
  const std::string prefix = absl::StrCat("breaches[", index, "]");
  if (absl::StartsWith(message, "breach")) {
    return prefix + message.substr(6);
  }
  return absl::StrCat(prefix, ": ", message);
}

}  // namespace

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
  const absl::Time now = clock_->Now();
  for (int i = 0; i < request.breaches_size(); ++i) {
    const auto& b = request.breaches(i);
    if (auto error = validator_->Validate(b, now + absl::Hours(24 * 365),
                                          b.ByteSizeLong())) {
      return absl::InvalidArgumentError(Renamed(error->message, i));
    }
  }

  std::shared_ptr<const policies::Policy> policy;
  if (!request.policy().empty()) {
    size_t bytes = 0;
    std::vector<policies::PolicySource> sources;
    for (int i = 0; i < request.policy_size(); ++i) {
      const auto& p = request.policy(i);
      bytes += p.yaml().size();
      sources.push_back(
          {p.name().empty() ? absl::StrCat("policy[", i, "]") : p.name(),
           p.yaml()});
    }
    if (bytes > kMaxPolicyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy: ", bytes, " bytes, at most ", kMaxPolicyBytes, " allowed"));
    }
    auto parsed = policies::ParsePolicy(sources);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: invalid:\n", parsed.status().message()));
    }
    policy = *parsed;
  } else {
    policy = policies_->Get();
    if (policy == nullptr) {
      return absl::FailedPreconditionError(
          "policy: riposted runs without a policy; supply one in the request");
    }
  }
  // Breach times are the detector's; without them the simulation starts now.
  *response = decide::Simulate(request, policy, window_, now);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OperatorService::Simulate(
    grpc::CallbackServerContext* context, const v1::SimulateRequest* request,
    v1::SimulateResponse* response) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpc(DoSimulate(*request, response)));
  return reactor;
}

}  // namespace riposte::operator_api
