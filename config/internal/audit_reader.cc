// The audit: section: where signed checkpoints of the chain go.

#include "absl/strings/str_cat.h"
#include "config/internal/readers.h"

namespace riposte::config::internal {
namespace {

// What a checkpoint's origin line and key name may hold (the signed-note
// key name rules, which the origin doubles as).
std::string CheckOrigin(absl::string_view origin) {
  if (origin.empty()) return "must not be empty";
  for (unsigned char c : origin) {
    if (c <= 0x20 || c == 0x7f || c == '+') {
      return absl::StrCat(QuoteForMessage(origin),
                          " must be printable, without spaces or '+' (e.g. "
                          "riposte/contoso)");
    }
  }
  return "";
}

}  // namespace

void ReadAudit(MapReader& reader, const std::string& default_origin,
               AuditConfig* audit) {
  const bool has_file = reader.Has("checkpoint_file");
  if (has_file) {
    ReadText(reader, "checkpoint_file", /*required=*/false,
             &audit->checkpoint_file);
  }
  const bool has_key =
      reader.Has("signing_key_file") || reader.Has("signing_key_env");
  const bool key_ok =
      ReadSecretRef(reader, "signing_key", /*required=*/false, &audit->signing_key);
  if (has_file && !has_key) {
    reader.AddError("checkpoint_file",
                    "needs signing_key_file (a PEM Ed25519 private key) or "
                    "signing_key_env to sign the checkpoints");
  } else if (has_key && !has_file && key_ok) {
    reader.AddError(reader.Has("signing_key_file") ? "signing_key_file"
                                                   : "signing_key_env",
                    "needs checkpoint_file: where the signed checkpoints go");
  }
  if (reader.OptionalDuration("checkpoint_interval", &audit->checkpoint_interval,
                              DurationBounds::Positive()) &&
      audit->checkpoint_interval < absl::Seconds(1)) {
    reader.AddError("checkpoint_interval",
                    absl::StrCat("must be at least 1s, got ",
                                 absl::FormatDuration(audit->checkpoint_interval)));
  }
  audit->origin = default_origin;
  if (reader.OptionalString("origin", &audit->origin)) {
    std::string problem = CheckOrigin(audit->origin);
    if (!problem.empty()) reader.AddError("origin", problem);
  }
}

}  // namespace riposte::config::internal
