// audit tail, audit verify, audit export.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "audit/anchor_check.h"
#include "audit/audit_record.h"
#include "audit/chain_verifier.h"
#include "audit/checkpoint.h"
#include "audit/segment.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/input_file.h"
#include "cli/json_output.h"
#include "cli/jsonl_export.h"
#include "cli/text.h"
#include "cli/time_format.h"
#include "common/json.h"

namespace riposte::cli {
namespace {

std::string AuditLine(const v1::AuditEntry& e) {
  std::string line = absl::StrFormat(
      "%-6d  %s  %-20s  %-22s  %s", e.seq(),
      IsSet(e.time()) ? FormatTimestamp(ToTime(e.time())) : "-",
      SanitizeForTerminal(e.actor(), false), SanitizeForTerminal(e.event(), false),
      e.subject().empty() ? "-" : SanitizeForTerminal(e.subject(), false));
  if (!e.details().empty() && e.details() != "{}") {
    absl::StrAppend(&line, "  ", SanitizeForTerminal(e.details(), false));
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return absl::StrCat(line, "\n");
}

absl::Status Tail(CommandContext& ctx) {
  absl::StatusOr<int64_t> after = ParsePositiveFlag(ctx, "after", 0, true);
  if (!after.ok()) return after.status();
  v1::StreamAuditRequest request;
  request.set_after_seq(*after);
  request.set_follow(ctx.args->GetBool("follow"));
  return ctx.client->StreamAudit(request, [&](const v1::AuditEntry& entry) {
    *ctx.out << (ctx.json ? ToJsonLine(entry) : AuditLine(entry));
    ctx.out->flush();
    return true;
  });
}

// The record as riposted stored it, from what it streamed.
audit::AuditRecord ToRecord(const v1::AuditEntry& e) {
  audit::AuditRecord r;
  r.seq = e.seq();
  r.time = absl::FromUnixMicros(e.time().seconds() * 1'000'000 +
                                e.time().nanos() / 1000);
  r.event.actor = e.actor();
  r.event.event = e.event();
  r.event.subject = e.subject();
  r.event.details = e.details();
  r.event.policy_version = e.policy_version();
  r.prev_hash = e.prev_hash();
  r.hash = e.hash();
  return r;
}

// Recomputes the chain here, from the records riposted streams, and
// compares it with signed checkpoints kept elsewhere: neither the server
// nor its store has to be trusted.
//
// With `segment_path`, the chain starts after that archived segment (the
// last one archived: docs/AUDIT.md, "Segments"), which is checked first on
// its own with the same key.
absl::Status VerifyAgainstCheckpoints(CommandContext& ctx,
                                      const std::string& checkpoint_path,
                                      const std::string& key_path,
                                      const std::optional<std::string>& segment_path) {
  absl::StatusOr<std::string> pem = ReadInput(key_path, *ctx.in);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<audit::CheckpointVerifier> verifier =
      audit::CheckpointVerifier::FromPublicKeyPem(*pem);
  if (!verifier.ok()) {
    return UsageError(absl::StrCat("--public-key ", key_path, ": ",
                                   verifier.status().message()));
  }
  absl::StatusOr<std::string> text = ReadInput(checkpoint_path, *ctx.in);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<audit::CheckpointNote>> notes =
      audit::ReadVerifiedCheckpoints(checkpoint_path, *text, *verifier);
  std::string checkpoint_error;
  if (!notes.ok()) checkpoint_error = std::string(notes.status().message());
  audit::ChainBase base;
  if (segment_path.has_value()) {
    absl::StatusOr<std::string> seg_text = ReadInput(*segment_path, *ctx.in);
    if (!seg_text.ok()) return seg_text.status();
    absl::StatusOr<audit::Segment> segment =
        audit::ParseSegment(*segment_path, *seg_text);
    audit::SegmentResult seg;
    if (segment.ok()) {
      seg = audit::VerifySegment(*segment, *verifier);
    } else {
      seg.problem = std::string(segment.status().message());
    }
    if (!seg.ok) {
      *ctx.out << "The archived segment " << *segment_path
               << " does not verify: " << SanitizeForTerminal(seg.problem, false)
               << "\n";
      return SilentExit(kExitAuditBroken);
    }
    base = audit::ChainBase{seg.last_seq, seg.head_hash};
  }
  audit::ChainVerifier chain(base);
  audit::AnchorCheck anchors(notes.ok() ? *notes
                                        : std::vector<audit::CheckpointNote>{});
  anchors.SetBase(base);
  v1::StreamAuditRequest request;
  request.set_after_seq(base.seq);
  request.set_follow(false);
  absl::Status streamed =
      ctx.client->StreamAudit(request, [&](const v1::AuditEntry& entry) {
        const audit::AuditRecord record = ToRecord(entry);
        if (!chain.Add(record)) return false;
        anchors.Add(record);
        return true;
      });
  if (!streamed.ok()) return streamed;
  const audit::VerifyResult& c = chain.result();
  const audit::AnchorResult a = anchors.Finish(c.head_seq);
  const bool ok = c.ok && a.ok && checkpoint_error.empty();
  if (ctx.json) {
    JsonObjectWriter w;
    w.AddBool("ok", ok);
    w.AddInt("records", c.records);
    w.AddInt("head_seq", c.head_seq);
    w.Add("head_hash", c.head_hash);
    if (!c.ok) {
      w.AddInt("first_broken_seq", c.first_broken_seq);
      w.Add("reason", c.reason);
    }
    w.Add("checkpoint_file", checkpoint_path);
    w.AddInt("checkpoints", a.checkpoints);
    if (!checkpoint_error.empty()) w.Add("checkpoint_error", checkpoint_error);
    if (!a.ok) {
      w.Add("failing_checkpoint", a.checkpoint);
      w.Add("checkpoint_reason", a.reason);
    }
    *ctx.out << std::move(w).Finish() << "\n";
  } else if (!c.ok) {
    *ctx.out << "The audit chain is BROKEN at record " << c.first_broken_seq
             << ": " << SanitizeForTerminal(c.reason, false) << " ("
             << c.records << " intact records).\n";
  } else if (!checkpoint_error.empty()) {
    *ctx.out << "The checkpoints cannot be trusted: "
             << SanitizeForTerminal(checkpoint_error, false) << "\n";
  } else if (!a.ok) {
    *ctx.out << "The audit chain does NOT MATCH " << checkpoint_path << ", "
             << a.checkpoint << ": " << a.reason << ".\n";
  } else {
    *ctx.out << "The audit chain is intact: " << c.records << " records, head "
             << c.head_seq << " " << c.head_hash << "; it matches all "
             << a.checkpoints << " checkpoints in " << checkpoint_path
             << ".\n";
  }
  return ok ? absl::OkStatus() : SilentExit(kExitAuditBroken);
}

absl::Status Verify(CommandContext& ctx) {
  const std::optional<std::string> checkpoint = ctx.args->Get("checkpoint");
  const std::optional<std::string> key = ctx.args->Get("public-key");
  if (checkpoint.has_value() != key.has_value()) {
    return UsageError("--checkpoint and --public-key go together");
  }
  const std::optional<std::string> segment = ctx.args->Get("from-segment");
  if (segment.has_value() && !checkpoint.has_value()) {
    return UsageError("--from-segment needs --checkpoint and --public-key");
  }
  if (checkpoint.has_value()) {
    return VerifyAgainstCheckpoints(ctx, *checkpoint, *key, segment);
  }
  absl::StatusOr<v1::VerifyAuditResponse> r = ctx.client->VerifyAudit({});
  if (!r.ok()) return r.status();
  if (ctx.json) {
    PrintJson(ctx, *r);
  } else if (r->ok()) {
    *ctx.out << "The audit chain is intact: " << r->records() << " records, head "
             << r->head_seq() << " " << r->head_hash() << ".\n";
  } else {
    *ctx.out << "The audit chain is BROKEN at record " << r->first_broken_seq()
             << ": " << SanitizeForTerminal(r->reason(), false) << " ("
             << r->records() << " records, head " << r->head_seq() << ").\n";
  }
  return r->ok() ? absl::OkStatus() : SilentExit(kExitAuditBroken);
}

absl::Status Export(CommandContext& ctx) {
  absl::StatusOr<int64_t> after = ParsePositiveFlag(ctx, "after", 0, true);
  if (!after.ok()) return after.status();
  v1::ExportAuditRequest request;
  request.set_after_seq(*after);
  return ExportJsonLines(ctx, "audit records", [&](LineSink sink) {
    return ctx.client->ExportAudit(
        request,
        [&](const v1::AuditExportChunk& chunk) { return sink(chunk.jsonl()); });
  });
}

}  // namespace

std::vector<CommandSpec> AuditCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "audit tail", "[--after SEQ] [--follow]", "Print audit records",
      "Prints the audit records after sequence number SEQ (default: all), one\n"
      "per line: SEQ, TIME, ACTOR, EVENT, SUBJECT, DETAILS. With --follow,\n"
      "keeps printing new records as they are appended, until Ctrl-C (then\n"
      "exits 0). With --json: JSON lines, one AuditEntry each.",
      {{"after", 0, FlagSpec::Kind::kValue, "SEQ",
        "Only records with a larger sequence number."},
       {"follow", 'F', FlagSpec::Kind::kBool, "", "Keep printing new records."}},
      0, 0, Tail});
  commands.push_back(CommandSpec{
      "audit verify",
      "[--checkpoint FILE --public-key FILE [--from-segment FILE]]",
      "Recompute the audit hash chain",
      "Has riposted recompute the audit trail's SHA-256 hash chain. Exits 0\n"
      "if it is intact, 5 if it is broken (naming the first broken record).\n"
      "With --checkpoint, the chain is recomputed here from the streamed\n"
      "records instead and compared with the signed checkpoints in FILE\n"
      "(kept off riposted's host): exits 5, naming the checkpoint, when the\n"
      "chain is shorter than one or hashes differently at its position.\n"
      "Once the oldest records are archived in segments, give the last\n"
      "archived segment with --from-segment: it is checked on its own and\n"
      "the chain is recomputed from its last record.",
      {{"checkpoint", 0, FlagSpec::Kind::kValue, "FILE",
        "Signed checkpoints to compare the chain with."},
       {"from-segment", 0, FlagSpec::Kind::kValue, "FILE",
        "The last archived audit segment: the chain starts after it."},
       {"public-key", 0, FlagSpec::Kind::kValue, "FILE",
        "PEM Ed25519 public key the checkpoints are signed with."}},
      0, 0, Verify});
  commands.push_back(CommandSpec{
      "audit export", "[--after SEQ] [-o FILE]", "Export audit records as JSON lines",
      "Writes the audit records after SEQ (default: all) as JSON lines, as\n"
      "riposted exports them, to stdout or to FILE. FILE appears only once the\n"
      "export is complete; an interrupted export leaves nothing behind.",
      {{"after", 0, FlagSpec::Kind::kValue, "SEQ",
        "Only records with a larger sequence number."},
       {"output", 'o', FlagSpec::Kind::kValue, "FILE",
        "Write to FILE instead of stdout."}},
      0, 0, Export});
  return commands;
}

}  // namespace riposte::cli
