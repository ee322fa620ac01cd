#include "orchestrator/entity/normal_form.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace riposte::entity {
namespace {

// True when some attachment hash of `entity` has an upper-case digit.
bool HasUpperCaseHash(const v1::Entity& entity) {
  for (const auto& a : entity.email().attachments()) {
    if (std::any_of(a.sha256().begin(), a.sha256().end(), [](char c) {
          return absl::ascii_isupper(static_cast<unsigned char>(c));
        })) {
      return true;
    }
  }
  return false;
}

void LowerCaseHashes(v1::Entity& entity) {
  if (!entity.has_email()) return;
  for (auto& a : *entity.mutable_email()->mutable_attachments()) {
    absl::AsciiStrToLower(a.mutable_sha256());
  }
}

}  // namespace

std::optional<v1::Breach> NormalForm(const v1::Breach& breach) {
  if (!HasUpperCaseHash(breach.subject()) &&
      std::none_of(breach.related_entities().begin(),
                   breach.related_entities().end(), HasUpperCaseHash)) {
    return std::nullopt;
  }
  v1::Breach out = breach;
  if (out.has_subject()) LowerCaseHashes(*out.mutable_subject());
  for (auto& e : *out.mutable_related_entities()) LowerCaseHashes(e);
  return out;
}

}  // namespace riposte::entity
