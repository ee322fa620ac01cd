#include "actions/graph/attachment_plan.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "actions/common/json_value.h"
#include "common/json.h"

namespace riposte::actions::graph {
namespace {

using Hash = PlannedAttachment::Hash;
using Decision = PlannedAttachment::Decision;
using State = PlannedAttachment::State;

// Each enum's names in the memo, in enum order.
constexpr absl::string_view kKindNames[] = {"file", "item", "reference", "other"};
constexpr absl::string_view kHashNames[] = {"pending", "read", "none"};
constexpr absl::string_view kDecisionNames[] = {"undecided", "remove", "keep"};
constexpr absl::string_view kStateNames[] = {"planned", "deleting", "deleted", "gone"};

template <typename Enum, size_t N>
absl::string_view NameOf(Enum value, const absl::string_view (&names)[N]) {
  return names[static_cast<size_t>(value)];
}

template <typename Enum, size_t N>
std::optional<Enum> FromName(absl::string_view name,
                             const absl::string_view (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

std::string StringArray(const std::vector<std::string>& values) {
  JsonArrayWriter out;
  for (const std::string& v : values) out.Add(v);
  return out.Finish();
}

std::vector<std::string> Strings(const common::JsonValue& array) {
  std::vector<std::string> out;
  for (const common::JsonValue& v : array.elements()) {
    if (v.is_string()) out.push_back(v.string_value());
  }
  return out;
}

absl::Status Unreadable() {
  return absl::InvalidArgumentError("strip_attachment memo is not readable");
}

// The members both memo versions share.
PlannedAttachment ReadRecord(const common::JsonValue& e) {
  PlannedAttachment a;
  a.message_id = e.GetString("message_id").value_or("");
  a.attachment_id = e.GetString("attachment_id").value_or("");
  a.name = e.GetString("name").value_or("");
  a.content_type = e.GetString("content_type").value_or("");
  a.size = e.GetInt64("size").value_or(0);
  a.sha256 = e.GetString("sha256").value_or("");
  return a;
}

absl::StatusOr<PlannedAttachment> ParseEntry(const common::JsonValue& e) {
  PlannedAttachment a = ReadRecord(e);
  a.is_inline = e.GetBool("inline").value_or(false);
  a.reason = e.GetString("reason").value_or("");
  a.note = e.GetString("note").value_or("");
  std::optional<AttachmentKind> kind =
      FromName<AttachmentKind>(e.GetString("kind").value_or(""), kKindNames);
  std::optional<Hash> hash = FromName<Hash>(e.GetString("hash").value_or(""), kHashNames);
  std::optional<Decision> decision =
      FromName<Decision>(e.GetString("decision").value_or(""), kDecisionNames);
  std::optional<State> state =
      FromName<State>(e.GetString("state").value_or(""), kStateNames);
  if (a.message_id.empty() || a.attachment_id.empty() || !kind || !hash ||
      !decision || !state) {
    return Unreadable();
  }
  a.kind = *kind;
  a.hash = *hash;
  a.decision = *decision;
  a.state = *state;
  return a;
}

}  // namespace

absl::string_view AttachmentKindName(AttachmentKind kind) {
  return NameOf(kind, kKindNames);
}

AttachmentKind AttachmentKindFromOdataType(absl::string_view odata_type) {
  if (odata_type == "#microsoft.graph.fileAttachment") return AttachmentKind::kFile;
  if (odata_type == "#microsoft.graph.itemAttachment") return AttachmentKind::kItem;
  if (odata_type == "#microsoft.graph.referenceAttachment") {
    return AttachmentKind::kReference;
  }
  return AttachmentKind::kOther;
}

std::string PlannedAttachment::ToJson() const {
  JsonObjectWriter w;
  w.Add("message_id", message_id)
      .Add("attachment_id", attachment_id)
      .Add("kind", AttachmentKindName(kind))
      .Add("name", name)
      .Add("content_type", content_type)
      .AddInt("size", size)
      .AddBool("inline", is_inline);
  if (sha256.empty()) {
    w.AddNull("sha256");
  } else {
    w.Add("sha256", sha256);
  }
  w.Add("hash", NameOf(hash, kHashNames))
      .Add("decision", NameOf(decision, kDecisionNames))
      .Add("reason", reason)
      .Add("note", note)
      .Add("state", NameOf(state, kStateNames));
  return w.Finish();
}

bool StripPlan::Listed(absl::string_view message_id) const {
  return std::find(listed.begin(), listed.end(), message_id) != listed.end();
}

bool StripPlan::Has(absl::string_view message_id,
                    absl::string_view attachment_id) const {
  return std::any_of(attachments.begin(), attachments.end(),
                     [&](const PlannedAttachment& a) {
                       return a.message_id == message_id &&
                              a.attachment_id == attachment_id;
                     });
}

std::string StripPlan::ToJson() const {
  JsonArrayWriter entries;
  for (const PlannedAttachment& a : attachments) entries.AddRaw(a.ToJson());
  return JsonObjectWriter()
      .AddInt("v", 2)
      .Add("action", "strip_attachment")
      .Add("mailbox", mailbox)
      .AddBool("searched", searched)
      .AddRaw("copies", StringArray(copies))
      .AddRaw("listed", StringArray(listed))
      .AddRaw("attachments", entries.Finish())
      .Finish();
}

absl::StatusOr<StripPlan> ParseStripPlan(absl::string_view memo,
                                         absl::string_view mailbox) {
  StripPlan plan;
  plan.mailbox = std::string(mailbox);
  if (memo.empty()) return plan;
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(memo);
  if (!json.ok() || json->GetString("action") != "strip_attachment") {
    return Unreadable();
  }
  const std::optional<int64_t> version = json->GetInt64("v");
  if (version == 1) {
    // Version 1 checkpointed each attachment just before its DELETE.
    for (const common::JsonValue& r : json->GetArray("removed")) {
      PlannedAttachment a = ReadRecord(r);
      a.hash = a.sha256.empty() ? Hash::kNone : Hash::kRead;
      a.decision = Decision::kRemove;
      a.state = State::kDeleting;
      if (a.message_id.empty() || a.attachment_id.empty()) return Unreadable();
      plan.attachments.push_back(std::move(a));
    }
    return plan;
  }
  if (version != 2) return Unreadable();
  plan.searched = json->GetBool("searched").value_or(false);
  if (const common::JsonValue* copies = json->Find("copies")) plan.copies = Strings(*copies);
  if (const common::JsonValue* listed = json->Find("listed")) plan.listed = Strings(*listed);
  for (const common::JsonValue& e : json->GetArray("attachments")) {
    absl::StatusOr<PlannedAttachment> a = ParseEntry(e);
    if (!a.ok()) return a.status();
    plan.attachments.push_back(*std::move(a));
  }
  return plan;
}

}  // namespace riposte::actions::graph
