#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_VALIDATOR_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_VALIDATOR_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/server_config.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::intake {

// Why a breach was refused: the dotted path of the offending field
// ("breach.score", "breach.related_entities[2].user") and a message that
// starts with that path.
struct FieldError {
  std::string field;
  std::string message;
};

// INVALID_ARGUMENT carrying the error's message.
absl::Status ToStatus(const FieldError& error);

// Checks a breach against the configured limits and tenants before anything
// is stored. Pure and thread-safe.
class BreachValidator {
 public:
  BreachValidator(const config::IntakeLimits& limits,
                  const std::vector<config::TenantConfig>& tenants);

  // nullopt when the breach is acceptable. `now` bounds observed_time;
  // `byte_size` is the size of the breach as received.
  std::optional<FieldError> Validate(const v1::Breach& breach, absl::Time now,
                                     size_t byte_size) const;

  const config::IntakeLimits& limits() const { return limits_; }

 private:
  std::optional<FieldError> ValidateEntity(const v1::Entity& entity,
                                           const std::string& path) const;

  config::IntakeLimits limits_;
  absl::flat_hash_set<std::string> tenants_;
};

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_VALIDATOR_H_
