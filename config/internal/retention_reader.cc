// The retention: section: what leaves the store, and when.

#include "absl/strings/str_cat.h"
#include "config/internal/readers.h"

namespace riposte::config::internal {

void ReadRetention(MapReader& reader, const AuditConfig& audit,
                   RetentionConfig* retention) {
  retention->enabled = true;
  if (reader.Has("breaches") || reader.Has("decisions")) {
    reader.AddError(reader.Has("breaches") ? "breaches" : "decisions",
                    "breaches and decisions go with their incident; set "
                    "retention.incidents");
  }
  reader.RequiredDuration(
      "incidents", &retention->incidents, DurationBounds::Positive());
  retention->runs = retention->incidents;
  reader.OptionalDuration("runs", &retention->runs, DurationBounds::Positive());
  retention->ocsf_events = retention->incidents;
  reader.OptionalDuration("ocsf_events", &retention->ocsf_events,
                          DurationBounds::Positive());
  if (reader.OptionalDuration("interval", &retention->interval,
                              DurationBounds::Positive()) &&
      retention->interval < absl::Minutes(1)) {
    reader.AddError("interval",
                    absl::StrCat("must be at least 1m, got ",
                                 absl::FormatDuration(retention->interval)));
  }
  ReadLimit(reader, "batch", &retention->batch, IntBounds{1, 100000});
  reader.OptionalMap("audit", [&](MapReader& archive) {
    const bool dir_ok =
        archive.RequiredString("archive_dir", &retention->archive_dir);
    if (dir_ok && retention->archive_dir.empty()) {
      archive.AddError("archive_dir", "must not be empty");
    }
    archive.RequiredDuration("keep", &retention->audit_keep,
                             DurationBounds::Positive());
    ReadLimit(archive, "segment_records", &retention->segment_records,
              IntBounds{1, 10000000});
    if (!audit.checkpoints_enabled()) {
      archive.AddMapError(
          "archiving the audit chain needs audit.checkpoint_file and "
          "audit.signing_key_file (or signing_key_env): each segment ends in "
          "a signed checkpoint, and verify starts from it");
    }
    if (!dir_ok) retention->archive_dir.clear();
  });
}

}  // namespace riposte::config::internal
