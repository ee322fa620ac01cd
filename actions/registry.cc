#include "actions/registry.h"

#include "absl/strings/str_cat.h"

namespace riposte::actions {

absl::Status ActionRegistry::Register(const std::string& kind,
                                      AdapterFactory factory) {
  if (!factories_.emplace(kind, std::move(factory)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("adapter kind \"", kind, "\" is registered twice"));
  }
  return absl::OkStatus();
}

}  // namespace riposte::actions
