#ifndef RIPOSTE_COMMON_SHA256_H_
#define RIPOSTE_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace riposte {

// SHA-256 of `data` as 64 lower-case hex digits. Thread-safe.
std::string Sha256Hex(absl::string_view data);

}  // namespace riposte

#endif  // RIPOSTE_COMMON_SHA256_H_
