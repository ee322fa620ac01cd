#ifndef RIPOSTE_AUDIT_AUDIT_RECORD_H_
#define RIPOSTE_AUDIT_AUDIT_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::audit {

// The hash that the first record's prev_hash holds.
inline constexpr absl::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What a component asks to record. Details is a JSON object that must never
// hold a secret.
struct AuditEvent {
  // Who caused it: "detector:<id>", "operator:<identity>", "system".
  std::string actor;
  // What happened, dotted: "breach.received", "incident.opened".
  std::string event;
  // What it is about: "<tenant>/<subject key>", or "" for global events.
  std::string subject;
  // A compact JSON object.
  std::string details = "{}";
  // Version hash of the policy snapshot in force, "" when none applies.
  std::string policy_version;
};

// One link of the tamper-evident chain, as stored.
struct AuditRecord {
  int64_t seq = 0;  // 1, 2, 3, ... with no gaps
  absl::Time time;  // whole microseconds
  AuditEvent event;
  std::string prev_hash;  // hash of record seq-1, kGenesisHash for seq 1
  std::string hash;       // ComputeHash(*this)
};

// The bytes the hash covers: a version tag, then every field but `hash` as
// a length-prefixed string ("<decimal length>:<bytes>\n") in this order:
// seq, time as Unix microseconds, actor, event, subject, details,
// policy_version, prev_hash. Length prefixes make the encoding unambiguous.
std::string CanonicalEncoding(const AuditRecord& record);

// Lower-case hex SHA-256 of CanonicalEncoding(record).
std::string ComputeHash(const AuditRecord& record);

// Fills in seq, prev_hash and hash for `record` as the successor of a chain
// whose last record has `prev_seq` and `prev_hash` (0 and kGenesisHash for
// an empty chain). Time is truncated to whole microseconds first.
void Seal(int64_t prev_seq, absl::string_view prev_hash, AuditRecord& record);

// The record as one JSON object (for export), with every field including
// the hashes; details embedded as JSON.
std::string ToJson(const AuditRecord& record);

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_AUDIT_RECORD_H_
