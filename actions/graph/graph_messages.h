#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_MESSAGES_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_MESSAGES_H_

// Finding the copies of an email in a mailbox, for the Graph mail actions.
// Internal to //actions/graph:graph_adapter.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/graph/graph_client.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::actions::graph {

// "/users/<encoded mailbox or user>".
std::string UserPath(absl::string_view user);

// InvalidArgument unless the email names a mailbox and an
// internetMessageId or a Graph message id.
absl::Status ValidateEmailTarget(const v1::EmailEntity& email);

struct MessageCopy {
  std::string id;
  std::string parent_folder_id;
};

// Every copy of `email` in its mailbox, in any folder: by
// internetMessageId (following @odata.nextLink), or, when the entity has
// none, by its Graph message id. Empty if there is none.
absl::StatusOr<std::vector<MessageCopy>> FindMessageCopies(
    GraphClient& client, const v1::EmailEntity& email, CallLog* log);

// The copies of `email` (by internetMessageId) in one folder.
absl::StatusOr<std::vector<MessageCopy>> FindMessageCopiesInFolder(
    GraphClient& client, const v1::EmailEntity& email,
    absl::string_view folder_id, CallLog* log);

// GET <target>, then every @odata.nextLink, collecting "value" elements.
absl::StatusOr<std::vector<common::JsonValue>> GetAllPages(GraphClient& client,
                                                           std::string target,
                                                           CallLog* log);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_MESSAGES_H_
