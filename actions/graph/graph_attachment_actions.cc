#include "actions/graph/graph_attachment_actions.h"

#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "actions/graph/graph_messages.h"
#include "common/json.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

constexpr char kFileAttachment[] = "#microsoft.graph.fileAttachment";

// What was removed, for details and memo. Never the content.
struct Removed {
  std::string message_id;
  std::string attachment_id;
  std::string name;
  std::string content_type;
  int64_t size = 0;
  std::string sha256;  // empty when not hashed
  bool removed_now = false;
};

std::string RemovedJson(const Removed& r) {
  JsonObjectWriter w;
  w.Add("message_id", r.message_id)
      .Add("attachment_id", r.attachment_id)
      .Add("name", r.name)
      .Add("content_type", r.content_type)
      .AddInt("size", r.size);
  if (r.sha256.empty()) {
    w.AddNull("sha256");
  } else {
    w.Add("sha256", r.sha256);
  }
  return w.Finish();
}

std::string Memo(absl::string_view mailbox, absl::string_view removed_json) {
  return JsonObjectWriter()
      .AddInt("v", 1)
      .Add("action", "strip_attachment")
      .Add("mailbox", mailbox)
      .AddRaw("removed", removed_json)
      .Finish();
}

// The memo: {"v":1,"action":"strip_attachment","mailbox":"...",
//            "removed":[{"message_id","attachment_id","name",
//                        "content_type","size","sha256"}, ...]}
// Nothing to revert; it keeps the record of what was removed across
// retries (entries are checkpointed just before their DELETE).
absl::StatusOr<std::vector<Removed>> PriorRemoved(absl::string_view memo) {
  std::vector<Removed> out;
  if (memo.empty()) return out;
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(memo);
  if (!json.ok() || json->GetInt64("v") != 1) {
    return absl::InvalidArgumentError("strip_attachment memo is not readable");
  }
  for (const common::JsonValue& r : json->GetArray("removed")) {
    Removed removed;
    removed.message_id = r.GetString("message_id").value_or("");
    removed.attachment_id = r.GetString("attachment_id").value_or("");
    removed.name = r.GetString("name").value_or("");
    removed.content_type = r.GetString("content_type").value_or("");
    removed.size = r.GetInt64("size").value_or(0);
    removed.sha256 = r.GetString("sha256").value_or("");
    out.push_back(std::move(removed));
  }
  return out;
}

// `earlier` followed by those of `later` that are not already in it.
std::string MergedJson(const std::vector<Removed>& earlier,
                       const std::vector<Removed>& later, bool only_removed_now) {
  JsonArrayWriter out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const Removed& r : earlier) {
    seen.insert({r.message_id, r.attachment_id});
    out.AddRaw(RemovedJson(r));
  }
  for (const Removed& r : later) {
    if (only_removed_now && !r.removed_now) continue;
    if (!seen.insert({r.message_id, r.attachment_id}).second) continue;
    out.AddRaw(RemovedJson(r));
  }
  return out.Finish();
}

// Whether the detector's attachment list selects this attachment: by
// SHA-256 when it gives one, else by Graph attachment id, else by name.
bool Selected(const v1::EmailEntity& email, const std::string& id,
              const std::string& name, const std::string& sha256) {
  for (const v1::Attachment& wanted : email.attachments()) {
    if (!wanted.sha256().empty()) {
      if (!sha256.empty() && absl::AsciiStrToLower(wanted.sha256()) == sha256) {
        return true;
      }
    } else if (!wanted.graph_attachment_id().empty()) {
      if (wanted.graph_attachment_id() == id) return true;
    } else if (!wanted.name().empty() && wanted.name() == name) {
      return true;
    }
  }
  return false;
}

bool NeedsHashToSelect(const v1::EmailEntity& email) {
  for (const v1::Attachment& wanted : email.attachments()) {
    if (!wanted.sha256().empty()) return true;
  }
  return false;
}

// GETs one file attachment and hashes its decoded bytes. nullopt if it is
// gone (404).
absl::StatusOr<std::optional<std::string>> HashAttachment(
    GraphClient& client, const std::string& attachment_path, int64_t max_bytes,
    CallLog* log) {
  GraphRequest get;
  get.target = attachment_path;
  get.accept = {404};
  get.max_response_bytes = static_cast<size_t>(max_bytes / 3 * 4 + (1 << 20));
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(get, log));
  if (response.status == 404) return std::optional<std::string>();
  std::optional<std::string> encoded = response.body.GetString("contentBytes");
  std::string bytes;
  if (!encoded.has_value() || !absl::Base64Unescape(*encoded, &bytes)) {
    return absl::InternalError(absl::StrCat(
        "GET ", common::UrlPath(attachment_path),
        ": contentBytes missing or not base64; request-id ", response.request_id));
  }
  return std::optional<std::string>(Sha256Hex(bytes));
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
  RIPOSTE_ASSIGN_OR_RETURN(std::vector<Removed> prior, PriorRemoved(request.memo));

  CallLog log;
  RIPOSTE_ASSIGN_OR_RETURN(std::vector<MessageCopy> copies,
                           FindMessageCopies(client, email, &log));
  if (copies.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "strip_attachment: no message ",
        email.internet_message_id().empty() ? email.graph_message_id()
                                            : email.internet_message_id(),
        " in mailbox ", email.mailbox()));
  }

  const bool strip_all = email.attachments().empty();
  const bool hash_to_select = NeedsHashToSelect(email);
  std::vector<Removed> removed;
  JsonArrayWriter kept;
  for (const MessageCopy& copy : copies) {
    const std::string message_path =
        absl::StrCat(UserPath(email.mailbox()), "/messages/",
                     common::EncodePathSegment(copy.id), "/attachments");
    RIPOSTE_ASSIGN_OR_RETURN(
        std::vector<common::JsonValue> attachments,
        GetAllPages(client,
                    message_path + "?$select=id,name,contentType,size,isInline",
                    &log));
    std::vector<Removed> selected_here;
    for (const common::JsonValue& a : attachments) {
      Removed r;
      r.message_id = copy.id;
      r.attachment_id = a.GetString("id").value_or("");
      r.name = a.GetString("name").value_or("");
      r.content_type = a.GetString("contentType").value_or("");
      r.size = a.GetInt64("size").value_or(0);
      if (r.attachment_id.empty()) continue;
      const bool is_file = a.GetString("@odata.type") == kFileAttachment;
      const bool is_inline = a.GetBool("isInline").value_or(false);
      const std::string attachment_path =
          absl::StrCat(message_path, "/", common::EncodePathSegment(r.attachment_id));

      // Hash file attachments that may be removed (the record keeps the
      // hash) or that can only be selected by hash.
      const bool candidate =
          strip_all ? (is_file && !is_inline)
                    : (hash_to_select || Selected(email, r.attachment_id, r.name, ""));
      if (is_file && candidate && r.size <= options.max_attachment_hash_bytes) {
        RIPOSTE_ASSIGN_OR_RETURN(
            std::optional<std::string> hash,
            HashAttachment(client, attachment_path,
                           options.max_attachment_hash_bytes, &log));
        if (!hash.has_value()) continue;  // removed meanwhile
        r.sha256 = *hash;
      }
      const bool selected =
          strip_all ? candidate : Selected(email, r.attachment_id, r.name, r.sha256);
      if (!selected) {
        kept.AddRaw(JsonObjectWriter()
                        .Add("message_id", r.message_id)
                        .Add("name", r.name)
                        .Add("reason", strip_all ? (is_file ? "inline" : "not a file attachment")
                                                 : "not listed in the breach")
                        .Finish());
        continue;
      }
      selected_here.push_back(std::move(r));
    }
    if (selected_here.empty()) continue;
    // Record what is about to go before deleting it: the record must
    // survive a crash between the delete and the end of this call.
    std::vector<Removed> planned = removed;
    planned.insert(planned.end(), selected_here.begin(), selected_here.end());
    RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(
        request, Memo(email.mailbox(), MergedJson(prior, planned, false))));
    for (Removed& r : selected_here) {
      GraphRequest del;
      del.method = "DELETE";
      del.target = absl::StrCat(message_path, "/",
                                common::EncodePathSegment(r.attachment_id));
      del.accept = {404};  // already removed by an earlier attempt
      RIPOSTE_ASSIGN_OR_RETURN(GraphResponse deleted, client.Send(del, &log));
      r.removed_now = deleted.status != 404;
      removed.push_back(std::move(r));
    }
  }

  int removed_now = 0;
  JsonArrayWriter removed_json;
  for (const Removed& r : removed) {
    if (!r.removed_now) continue;
    ++removed_now;
    removed_json.AddRaw(RemovedJson(r));
  }

  ActionResult result;
  result.outcome = removed_now > 0 ? ActionResult::Outcome::kApplied
                                   : ActionResult::Outcome::kAlreadyApplied;
  result.memo = Memo(email.mailbox(), MergedJson(prior, removed, true));
  result.details =
      JsonObjectWriter()
          .Add("adapter", "graph")
          .Add("action", "strip_attachment")
          .Add("phase", "apply")
          .Add("mailbox", email.mailbox())
          .Add("selection", strip_all ? "all file attachments" : "listed in the breach")
          .AddInt("copies", static_cast<int64_t>(copies.size()))
          .AddRaw("removed", removed_json.Finish())
          .AddInt("already_removed", static_cast<int64_t>(removed.size()) - removed_now)
          .AddRaw("kept", kept.Finish())
          .AddRaw("calls", log.ToJson())
          .Finish();
  return result;
}

}  // namespace riposte::actions::graph
