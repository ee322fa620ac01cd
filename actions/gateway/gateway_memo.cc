#include "actions/gateway/gateway_memo.h"

#include <optional>

#include "absl/status/status.h"
#include "actions/common/json_value.h"
#include "common/json.h"

namespace riposte::actions::gateway {

std::string EncodeMemo(const QuarantineMemo& memo) {
  JsonObjectWriter w;
  w.AddInt("v", 2)
      .Add("action", "quarantine_email")
      .Add("message_id", memo.message_id)
      .AddBool("held_before", memo.held_before)
      .Add("mode", memo.mode);
  if (memo.mode == "held") {
    JsonArrayWriter ids;
    for (const std::string& id : memo.hold_ids) ids.Add(id);
    w.AddRaw("hold_ids", ids.Finish());
    return w.Finish();
  }
  w.Add("reason", memo.reason);
  if (memo.mode == "remediated") {
    w.Add("incident_id", memo.incident_id)
        .Add("incident_code", memo.incident_code)
        .AddBool("adopted", memo.adopted);
  }
  return w.Finish();
}

absl::StatusOr<QuarantineMemo> DecodeMemo(absl::string_view text) {
  const absl::Status bad = absl::InvalidArgumentError("gateway memo is not readable");
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || !json->is_object()) return bad;
  const std::optional<int64_t> version = json->GetInt64("v");
  if (version != 1 && version != 2) return bad;
  QuarantineMemo memo;
  memo.message_id = json->GetString("message_id").value_or("");
  memo.mode = json->GetString("mode").value_or("");
  if (memo.mode == "held") {
    // Riposte cannot place a hold, so a v1 hold was the gateway's as well.
    memo.held_before = json->GetBool("held_before").value_or(true);
    for (const common::JsonValue& id : json->GetArray("hold_ids")) {
      if (!id.is_string()) return bad;
      memo.hold_ids.push_back(id.string_value());
    }
    return memo;
  }
  if (memo.mode != "remediating" && memo.mode != "remediated") return bad;
  memo.held_before = json->GetBool("held_before").value_or(false);
  memo.reason = json->GetString("reason").value_or("");
  // v1 called the incident id "remediation_id".
  memo.incident_id = json->GetString(version == 1 ? "remediation_id" : "incident_id")
                         .value_or("");
  memo.incident_code = json->GetString("incident_code").value_or("");
  memo.adopted = json->GetBool("adopted").value_or(false);
  return memo;
}

}  // namespace riposte::actions::gateway
