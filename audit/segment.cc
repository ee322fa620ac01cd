#include "audit/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "audit/chain_verifier.h"
#include "common/json_value.h"

namespace riposte::audit {
namespace {

absl::Status IoError(const std::string& path, absl::string_view what) {
  const int err = errno;
  const std::string message = absl::StrCat("audit segment ", path, ": cannot ",
                                           what, ": ", std::strerror(err));
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

absl::Status WriteAll(int fd, absl::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError("write");
    text.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditRecord> AuditRecordFromJson(absl::string_view line) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(line);
  if (!v.ok()) return v.status();
  if (!v->is_object()) return absl::InvalidArgumentError("not a JSON object");
  AuditRecord r;
  auto text = [&](absl::string_view key, std::string* out) -> absl::Status {
    std::optional<std::string> got = v->GetString(key);
    if (!got.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", key, "\" is missing or not a string"));
    }
    *out = *std::move(got);
    return absl::OkStatus();
  };
  std::optional<int64_t> seq = v->GetInt64("seq");
  if (!seq.has_value() || *seq < 1) {
    return absl::InvalidArgumentError("\"seq\" is missing or not positive");
  }
  r.seq = *seq;
  std::string time;
  for (auto [key, out] : {std::pair{"time", &time},
                          std::pair{"actor", &r.event.actor},
                          std::pair{"event", &r.event.event},
                          std::pair{"subject", &r.event.subject},
                          std::pair{"policy_version", &r.event.policy_version},
                          std::pair{"prev_hash", &r.prev_hash},
                          std::pair{"hash", &r.hash}}) {
    if (absl::Status s = text(key, out); !s.ok()) return s;
  }
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone(),
                       &r.time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"time\" is not a UTC timestamp: ", error));
  }
  const JsonValue* details = v->Find("details");
  if (details == nullptr || !details->is_object()) {
    return absl::InvalidArgumentError("\"details\" is missing or not an object");
  }
  // As written: the hash covers the exact bytes.
  r.event.details = std::string(details->SourceText(line));
  return r;
}

std::string SegmentText(const std::vector<AuditRecord>& records,
                        absl::string_view signed_note) {
  std::string text;
  for (const AuditRecord& r : records) absl::StrAppend(&text, ToJson(r), "\n");
  absl::StrAppend(&text, "\n", signed_note);
  if (text.back() != '\n') text.push_back('\n');
  return text;
}

std::string SegmentFileName(int64_t first, int64_t last) {
  return absl::StrFormat("audit-%012d-%012d.jsonl", first, last);
}

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    const std::string& dir, const std::string& name) {
  const std::string path = absl::StrCat(dir, "/", name);
  const std::string tmp = absl::StrCat(path, ".tmp");
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(tmp, "create");
  return std::unique_ptr<SegmentWriter>(new SegmentWriter(dir, path, fd));
}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(absl::StrCat(path_, ".tmp").c_str());
  }
}

absl::Status SegmentWriter::Write(absl::string_view text) {
  if (fd_ < 0) return absl::FailedPreconditionError("segment already finished");
  buffer_.append(text.data(), text.size());
  if (buffer_.size() < (1 << 20)) return absl::OkStatus();
  absl::Status s = WriteAll(fd_, buffer_);
  buffer_.clear();
  if (!s.ok()) return IoError(absl::StrCat(path_, ".tmp"), "write");
  return absl::OkStatus();
}

absl::Status SegmentWriter::Add(const AuditRecord& record) {
  return Write(absl::StrCat(ToJson(record), "\n"));
}

absl::StatusOr<std::string> SegmentWriter::Finish(
    absl::string_view signed_note) {
  std::string tail = absl::StrCat("\n", signed_note);
  if (tail.back() != '\n') tail.push_back('\n');
  if (absl::Status s = Write(tail); !s.ok()) return s;
  const std::string tmp = absl::StrCat(path_, ".tmp");
  if (!WriteAll(fd_, buffer_).ok()) return IoError(tmp, "write");
  buffer_.clear();
  if (fsync(fd_) != 0) return IoError(tmp, "sync");
  close(fd_);
  fd_ = -1;
  if (rename(tmp.c_str(), path_.c_str()) != 0) {
    absl::Status e = IoError(path_, "rename");
    unlink(tmp.c_str());
    return e;
  }
  const int dir_fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return IoError(dir_, "open");
  const int synced = fsync(dir_fd);
  close(dir_fd);
  if (synced != 0) return IoError(dir_, "sync");
  return path_;
}

absl::StatusOr<Segment> ParseSegment(absl::string_view name,
                                     absl::string_view text) {
  Segment segment;
  size_t pos = 0;
  int line = 0;
  while (pos < text.size() && text[pos] == '{') {
    ++line;
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", line, ": the record does not end in a newline"));
    }
    absl::StatusOr<AuditRecord> r =
        AuditRecordFromJson(text.substr(pos, end - pos));
    if (!r.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", line, ": not an audit record: ",
                       r.status().message()));
    }
    segment.records.push_back(*std::move(r));
    pos = end + 1;
  }
  if (segment.records.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":1: a segment starts with its records (JSON lines)"));
  }
  ++line;
  if (pos >= text.size() || text[pos] != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ":", line, ": expected a blank line, then the signed checkpoint"));
  }
  ++pos;
  auto notes = ParseCheckpointFile(
      absl::StrCat(name, " (checkpoint from line ", line + 1, ")"),
      text.substr(pos));
  if (!notes.ok()) return notes.status();
  if (notes->size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ":", line + 1, ": a segment ends in exactly one checkpoint, found ",
        notes->size()));
  }
  segment.checkpoint = std::move(notes->front());
  return segment;
}

SegmentResult VerifySegment(const Segment& segment,
                            const CheckpointVerifier& verifier) {
  SegmentResult result;
  const AuditRecord& first = segment.records.front();
  result.first_seq = first.seq;
  result.prev_hash = first.prev_hash;
  ChainVerifier chain(ChainBase{first.seq - 1, first.prev_hash});
  for (const AuditRecord& r : segment.records) {
    if (!chain.Add(r)) break;
  }
  const VerifyResult& c = chain.result();
  result.last_seq = c.head_seq;
  result.head_hash = c.head_hash;
  if (!c.ok) {
    result.problem = absl::StrCat("record ", c.first_broken_seq, ": ", c.reason);
    return result;
  }
  if (absl::Status s = verifier.Verify(segment.checkpoint); !s.ok()) {
    result.problem = std::string(s.message());
    return result;
  }
  const Checkpoint& cp = segment.checkpoint.checkpoint;
  if (cp.count != c.head_seq || cp.head_hash != c.head_hash) {
    result.problem = absl::StrCat(
        DescribeCheckpoint(segment.checkpoint), " does not name the segment's "
        "last record ", c.head_seq, " (", c.head_hash, ")");
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace riposte::audit
