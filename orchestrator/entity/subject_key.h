#ifndef RIPOSTE_ORCHESTRATOR_ENTITY_SUBJECT_KEY_H_
#define RIPOSTE_ORCHESTRATOR_ENTITY_SUBJECT_KEY_H_

#include <string>

#include "riposte/v1/breach.pb.h"

namespace riposte::entity {

// The correlation key of an entity, stable across detectors: "user:" and the
// lower-cased userPrincipalName (or "user-id:" and the object id when no UPN
// is given), "email:<mailbox>/<internet message id>", "device:<id>" (or
// "host:<hostname>"), "ip:<address>". Call on validated entities only.
std::string SubjectKey(const v1::Entity& entity);

// "user", "email", "device" or "ip".
std::string SubjectKind(const v1::Entity& entity);

// For people: "alice@contoso.com", "message <id> in bob@contoso.com".
std::string DisplayName(const v1::Entity& entity);

}  // namespace riposte::entity

#endif  // RIPOSTE_ORCHESTRATOR_ENTITY_SUBJECT_KEY_H_
