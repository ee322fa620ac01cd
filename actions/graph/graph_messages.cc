#include "actions/graph/graph_messages.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actions/common/url_encoding.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

// Mailboxes rarely hold more than a handful of copies; this bounds the
// work if a filter matches far more than expected.
constexpr int kMaxPages = 20;

std::string InternetMessageIdQuery(absl::string_view internet_message_id) {
  return absl::StrCat(
      "?$filter=",
      common::EncodeQueryValue(absl::StrCat(
          "internetMessageId eq ",
          common::ODataStringLiteral(internet_message_id))),
      "&$select=id,parentFolderId,subject");
}

absl::StatusOr<std::vector<MessageCopy>> ToCopies(
    const std::vector<common::JsonValue>& values) {
  std::vector<MessageCopy> out;
  for (const common::JsonValue& v : values) {
    std::optional<std::string> id = v.GetString("id");
    if (!id.has_value() || id->empty()) {
      return absl::UnavailableError("Graph listed a message without an id");
    }
    out.push_back({*id, v.GetString("parentFolderId").value_or("")});
  }
  return out;
}

}  // namespace

std::string UserPath(absl::string_view user) {
  return absl::StrCat("/users/", common::EncodePathSegment(user));
}

absl::Status ValidateEmailTarget(const v1::EmailEntity& email) {
  if (email.mailbox().empty()) {
    return absl::InvalidArgumentError("email target: mailbox is empty");
  }
  if (email.internet_message_id().empty() && email.graph_message_id().empty()) {
    return absl::InvalidArgumentError(
        "email target: needs internet_message_id or graph_message_id");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<common::JsonValue>> GetAllPages(GraphClient& client,
                                                           std::string target,
                                                           CallLog* log) {
  std::vector<common::JsonValue> out;
  for (int page = 0; page < kMaxPages && !target.empty(); ++page) {
    GraphRequest request;
    request.target = std::move(target);
    RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(request, log));
    for (const common::JsonValue& v : response.body.GetArray("value")) {
      out.push_back(v);
    }
    target = response.body.GetString("@odata.nextLink").value_or("");
  }
  return out;
}

absl::StatusOr<std::vector<MessageCopy>> FindMessageCopies(
    GraphClient& client, const v1::EmailEntity& email, CallLog* log) {
  const std::string mailbox = UserPath(email.mailbox());
  if (!email.internet_message_id().empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(
        std::vector<common::JsonValue> values,
        GetAllPages(client,
                    absl::StrCat(mailbox, "/messages",
                                 InternetMessageIdQuery(email.internet_message_id())),
                    log));
    return ToCopies(values);
  }
  GraphRequest request;
  request.target = absl::StrCat(mailbox, "/messages/",
                                common::EncodePathSegment(email.graph_message_id()),
                                "?$select=id,parentFolderId,subject");
  request.accept = {404};
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(request, log));
  if (response.status == 404) return std::vector<MessageCopy>();
  return ToCopies({response.body});
}

absl::StatusOr<std::vector<MessageCopy>> FindMessageCopiesInFolder(
    GraphClient& client, const v1::EmailEntity& email,
    absl::string_view folder_id, CallLog* log) {
  if (email.internet_message_id().empty()) return std::vector<MessageCopy>();
  RIPOSTE_ASSIGN_OR_RETURN(
      std::vector<common::JsonValue> values,
      GetAllPages(client,
                  absl::StrCat(UserPath(email.mailbox()), "/mailFolders/",
                               common::EncodePathSegment(folder_id), "/messages",
                               InternetMessageIdQuery(email.internet_message_id())),
                  log));
  return ToCopies(values);
}

}  // namespace riposte::actions::graph
