#ifndef RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_
#define RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_

// The adapters read JSON (Graph and gateway answers, token endpoints, their
// own memos) with Riposte's one JSON parser, common/json_value.h; these
// names keep `common::JsonValue` working inside riposte::actions.

#include "common/json_value.h"

namespace riposte::actions::common {

using JsonParseOptions = ::riposte::JsonParseOptions;
using JsonValue = ::riposte::JsonValue;

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_JSON_VALUE_H_
