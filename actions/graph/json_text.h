#ifndef RIPOSTE_ACTIONS_GRAPH_JSON_TEXT_H_
#define RIPOSTE_ACTIONS_GRAPH_JSON_TEXT_H_

// Writes a parsed JSON value back as compact JSON text: JSON batches nest
// each request's and response's body inside the batch document, and the
// body is handed on as text. Thread-safe (no state).

#include <string>

#include "actions/common/json_value.h"

namespace riposte::actions::graph {

// Appends `value` as JSON to `*out` (numbers as they were written).
void AppendJsonText(const common::JsonValue& value, std::string* out);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_JSON_TEXT_H_
