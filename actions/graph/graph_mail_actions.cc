#include "actions/graph/graph_mail_actions.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/http_status.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "actions/graph/graph_messages.h"
#include "common/json.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

// The memo of a move, checkpointed after every step so that a retry
// resumes where the last attempt stopped:
//   {"v":1,"action":"quarantine_email","mailbox":"bob@contoso.com",
//    "folder_id":"<destination folder id>","planned":true,
//    "messages":[{"id":"<id after the move>","from":"<original folder id>"},
//                {"id":"...","from":"...","moved":false},
//                {"id":"...","from":null}]}
// folder_id is "" until the folder is known ("folder_absent":true once a
// lookup found none, so the next step is creating it). "planned": the copies
// were found and where each was recorded; until then a retry searches.
// "from" is null for a copy that was already in the destination folder
// when Riposte looked: Riposte did not put it there, so it does not take it
// out. "moved":false marks a copy still to be moved ("sent":"maybe" once
// its move was requested without a known outcome), "gone":true one that
// disappeared before it could be; "revert":"pending" one that the release
// found in the folder but could not move back yet, "revert":"done" one
// moved back. Memos from before steps were recorded have neither
// "planned" nor "moved": every entry was then moved or being moved.
struct MovedMessage {
  std::string id;
  std::optional<std::string> from;
  bool moved = true;
  bool maybe_sent = false;  // a move requested, its outcome unknown
  bool gone = false;
  std::string revert;  // "", "pending" or "done"
};
struct MoveMemo {
  std::string action;
  std::string mailbox;
  std::string folder_id;
  bool folder_absent = false;
  bool planned = false;
  std::vector<MovedMessage> messages;

  const MovedMessage* Find(absl::string_view id) const {
    for (const MovedMessage& m : messages) {
      if (m.id == id) return &m;
    }
    return nullptr;
  }
};

constexpr char kRevertPending[] = "pending";
constexpr char kRevertDone[] = "done";

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
    if (!m.moved) w.AddBool("moved", false);
    if (m.maybe_sent) w.Add("sent", "maybe");
    if (m.gone) w.AddBool("gone", true);
    if (!m.revert.empty()) w.Add("revert", m.revert);
    messages.AddRaw(w.Finish());
  }
  JsonObjectWriter w;
  w.AddInt("v", 1)
      .Add("action", memo.action)
      .Add("mailbox", memo.mailbox)
      .Add("folder_id", memo.folder_id);
  if (memo.folder_absent) w.AddBool("folder_absent", true);
  if (memo.planned) w.AddBool("planned", true);
  return w.AddRaw("messages", messages.Finish()).Finish();
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
  memo.folder_absent = json->GetBool("folder_absent").value_or(false);
  memo.planned = json->GetBool("planned").value_or(false);
  for (const common::JsonValue& m : json->GetArray("messages")) {
    std::optional<std::string> id = m.GetString("id");
    if (!id.has_value()) return bad;
    MovedMessage entry{*id, m.GetString("from")};
    entry.moved = m.GetBool("moved").value_or(true);
    entry.maybe_sent = m.GetString("sent") == "maybe";
    entry.gone = m.GetBool("gone").value_or(false);
    entry.revert = m.GetString("revert").value_or("");
    memo.messages.push_back(std::move(entry));
  }
  // Without a folder nothing can have been planned or moved.
  if (memo.folder_id.empty() && (memo.planned || !memo.messages.empty())) {
    return bad;
  }
  return memo;
}

// The id of the quarantine folder, creating it if missing. `absent` is
// true when an earlier attempt already looked and found none (the next
// step is creating it); set to true here once a lookup finds none, and
// `save` is called then so that a retry goes straight to creating it.
absl::StatusOr<std::string> EnsureQuarantineFolder(
    GraphClient& client, const std::string& mailbox, const std::string& name,
    bool* absent, const std::function<absl::Status()>& save, CallLog* log) {
  const std::string folders = absl::StrCat(UserPath(mailbox), "/mailFolders");
  const std::string lookup = absl::StrCat(
      folders, "?$filter=",
      common::EncodeQueryValue(
          absl::StrCat("displayName eq ", common::ODataStringLiteral(name))),
      "&$select=id,displayName");
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!*absent || attempt == 1) {
      RIPOSTE_ASSIGN_OR_RETURN(std::vector<common::JsonValue> found,
                               GetAllPages(client, lookup, log));
      for (const common::JsonValue& folder : found) {
        std::optional<std::string> id = folder.GetString("id");
        if (id.has_value() && !id->empty()) return *id;
      }
      if (attempt == 1) break;
      *absent = true;
      RIPOSTE_RETURN_IF_ERROR(save());
    }
    GraphRequest create;
    create.method = "POST";
    create.target = folders;
    create.json_body = JsonObjectWriter().Add("displayName", name).Finish();
    create.accept = {409};  // created meanwhile: look it up again
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

// Where each copy is now, as memo entries. Copies already in the
// destination keep what an earlier attempt recorded about them; one whose
// id is not in the memo may be a copy that attempt moved (ids can change
// on a move whose answer was lost), so it takes over a recorded entry whose
// id no longer resolves, if any. Otherwise Riposte did not put it there.
// Earlier entries not seen now are kept, so Revert can still reconcile them.
std::vector<MovedMessage> Plan(const std::vector<MessageCopy>& copies,
                               const std::string& folder_id,
                               const std::optional<MoveMemo>& prior) {
  std::set<std::string> copy_ids;
  for (const MessageCopy& copy : copies) copy_ids.insert(copy.id);
  std::vector<MovedMessage> unresolved;
  if (prior.has_value()) {
    for (const MovedMessage& m : prior->messages) {
      if (copy_ids.count(m.id) == 0) unresolved.push_back(m);
    }
  }
  std::vector<MovedMessage> planned;
  for (const MessageCopy& copy : copies) {
    if (copy.parent_folder_id != folder_id) {
      MovedMessage m{copy.id, copy.parent_folder_id};
      m.moved = false;
      planned.push_back(std::move(m));
      continue;
    }
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
  planned.insert(planned.end(), unresolved.begin(), unresolved.end());
  return planned;
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
  MoveMemo memo;
  if (prior.has_value()) memo = *prior;
  memo.action = std::string(ActionName(destination));
  memo.mailbox = mailbox;
  // Each step's result is stored before the next step starts, so a retry
  // (after throttling, a timeout or a crash) resumes from the last step
  // that completed.
  auto save = [&]() { return common::Checkpoint(request, EncodeMemo(memo)); };

  // Step 1: the destination folder.
  if (memo.folder_id.empty()) {
    if (destination == MailDestination::kQuarantine) {
      RIPOSTE_ASSIGN_OR_RETURN(
          memo.folder_id,
          EnsureQuarantineFolder(client, mailbox, options.quarantine_folder,
                                 &memo.folder_absent, save, &log));
    } else {
      RIPOSTE_ASSIGN_OR_RETURN(memo.folder_id, JunkFolderId(client, mailbox, &log));
    }
    memo.folder_absent = false;
    RIPOSTE_RETURN_IF_ERROR(save());
  }
  const std::string& folder_id = memo.folder_id;
  const std::string destination_id =
      destination == MailDestination::kQuarantine ? folder_id : "junkemail";

  // Step 2: every copy, and where each is now.
  if (!memo.planned) {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<MessageCopy> copies,
                             FindMessageCopies(client, email, &log));
    if (copies.empty() && prior.has_value() && !prior->messages.empty()) {
      // A retried Apply from before steps were recorded: the search may
      // not see what we moved yet; the destination folder will.
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
    memo.messages = Plan(copies, folder_id, prior);
    memo.planned = true;
    // The original folders are recorded before anything moves, so a retry
    // after a crash mid-move can still move the messages back on revert.
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  // Step 3: each move, recorded as it succeeds.
  int moved = 0, already = 0, vanished = 0;
  JsonArrayWriter moved_ids;
  std::optional<std::vector<MessageCopy>> in_folder;  // looked up on demand
  auto load_folder = [&]() -> absl::Status {
    if (in_folder.has_value()) return absl::OkStatus();
    RIPOSTE_ASSIGN_OR_RETURN(in_folder,
                             FindMessageCopiesInFolder(client, email, folder_id, &log));
    return absl::OkStatus();
  };
  for (MovedMessage& m : memo.messages) {
    if (m.gone) {
      ++vanished;
      continue;
    }
    if (m.moved || !m.from.has_value()) {
      ++already;
      continue;
    }
    if (m.maybe_sent) {
      // An earlier attempt requested this move and never learned the
      // outcome (a crash, a timeout). With immutable ids the copy keeps its
      // id in the folder, and moving it again would be a second effect:
      // look first.
      RIPOSTE_RETURN_IF_ERROR(load_folder());
      const bool there = std::any_of(in_folder->begin(), in_folder->end(),
                                     [&](const MessageCopy& c) { return c.id == m.id; });
      if (there) {
        m.moved = true;
        m.maybe_sent = false;
        ++already;
        RIPOSTE_RETURN_IF_ERROR(save());
        continue;
      }
    }
    m.maybe_sent = true;
    RIPOSTE_RETURN_IF_ERROR(save());
    absl::StatusOr<std::optional<std::string>> sent =
        Move(client, mailbox, m.id, destination_id, &log);
    if (!sent.ok()) {
      if (common::CertainlyNotProcessed(sent.status())) {
        m.maybe_sent = false;
        save().IgnoreError();
      }
      return sent.status();
    }
    m.maybe_sent = false;
    const std::optional<std::string>& new_id = *sent;
    if (!new_id.has_value()) {
      // Deleted since the search, or already moved by an attempt whose
      // answer was lost, under an id that changed: adopt a copy in the
      // folder that no entry accounts for, if there is one.
      RIPOSTE_RETURN_IF_ERROR(load_folder());
      auto unclaimed = std::find_if(
          in_folder->begin(), in_folder->end(),
          [&](const MessageCopy& c) { return memo.Find(c.id) == nullptr; });
      if (unclaimed == in_folder->end()) {
        m.gone = true;
        ++vanished;
      } else {
        m.id = unclaimed->id;
        m.moved = true;
        ++already;
      }
    } else {
      m.id = *new_id;
      m.moved = true;
      moved_ids.Add(*new_id);
      ++moved;
    }
    RIPOSTE_RETURN_IF_ERROR(save());
  }
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
  // The release resumes too: each copy moved back (or found in the folder
  // but throttled on the way out) is recorded, keeping all the Apply wrote.
  auto save = [&]() { return common::Checkpoint(request, EncodeMemo(memo)); };

  for (MovedMessage& m : memo.messages) {
    if (!m.from.has_value() || !m.moved || m.gone) {
      ++not_ours;  // Riposte did not put it there
      continue;
    }
    if (m.revert == kRevertDone) {
      ++moved_back;
      continue;
    }
    std::string id = m.id;
    if (m.revert != kRevertPending) {
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
      m.id = id;
    }
    absl::StatusOr<std::optional<std::string>> back =
        Move(client, mailbox, id, *m.from, &log);
    if (!back.ok()) {
      if (common::CertainlyNotProcessed(back.status()) && m.revert != kRevertPending) {
        // It is in the folder and still there: the next attempt moves it
        // at once instead of looking again.
        m.revert = kRevertPending;
        save().IgnoreError();
      } else if (!common::CertainlyNotProcessed(back.status()) &&
                 m.revert == kRevertPending) {
        // It may have moved after all: the next attempt looks again.
        m.revert.clear();
        save().IgnoreError();
      }
      return back.status();
    }
    if (!back->has_value()) {
      // The original folder is gone (or the message is): try the inbox.
      RIPOSTE_ASSIGN_OR_RETURN(*back, Move(client, mailbox, id, "inbox", &log));
      if (!back->has_value()) {
        ++gone;
        continue;
      }
      ++to_inbox;
    }
    m.id = **back;
    m.revert = kRevertDone;
    moved_ids.Add(**back);
    ++moved_back;
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  ActionResult result;
  result.outcome = moved_back > 0
                       ? ActionResult::Outcome::kReverted
                       : (not_ours > 0 && elsewhere == 0 && gone == 0
                              ? ActionResult::Outcome::kNothingToUndo
                              : ActionResult::Outcome::kAlreadyReverted);
  result.memo = EncodeMemo(memo);
  JsonObjectWriter details;
  details.Add("adapter", "graph")
      .Add("action", memo.action)
      .Add("phase", "revert")
      .Add("mailbox", mailbox);
  if (result.outcome == ActionResult::Outcome::kNothingToUndo) {
    details.Add("note",
                "nothing to undo: every copy was already there before Riposte "
                "acted, so it stays");
  }
  result.details = details
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
