#include "audit/audit_record.h"

#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/sha256.h"

namespace riposte::audit {
namespace {

void AppendField(std::string& out, absl::string_view value) {
  absl::StrAppend(&out, value.size(), ":", value, "\n");
}

}  // namespace

std::string CanonicalEncoding(const AuditRecord& record) {
  std::string out = "riposte-audit-v1\n";
  AppendField(out, absl::StrCat(record.seq));
  AppendField(out, absl::StrCat(absl::ToUnixMicros(record.time)));
  AppendField(out, record.event.actor);
  AppendField(out, record.event.event);
  AppendField(out, record.event.subject);
  AppendField(out, record.event.details);
  AppendField(out, record.event.policy_version);
  AppendField(out, record.prev_hash);
  return out;
}

std::string ComputeHash(const AuditRecord& record) {
  return Sha256Hex(CanonicalEncoding(record));
}

void Seal(int64_t prev_seq, absl::string_view prev_hash, AuditRecord& record) {
  record.seq = prev_seq + 1;
  record.time = absl::FromUnixMicros(absl::ToUnixMicros(record.time));
  record.prev_hash = std::string(prev_hash);
  record.hash = ComputeHash(record);
}

std::string ToJson(const AuditRecord& record) {
  JsonObjectWriter w;
  w.AddInt("seq", record.seq);
  w.Add("time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.time,
                                 absl::UTCTimeZone()));
  w.Add("actor", record.event.actor);
  w.Add("event", record.event.event);
  w.Add("subject", record.event.subject);
  w.AddRaw("details", record.event.details.empty() ? "{}"
                                                   : record.event.details);
  w.Add("policy_version", record.event.policy_version);
  w.Add("prev_hash", record.prev_hash);
  w.Add("hash", record.hash);
  return std::move(w).Finish();
}

}  // namespace riposte::audit
