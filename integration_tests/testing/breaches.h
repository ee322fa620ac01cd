#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_BREACHES_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_BREACHES_H_

#include <string>

#include "riposte/v1/breach.pb.h"

namespace riposte::integration {

// A valid breach about user `upn` in tenant "contoso".
inline v1::Breach UserBreach(const std::string& detector_id,
                             const std::string& breach_id,
                             const std::string& upn, double score = 72) {
  v1::Breach b;
  b.set_detector_id(detector_id);
  b.set_breach_id(breach_id);
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Access / Suspicious Login Attempt");
  b.add_model_tags("AP: Initial Access");
  b.set_score(score);
  b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
  auto* ev = b.add_evidence();
  ev->set_key("source_ip");
  ev->set_value("203.0.113.7");
  return b;
}

// A server config on loopback port 0 with its data under `data_dir`.
inline std::string TestConfig(const std::string& data_dir) {
  return "grpc:\n"
         "  listen: 127.0.0.1:0\n"
         "data_dir: " +
         data_dir +
         "\n"
         "tenants:\n"
         "  - id: contoso\n"
         "    display_name: Contoso\n"
         "correlation:\n"
         "  window: 1h\n"
         "log:\n"
         "  level: info\n"
         "shutdown:\n"
         "  grace: 10s\n";
}

// A policy rule (one item of `rules:`) that takes `action` autonomously on
// the user a breach of `model` is about, in effect for `duration` (e.g.
// "3s"; "" for none).
inline std::string AutonomousUserRule(const std::string& name,
                                      const std::string& model,
                                      const std::string& action,
                                      const std::string& duration) {
  std::string rule = "  - name: " + name + "\n    match: {models: [\"" + model +
                     "\"], subject: user}\n    ladder: [" + action +
                     "]\n    mode: autonomous\n";
  if (!duration.empty()) rule += "    duration: " + duration + "\n";
  return rule;
}

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_BREACHES_H_
