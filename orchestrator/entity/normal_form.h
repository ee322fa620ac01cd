#ifndef RIPOSTE_ORCHESTRATOR_ENTITY_NORMAL_FORM_H_
#define RIPOSTE_ORCHESTRATOR_ENTITY_NORMAL_FORM_H_

#include <optional>

#include "riposte/v1/breach.pb.h"

namespace riposte::entity {

// The form in which Riposte stores, keys, decides, dedups and audits a
// validated breach: attachment SHA-256 values in lower-case hex, whatever
// case the detector sent, and IP addresses in canonical text (RFC 5952 for
// IPv6: "2001:DB8:0:0::1" is "2001:db8::1"), so one address is one subject. nullopt when `breach` is in normal form already
// (the usual case, so the intake copies nothing). Pure and thread-safe.
std::optional<v1::Breach> NormalForm(const v1::Breach& breach);

}  // namespace riposte::entity

#endif  // RIPOSTE_ORCHESTRATOR_ENTITY_NORMAL_FORM_H_
