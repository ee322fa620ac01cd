#include "ocsf/outbox/store_outbox_source.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace riposte::ocsf {
namespace {

absl::StatusOr<int64_t> ParseCursor(absl::string_view sink,
                                    const std::optional<std::string>& value) {
  if (!value.has_value()) return 0;
  int64_t seq = 0;
  if (!absl::SimpleAtoi(*value, &seq) || seq < 0) {
    return absl::DataLossError(absl::StrCat("store: setting ",
                                            CursorSettingKey(sink), " is \"",
                                            *value, "\", not an outbox seq"));
  }
  return seq;
}

}  // namespace

std::string CursorSettingKey(absl::string_view sink) {
  return absl::StrCat("ocsf.cursor.", sink);
}

absl::StatusOr<std::vector<store::OutboxRow>> StoreOutboxSource::Read(
    int64_t after_seq, int limit) {
  return store_->ReadOutbox(after_seq, limit);
}

absl::StatusOr<int64_t> StoreOutboxSource::LoadCursor(absl::string_view sink) {
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           store_->ReadSetting(CursorSettingKey(sink)));
  return ParseCursor(sink, value);
}

absl::Status StoreOutboxSource::SaveCursor(absl::string_view sink,
                                           int64_t seq) {
  const std::string key = CursorSettingKey(sink);
  return store_->ExecuteAndWait(
      [&](store::Transaction& txn) -> absl::Status {
        RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                                 txn.GetSetting(key));
        RIPOSTE_ASSIGN_OR_RETURN(int64_t stored, ParseCursor(sink, value));
        if (seq <= stored) return absl::OkStatus();
        return txn.PutSetting(key, absl::StrCat(seq));
      });
}

absl::StatusOr<int64_t> StoreOutboxSource::LastSeq() {
  return store_->LastOutboxSeq();
}

absl::StatusOr<int64_t> DeliveredByAll(OutboxSource& source,
                                       const std::vector<std::string>& sinks) {
  RIPOSTE_ASSIGN_OR_RETURN(int64_t delivered, source.LastSeq());
  for (const std::string& sink : sinks) {
    RIPOSTE_ASSIGN_OR_RETURN(int64_t cursor, source.LoadCursor(sink));
    delivered = std::min(delivered, cursor);
  }
  return delivered;
}

}  // namespace riposte::ocsf
