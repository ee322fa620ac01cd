#include "actions/graph/graph_mail_actions.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "actions/graph/graph_messages.h"
#include "common/json.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

// The memo of a move:
//   {"v":1,"action":"quarantine_email","mailbox":"bob@contoso.com",
//    "folder_id":"<destination folder id>",
//    "messages":[{"id":"<id after the move>","from":"<original folder id>"},
//                {"id":"...","from":null}]}
// "from" is null for a copy that was already in the destination folder
// when Riposte looked: Riposte did not put it there, so it does not take
// it out.
struct MovedMessage {
  std::string id;
  std::optional<std::string> from;
};
struct MoveMemo {
  std::string action;
  std::string mailbox;
  std::string folder_id;
  std::vector<MovedMessage> messages;

  const MovedMessage* Find(absl::string_view id) const {
    for (const MovedMessage& m : messages) {
      if (m.id == id) return &m;
    }
    return nullptr;
  }
};

std::string EncodeMemo(const MoveMemo& memo) {
  JsonArrayWriter messages;
  for (const MovedMessage& m : memo.messages) {
    JsonObjectWriter w;
    w.Add("id", m.id);
    if (m.from.has_value()) {
      w.Add("from", *m.from);
    } else {
      w.AddNull("from");
    }
    messages.AddRaw(w.Finish());
  }
  return JsonObjectWriter()
      .AddInt("v", 1)
      .Add("action", memo.action)
      .Add("mailbox", memo.mailbox)
      .Add("folder_id", memo.folder_id)
      .AddRaw("messages", messages.Finish())
      .Finish();
}

absl::StatusOr<MoveMemo> DecodeMemo(absl::string_view text) {
  const absl::Status bad =
      absl::InvalidArgumentError("mail move memo is not readable");
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || json->GetInt64("v") != 1) return bad;
  MoveMemo memo;
  memo.action = json->GetString("action").value_or("");
  memo.mailbox = json->GetString("mailbox").value_or("");
  memo.folder_id = json->GetString("folder_id").value_or("");
  if (memo.folder_id.empty()) return bad;
  for (const common::JsonValue& m : json->GetArray("messages")) {
    std::optional<std::string> id = m.GetString("id");
    if (!id.has_value()) return bad;
    memo.messages.push_back({*id, m.GetString("from")});
  }
  return memo;
}

absl::StatusOr<std::string> EnsureQuarantineFolder(GraphClient& client,
                                                   const std::string& mailbox,
                                                   const std::string& name,
                                                   CallLog* log) {
  const std::string folders = absl::StrCat(UserPath(mailbox), "/mailFolders");
  const std::string lookup = absl::StrCat(
      folders, "?$filter=",
      common::EncodeQueryValue(
          absl::StrCat("displayName eq ", common::ODataStringLiteral(name))),
      "&$select=id,displayName");
  for (int attempt = 0; attempt < 2; ++attempt) {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<common::JsonValue> found,
                             GetAllPages(client, lookup, log));
    for (const common::JsonValue& folder : found) {
      std::optional<std::string> id = folder.GetString("id");
      if (id.has_value() && !id->empty()) return *id;
    }
    if (attempt == 1) break;
    GraphRequest create;
    create.method = "POST";
    create.target = folders;
    create.json_body = JsonObjectWriter().Add("displayName", name).Finish();
    create.accept = {409};  // created concurrently: look it up again
    RIPOSTE_ASSIGN_OR_RETURN(GraphResponse created, client.Send(create, log));
    if (created.status != 409) {
      std::optional<std::string> id = created.body.GetString("id");
      if (id.has_value() && !id->empty()) return *id;
      return absl::UnavailableError(absl::StrCat(
          "POST ", folders, ": the created folder has no id; request-id ",
          created.request_id));
    }
  }
  return absl::UnavailableError(absl::StrCat(
      "mail folder \"", name, "\" in ", mailbox,
      " was reported to exist but cannot be found yet"));
}

absl::StatusOr<std::string> JunkFolderId(GraphClient& client,
                                         const std::string& mailbox,
                                         CallLog* log) {
  GraphRequest get;
  get.target = absl::StrCat(UserPath(mailbox), "/mailFolders/junkemail?$select=id");
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(get, log));
  std::optional<std::string> id = response.body.GetString("id");
  if (!id.has_value() || id->empty()) {
    return absl::UnavailableError(absl::StrCat(
        "GET ", UserPath(mailbox), "/mailFolders/junkemail: no id; request-id ",
        response.request_id));
  }
  return *id;
}

// POST .../move. The moved message's id comes from the answer: without
// immutable ids a move changes it. nullopt if the message or the
// destination does not exist (404).
absl::StatusOr<std::optional<std::string>> Move(GraphClient& client,
                                                const std::string& mailbox,
                                                const std::string& message_id,
                                                const std::string& destination,
                                                CallLog* log) {
  GraphRequest move;
  move.method = "POST";
  move.target = absl::StrCat(UserPath(mailbox), "/messages/",
                             common::EncodePathSegment(message_id), "/move");
  move.json_body = JsonObjectWriter().Add("destinationId", destination).Finish();
  move.accept = {404};
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(move, log));
  if (response.status == 404) return std::optional<std::string>();
  return std::optional<std::string>(
      response.body.GetString("id").value_or(message_id));
}

absl::string_view ActionName(MailDestination destination) {
  return destination == MailDestination::kQuarantine ? "quarantine_email"
                                                     : "move_to_junk";
}

}  // namespace

absl::StatusOr<ActionResult> MoveEmail(GraphClient& client,
                                       const GraphOptions& options,
                                       const ActionRequest& request,
                                       MailDestination destination) {
  if (!request.target.has_email()) {
    return absl::InvalidArgumentError(
        absl::StrCat(request.action, " needs an email target"));
  }
  const v1::EmailEntity& email = request.target.email();
  RIPOSTE_RETURN_IF_ERROR(ValidateEmailTarget(email));
  std::optional<MoveMemo> prior;
  if (!request.memo.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(prior, DecodeMemo(request.memo));
  }

  CallLog log;
  const std::string& mailbox = email.mailbox();
  std::string folder_id;
  std::string destination_id;
  if (destination == MailDestination::kQuarantine) {
    RIPOSTE_ASSIGN_OR_RETURN(folder_id, EnsureQuarantineFolder(
                                            client, mailbox,
                                            options.quarantine_folder, &log));
    destination_id = folder_id;
  } else {
    RIPOSTE_ASSIGN_OR_RETURN(folder_id, JunkFolderId(client, mailbox, &log));
    destination_id = "junkemail";
  }

  RIPOSTE_ASSIGN_OR_RETURN(std::vector<MessageCopy> copies,
                           FindMessageCopies(client, email, &log));
  if (copies.empty() && prior.has_value() && !prior->messages.empty()) {
    // A retried Apply: the search may not see what we moved yet; the
    // destination folder will.
    RIPOSTE_ASSIGN_OR_RETURN(copies, FindMessageCopiesInFolder(
                                         client, email, folder_id, &log));
    ActionResult result;
    result.outcome = ActionResult::Outcome::kAlreadyApplied;
    result.memo = request.memo;
    result.details =
        JsonObjectWriter()
            .Add("adapter", "graph")
            .Add("action", ActionName(destination))
            .Add("phase", "apply")
            .Add("mailbox", mailbox)
            .Add("note", "already moved by an earlier attempt of this run")
            .AddInt("found_in_destination", static_cast<int64_t>(copies.size()))
            .AddRaw("calls", log.ToJson())
            .Finish();
    return result;
  }
  if (copies.empty()) {
    return absl::NotFoundError(absl::StrCat(
        ActionName(destination), ": no message ",
        email.internet_message_id().empty() ? email.graph_message_id()
                                            : email.internet_message_id(),
        " in mailbox ", mailbox));
  }

  // Plan first: where each copy is now. Copies already in the destination
  // keep what an earlier attempt recorded about them; one whose id is not
  // in the memo may be a copy that attempt moved (ids can change on a move
  // whose answer was lost), so it takes over a recorded entry whose id no
  // longer resolves, if any. Otherwise Riposte did not put it there.
  std::set<std::string> copy_ids;
  for (const MessageCopy& copy : copies) copy_ids.insert(copy.id);
  std::vector<MovedMessage> unresolved;  // earlier entries not seen now
  if (prior.has_value()) {
    for (const MovedMessage& m : prior->messages) {
      if (copy_ids.count(m.id) == 0) unresolved.push_back(m);
    }
  }
  std::vector<MovedMessage> planned;
  std::vector<bool> needs_move;
  int already = 0;
  for (const MessageCopy& copy : copies) {
    if (copy.parent_folder_id != folder_id) {
      planned.push_back({copy.id, copy.parent_folder_id});
      needs_move.push_back(true);
      continue;
    }
    ++already;
    needs_move.push_back(false);
    const MovedMessage* known = prior.has_value() ? prior->Find(copy.id) : nullptr;
    if (known != nullptr) {
      planned.push_back({copy.id, known->from});
      continue;
    }
    auto taken = std::find_if(unresolved.begin(), unresolved.end(),
                              [](const MovedMessage& m) { return m.from.has_value(); });
    if (taken != unresolved.end()) {
      planned.push_back({copy.id, taken->from});
      unresolved.erase(taken);
    } else {
      planned.push_back({copy.id, std::nullopt});
    }
  }

  MoveMemo memo;
  memo.action = std::string(ActionName(destination));
  memo.mailbox = mailbox;
  memo.folder_id = folder_id;
  if (std::count(needs_move.begin(), needs_move.end(), true) > 0) {
    // Record the original folders before moving anything, so a retry after
    // a crash mid-move can still move the messages back on revert.
    MoveMemo plan = memo;
    plan.messages = planned;
    plan.messages.insert(plan.messages.end(), unresolved.begin(), unresolved.end());
    RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(request, EncodeMemo(plan)));
  }

  int moved = 0, vanished = 0;
  JsonArrayWriter moved_ids;
  for (size_t i = 0; i < copies.size(); ++i) {
    if (!needs_move[i]) {
      memo.messages.push_back(planned[i]);
      continue;
    }
    const MessageCopy& copy = copies[i];
    RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> new_id,
                             Move(client, mailbox, copy.id, destination_id, &log));
    if (!new_id.has_value()) {
      ++vanished;  // deleted between the search and the move
      continue;
    }
    memo.messages.push_back({*new_id, copy.parent_folder_id});
    moved_ids.Add(*new_id);
    ++moved;
  }
  // Keep what an earlier attempt recorded about copies not seen now, so
  // Revert can still reconcile them.
  memo.messages.insert(memo.messages.end(), unresolved.begin(), unresolved.end());
  if (moved == 0 && already == 0) {
    return absl::NotFoundError(absl::StrCat(
        ActionName(destination), ": every copy in mailbox ", mailbox,
        " disappeared before it could be moved"));
  }

  ActionResult result;
  result.outcome = moved > 0 ? ActionResult::Outcome::kApplied
                             : ActionResult::Outcome::kAlreadyApplied;
  result.memo = EncodeMemo(memo);
  result.details = JsonObjectWriter()
                       .Add("adapter", "graph")
                       .Add("action", ActionName(destination))
                       .Add("phase", "apply")
                       .Add("mailbox", mailbox)
                       .Add("folder_id", folder_id)
                       .AddInt("moved", moved)
                       .AddInt("already_there", already)
                       .AddInt("vanished", vanished)
                       .AddRaw("moved_ids", moved_ids.Finish())
                       .AddRaw("calls", log.ToJson())
                       .Finish();
  return result;
}

absl::StatusOr<ActionResult> MoveEmailBack(GraphClient& client,
                                           const ActionRequest& request) {
  if (request.memo.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        request.action, " revert: no memo from Apply; nothing known to move back"));
  }
  RIPOSTE_ASSIGN_OR_RETURN(MoveMemo memo, DecodeMemo(request.memo));
  std::string mailbox = memo.mailbox;
  if (mailbox.empty() && request.target.has_email()) {
    mailbox = request.target.email().mailbox();
  }
  if (mailbox.empty()) {
    return absl::InvalidArgumentError("mail move memo names no mailbox");
  }

  CallLog log;
  int moved_back = 0, to_inbox = 0, elsewhere = 0, gone = 0, not_ours = 0;
  JsonArrayWriter moved_ids;
  // Copies in the destination folder not claimed by a memo entry: where a
  // copy whose id changed after all may now be.
  std::optional<std::vector<MessageCopy>> folder_copies;
  std::set<std::string> claimed;
  for (const MovedMessage& m : memo.messages) claimed.insert(m.id);

  for (const MovedMessage& m : memo.messages) {
    if (!m.from.has_value()) {
      ++not_ours;
      continue;
    }
    std::string id = m.id;
    GraphRequest get;
    get.target = absl::StrCat(UserPath(mailbox), "/messages/",
                              common::EncodePathSegment(id),
                              "?$select=id,parentFolderId");
    get.accept = {404};
    RIPOSTE_ASSIGN_OR_RETURN(GraphResponse current, client.Send(get, &log));
    std::string parent = current.body.GetString("parentFolderId").value_or("");
    if (current.status == 404) {
      parent.clear();
      if (request.target.has_email()) {
        if (!folder_copies.has_value()) {
          v1::EmailEntity email = request.target.email();
          email.set_mailbox(mailbox);
          RIPOSTE_ASSIGN_OR_RETURN(folder_copies, FindMessageCopiesInFolder(
                                                      client, email,
                                                      memo.folder_id, &log));
        }
        for (const MessageCopy& c : *folder_copies) {
          if (claimed.insert(c.id).second) {
            id = c.id;
            parent = c.parent_folder_id;
            break;
          }
        }
      }
      if (parent.empty()) {
        ++gone;
        continue;
      }
    }
    if (parent != memo.folder_id) {
      ++elsewhere;  // someone already moved it out
      continue;
    }
    RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> back,
                             Move(client, mailbox, id, *m.from, &log));
    if (!back.has_value()) {
      // The original folder is gone (or the message is): try the inbox.
      RIPOSTE_ASSIGN_OR_RETURN(back, Move(client, mailbox, id, "inbox", &log));
      if (!back.has_value()) {
        ++gone;
        continue;
      }
      ++to_inbox;
    }
    moved_ids.Add(*back);
    ++moved_back;
  }

  ActionResult result;
  result.outcome = moved_back > 0 ? ActionResult::Outcome::kReverted
                                  : ActionResult::Outcome::kAlreadyReverted;
  result.memo = request.memo;
  result.details = JsonObjectWriter()
                       .Add("adapter", "graph")
                       .Add("action", memo.action)
                       .Add("phase", "revert")
                       .Add("mailbox", mailbox)
                       .AddInt("moved_back", moved_back)
                       .AddInt("moved_to_inbox", to_inbox)
                       .AddInt("already_moved_elsewhere", elsewhere)
                       .AddInt("gone", gone)
                       .AddInt("not_moved_by_riposte", not_ours)
                       .AddRaw("moved_ids", moved_ids.Finish())
                       .AddRaw("calls", log.ToJson())
                       .Finish();
  return result;
}

}  // namespace riposte::actions::graph
