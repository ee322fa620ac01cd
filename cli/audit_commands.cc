// audit tail, audit verify, audit export.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/json_output.h"
#include "cli/text.h"
#include "cli/time_format.h"

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

absl::Status Verify(CommandContext& ctx) {
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

// Writes to a temporary file beside `path` and renames it into place on
// success, so an interrupted export never looks complete.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {}
  ~AtomicFile() {
    if (fd_ >= 0) close(fd_);
    if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
  }

  absl::Status Open() {
    temp_ = absl::StrCat(path_, ".tmp-XXXXXX");
    fd_ = mkstemp(temp_.data());
    if (fd_ < 0) {
      temp_.clear();
      return UsageError(absl::StrCat("cannot write ", path_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view data) {
    while (!data.empty()) {
      const ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                                std::strerror(errno)));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Commit() {
    // Other users need not read the audit trail; keep the mode mkstemp gave.
    if (fsync(fd_) != 0 || close(fd_) != 0) {
      fd_ = -1;
      return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                              std::strerror(errno)));
    }
    fd_ = -1;
    if (rename(temp_.c_str(), path_.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                              std::strerror(errno)));
    }
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

absl::Status Export(CommandContext& ctx) {
  absl::StatusOr<int64_t> after = ParsePositiveFlag(ctx, "after", 0, true);
  if (!after.ok()) return after.status();
  v1::ExportAuditRequest request;
  request.set_after_seq(*after);
  const std::optional<std::string> path = ctx.args->Get("output");
  if (path.has_value() && path->empty()) return UsageError("-o: empty path");
  const bool to_file = path.has_value() && *path != "-";
  std::optional<AtomicFile> file;
  if (to_file) {
    file.emplace(*path);
    if (absl::Status s = file->Open(); !s.ok()) return s;
  }
  int64_t records = 0;
  absl::Status write_status;
  absl::Status status = ctx.client->ExportAudit(
      request, [&](const v1::AuditExportChunk& chunk) {
        for (char c : chunk.jsonl()) records += c == '\n';
        if (to_file) {
          write_status = file->Write(chunk.jsonl());
          return write_status.ok();
        }
        *ctx.out << chunk.jsonl();
        return true;
      });
  if (!write_status.ok()) return write_status;
  if (!status.ok()) return status;
  ctx.out->flush();
  if (to_file) {
    if (absl::Status s = file->Commit(); !s.ok()) return s;
    *ctx.err << "Exported " << records << " audit records to " << *path << ".\n";
  }
  return absl::OkStatus();
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
      "audit verify", "", "Recompute the audit hash chain",
      "Has riposted recompute the audit trail's SHA-256 hash chain. Exits 0\n"
      "if it is intact, 5 if it is broken (naming the first broken record).",
      {}, 0, 0, Verify});
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
