#ifndef RIPOSTE_ACTIONS_WEBHOOK_HMAC_SHA256_H_
#define RIPOSTE_ACTIONS_WEBHOOK_HMAC_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace riposte::actions::webhook {

// HMAC-SHA256 (RFC 2104) of `data` under `key`, as 64 lower-case hex
// digits. Thread-safe.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

}  // namespace riposte::actions::webhook

#endif  // RIPOSTE_ACTIONS_WEBHOOK_HMAC_SHA256_H_
