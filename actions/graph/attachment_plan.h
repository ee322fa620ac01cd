#ifndef RIPOSTE_ACTIONS_GRAPH_ATTACHMENT_PLAN_H_
#define RIPOSTE_ACTIONS_GRAPH_ATTACHMENT_PLAN_H_

// The progress of one strip_attachment run, kept as its memo so that a
// retry resumes at the step the last attempt did not finish: which copies
// of the message were found, whose attachments were listed, each
// attachment's hash once read, what was decided for it, and whether its
// DELETE was sent and answered. Internal to //actions/graph:graph_adapter.
// Values; thread-compatible.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::graph {

// Graph's kinds of attachment (by @odata.type).
enum class AttachmentKind { kFile, kItem, kReference, kOther };

absl::string_view AttachmentKindName(AttachmentKind kind);
AttachmentKind AttachmentKindFromOdataType(absl::string_view odata_type);

struct PlannedAttachment {
  enum class Hash { kPending, kRead, kNone };
  enum class Decision { kUndecided, kRemove, kKeep };
  enum class State {
    kPlanned,   // nothing sent yet
    kDeleting,  // a DELETE may have been sent; its answer is not recorded
    kDeleted,   // Graph answered the DELETE with 2xx
    kGone,      // Graph answered 404: removed before (or by a lost answer)
  };

  std::string message_id;
  std::string attachment_id;
  AttachmentKind kind = AttachmentKind::kFile;
  std::string name;
  std::string content_type;
  int64_t size = 0;
  bool is_inline = false;
  Hash hash = Hash::kPending;
  std::string sha256;  // lower-case hex; set when hash == kRead
  Decision decision = Decision::kUndecided;
  // Why it is kept, or why it has no hash.
  std::string reason;
  // What removing it does and does not do (e.g. a link's cloud file stays).
  std::string note;
  State state = State::kPlanned;

  // {"message_id","attachment_id","kind","name","content_type","size",
  //  "inline","sha256"|null,"hash","decision","reason","note","state"}
  std::string ToJson() const;
};

struct StripPlan {
  std::string mailbox;
  bool searched = false;             // `copies` is the search's answer
  std::vector<std::string> copies;   // Graph ids of the message's copies
  std::vector<std::string> listed;   // copies whose attachments are planned
  std::vector<PlannedAttachment> attachments;

  bool Listed(absl::string_view message_id) const;
  bool Has(absl::string_view message_id, absl::string_view attachment_id) const;

  // {"v":2,"action":"strip_attachment","mailbox":...,"searched":bool,
  //  "copies":[...],"listed":[...],"attachments":[PlannedAttachment...]}
  std::string ToJson() const;
};

// The plan in `memo`: empty for an empty memo; a version 1 memo (a list of
// attachments "removed", each checkpointed right before its DELETE) becomes
// a plan with those attachments being deleted and the search still to do.
// InvalidArgument if the memo cannot be read.
absl::StatusOr<StripPlan> ParseStripPlan(absl::string_view memo,
                                         absl::string_view mailbox);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_ATTACHMENT_PLAN_H_
