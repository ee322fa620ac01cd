#include "actions/graph/graph_attachment_actions.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "actions/graph/attachment_plan.h"
#include "actions/graph/graph_messages.h"
#include "common/json.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

using Hash = PlannedAttachment::Hash;
using Decision = PlannedAttachment::Decision;
using State = PlannedAttachment::State;

// SHA-256 over bytes fed piece by piece.
// SHA-256 of a file attachment's bytes, streamed from
// GET .../attachments/{id}/$value so that no attachment is held whole.
// nullopt if it is gone (404).
absl::StatusOr<std::optional<std::string>> ReadSha256(GraphClient& client,
                                                      const std::string& path,
                                                      CallLog* log) {
  GraphRequest get;
  get.accept = {404};
  get.target = path + "/$value";
  Sha256Stream hash;
  get.body_sink = [&hash](absl::string_view piece) {
    hash.Update(piece);
    return absl::OkStatus();
  };
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(get, log));
  if (response.status == 404) return std::optional<std::string>();
  return std::optional<std::string>(hash.HexDigest());
}

// Whether the detector's attachment list selects this attachment: by
// SHA-256 when it gives one, else by Graph attachment id, else by name.
bool Selected(const v1::EmailEntity& email, const PlannedAttachment& a) {
  for (const v1::Attachment& wanted : email.attachments()) {
    if (!wanted.sha256().empty()) {
      if (!a.sha256.empty() && absl::AsciiStrToLower(wanted.sha256()) == a.sha256) {
        return true;
      }
    } else if (!wanted.graph_attachment_id().empty()) {
      if (wanted.graph_attachment_id() == a.attachment_id) return true;
    } else if (!wanted.name().empty() && wanted.name() == a.name) {
      return true;
    }
  }
  return false;
}

bool SelectsByHash(const v1::EmailEntity& email) {
  for (const v1::Attachment& wanted : email.attachments()) {
    if (!wanted.sha256().empty()) return true;
  }
  return false;
}

// Why an attachment of this kind has no SHA-256.
std::string NoHashReason(AttachmentKind kind) {
  switch (kind) {
    case AttachmentKind::kItem:
      return "an item attachment (an attached mail, event or contact) has no "
             "file bytes: Graph renders it as MIME, whose hash matches nothing "
             "a detector saw";
    case AttachmentKind::kReference:
      return "a reference attachment is a link to a file in the cloud; the "
             "message holds no content to hash";
    case AttachmentKind::kFile:
    case AttachmentKind::kOther:
      break;
  }
  return "an attachment of an unknown kind; its content is not read";
}

// What strip_attachment does with one listed attachment before its hash is
// known: whether to read the hash, and for what cannot be hashed, why.
PlannedAttachment Plan(const common::JsonValue& listed, const std::string& message_id,
                       const v1::EmailEntity& email, const GraphOptions& options) {
  PlannedAttachment a;
  a.message_id = message_id;
  a.attachment_id = listed.GetString("id").value_or("");
  a.kind = AttachmentKindFromOdataType(listed.GetString("@odata.type").value_or(""));
  a.name = listed.GetString("name").value_or("");
  a.content_type = listed.GetString("contentType").value_or("");
  a.size = listed.GetInt64("size").value_or(0);
  a.is_inline = listed.GetBool("isInline").value_or(false);

  const bool strip_all = email.attachments().empty();
  if (a.kind != AttachmentKind::kFile) {
    a.hash = Hash::kNone;
    a.reason = NoHashReason(a.kind);
  } else if (a.size > options.max_attachment_hash_bytes) {
    a.hash = Hash::kNone;
    a.reason = absl::StrCat("larger than max_attachment_hash_bytes (",
                            options.max_attachment_hash_bytes, " bytes); not read");
  } else {
    // The hash goes into the record of what was removed, and is what
    // selects an attachment when the breach names hashes.
    const bool may_go = strip_all ? !a.is_inline
                                  : SelectsByHash(email) || Selected(email, a);
    a.hash = may_go ? Hash::kPending : Hash::kNone;
  }
  return a;
}

// Decides an attachment whose hash is read or will not be.
void Decide(PlannedAttachment& a, const v1::EmailEntity& email) {
  const bool strip_all = email.attachments().empty();
  bool remove = false;
  if (strip_all) {
    remove = a.kind == AttachmentKind::kFile && !a.is_inline;
    if (!remove) {
      a.reason = a.kind == AttachmentKind::kFile
                     ? "inline: shown in the body (an embedded image); removed "
                       "only when the breach names it"
                 : a.kind == AttachmentKind::kReference
                     ? "a link to a file in the cloud; removed only when the "
                       "breach names it"
                     : "not a file attachment; removed only when the breach "
                       "names it";
    }
  } else {
    remove = Selected(email, a);
    if (!remove) {
      a.reason = SelectsByHash(email) && a.sha256.empty() && !a.reason.empty()
                     ? absl::StrCat("not listed in the breach, which names "
                                    "SHA-256 hashes; no hash: ",
                                    a.reason)
                     : "not listed in the breach";
    }
  }
  if (!remove) {
    a.decision = Decision::kKeep;
    return;
  }
  a.decision = Decision::kRemove;
  if (a.kind == AttachmentKind::kReference) {
    a.note = "the link was removed; the file in the cloud it points to was not touched";
  } else if (a.sha256.empty() && a.hash == Hash::kNone) {
    a.note = absl::StrCat("removed without a SHA-256: ", a.reason);
  }
  a.reason.clear();
}

std::string AttachmentPath(const v1::EmailEntity& email, const PlannedAttachment& a) {
  return absl::StrCat(UserPath(email.mailbox()), "/messages/",
                      common::EncodePathSegment(a.message_id), "/attachments/",
                      common::EncodePathSegment(a.attachment_id));
}

std::string Details(const v1::EmailEntity& email, const StripPlan& plan,
                    const CallLog& log) {
  JsonArrayWriter removed;
  JsonArrayWriter kept;
  int64_t already_removed = 0;
  for (const PlannedAttachment& a : plan.attachments) {
    if (a.state == State::kDeleted) {
      removed.AddRaw(a.ToJson());
    } else if (a.state == State::kGone) {
      ++already_removed;
    } else if (a.decision == Decision::kKeep) {
      kept.AddRaw(JsonObjectWriter()
                      .Add("message_id", a.message_id)
                      .Add("name", a.name)
                      .Add("kind", AttachmentKindName(a.kind))
                      .AddBool("inline", a.is_inline)
                      .Add("reason", a.reason)
                      .Finish());
    }
  }
  return JsonObjectWriter()
      .Add("adapter", "graph")
      .Add("action", "strip_attachment")
      .Add("phase", "apply")
      .Add("mailbox", email.mailbox())
      .Add("selection", email.attachments().empty() ? "all file attachments"
                                                    : "listed in the breach")
      .AddInt("copies", static_cast<int64_t>(plan.copies.size()))
      .AddRaw("removed", removed.Finish())
      .AddInt("already_removed", already_removed)
      .AddRaw("kept", kept.Finish())
      .AddRaw("calls", log.ToJson())
      .Finish();
}

}  // namespace

absl::StatusOr<ActionResult> StripAttachments(GraphClient& client,
                                              const GraphOptions& options,
                                              const ActionRequest& request) {
  if (!request.target.has_email()) {
    return absl::InvalidArgumentError("strip_attachment needs an email target");
  }
  const v1::EmailEntity& email = request.target.email();
  RIPOSTE_RETURN_IF_ERROR(ValidateEmailTarget(email));
  RIPOSTE_ASSIGN_OR_RETURN(StripPlan plan, ParseStripPlan(request.memo, email.mailbox()));
  // Every step's result is checkpointed before the next request, so a retry
  // (after throttling, a timeout or a crash) starts where this one stopped.
  auto save = [&] { return common::Checkpoint(request, plan.ToJson()); };

  CallLog log;
  if (!plan.searched) {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<MessageCopy> copies,
                             FindMessageCopies(client, email, &log));
    if (copies.empty() && plan.attachments.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "strip_attachment: no message ",
          email.internet_message_id().empty() ? email.graph_message_id()
                                              : email.internet_message_id(),
          " in mailbox ", email.mailbox()));
    }
    for (const MessageCopy& copy : copies) plan.copies.push_back(copy.id);
    plan.searched = true;
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  for (const std::string& message_id : std::vector<std::string>(plan.copies)) {
    if (plan.Listed(message_id)) continue;
    RIPOSTE_ASSIGN_OR_RETURN(
        std::vector<common::JsonValue> listed,
        GetAllPages(client,
                    absl::StrCat(UserPath(email.mailbox()), "/messages/",
                                 common::EncodePathSegment(message_id),
                                 "/attachments?$select=id,name,contentType,size,isInline"),
                    &log));
    for (const common::JsonValue& l : listed) {
      PlannedAttachment a = Plan(l, message_id, email, options);
      if (a.attachment_id.empty() || plan.Has(a.message_id, a.attachment_id)) continue;
      if (a.hash != Hash::kPending) Decide(a, email);
      plan.attachments.push_back(std::move(a));
    }
    plan.listed.push_back(message_id);
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  for (PlannedAttachment& a : plan.attachments) {
    if (a.hash != Hash::kPending || a.state != State::kPlanned) continue;
    RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> sha256,
                             ReadSha256(client, AttachmentPath(email, a), &log));
    if (sha256.has_value()) {
      a.hash = Hash::kRead;
      a.sha256 = *sha256;
      Decide(a, email);
    } else {
      a.hash = Hash::kNone;
      a.decision = Decision::kKeep;
      a.reason = "gone before its content could be read";
      a.state = State::kGone;
    }
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  // Applied when this call removed something; a retry that finds its
  // work done (or only 404s) has nothing left to apply.
  bool removed_now = false;
  for (PlannedAttachment& a : plan.attachments) {
    if (a.decision != Decision::kRemove ||
        (a.state != State::kPlanned && a.state != State::kDeleting)) {
      continue;
    }
    // Recorded before the DELETE: the record of what went must survive a
    // crash between the DELETE and the end of this call.
    a.state = State::kDeleting;
    RIPOSTE_RETURN_IF_ERROR(save());
    GraphRequest del;
    del.method = "DELETE";
    del.target = AttachmentPath(email, a);
    // Already removed: by an earlier attempt whose answer was lost, or by
    // someone else.
    del.accept = {404};
    RIPOSTE_ASSIGN_OR_RETURN(GraphResponse deleted, client.Send(del, &log));
    a.state = deleted.status == 404 ? State::kGone : State::kDeleted;
    removed_now = removed_now || a.state == State::kDeleted;
    RIPOSTE_RETURN_IF_ERROR(save());
  }

  ActionResult result;
  result.outcome = removed_now ? ActionResult::Outcome::kApplied
                               : ActionResult::Outcome::kAlreadyApplied;
  result.memo = plan.ToJson();
  result.details = Details(email, plan, log);
  return result;
}

}  // namespace riposte::actions::graph
