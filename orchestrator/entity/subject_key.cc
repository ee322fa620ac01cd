#include "orchestrator/entity/subject_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace riposte::entity {

std::string SubjectKey(const v1::Entity& entity) {
  switch (entity.kind_case()) {
    case v1::Entity::kUser:
      if (!entity.user().user_principal_name().empty()) {
        return "user:" +
               absl::AsciiStrToLower(entity.user().user_principal_name());
      }
      return "user-id:" + absl::AsciiStrToLower(entity.user().id());
    case v1::Entity::kEmail:
      return absl::StrCat("email:",
                          absl::AsciiStrToLower(entity.email().mailbox()), "/",
                          entity.email().internet_message_id());
    case v1::Entity::kDevice:
      if (!entity.device().id().empty()) {
        return "device:" + entity.device().id();
      }
      return "host:" + absl::AsciiStrToLower(entity.device().hostname());
    case v1::Entity::kIp:
      return "ip:" + entity.ip().address();
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return "unknown:";
}

std::string SubjectKind(const v1::Entity& entity) {
  switch (entity.kind_case()) {
    case v1::Entity::kUser:
      return "user";
    case v1::Entity::kEmail:
      return "email";
    case v1::Entity::kDevice:
      return "device";
    case v1::Entity::kIp:
      return "ip";
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return "unknown";
}

std::string DisplayName(const v1::Entity& entity) {
  switch (entity.kind_case()) {
    case v1::Entity::kUser:
      return entity.user().user_principal_name().empty()
                 ? absl::StrCat("user ", entity.user().id())
                 : entity.user().user_principal_name();
    case v1::Entity::kEmail:
      return absl::StrCat("message ", entity.email().internet_message_id(),
                          " in ", entity.email().mailbox());
    case v1::Entity::kDevice:
      return entity.device().hostname().empty()
                 ? absl::StrCat("device ", entity.device().id())
                 : entity.device().hostname();
    case v1::Entity::kIp:
      return entity.ip().address();
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return "unknown entity";
}

}  // namespace riposte::entity
