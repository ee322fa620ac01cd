#ifndef RIPOSTE_ACTIONS_COMMON_GUID_H_
#define RIPOSTE_ACTIONS_COMMON_GUID_H_

// Adapters take their randomness (client-request-id GUIDs) from an injected
// source so tests are deterministic.

#include <functional>
#include <string>

namespace riposte::actions::common {

// Returns a new GUID string on every call. Must be thread-safe.
using GuidSource = std::function<std::string()>;

// Random (version 4) GUIDs, lower-case "8-4-4-4-12" hex, from a
// process-wide generator. Thread-safe.
GuidSource RandomGuidSource();

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_GUID_H_
