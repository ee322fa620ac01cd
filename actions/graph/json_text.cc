#include "actions/graph/json_text.h"

#include "common/json.h"

namespace riposte::actions::graph {

void AppendJsonText(const common::JsonValue& v, std::string* out) {
  switch (v.type()) {
    case common::JsonValue::Type::kNull:
      out->append("null");
      return;
    case common::JsonValue::Type::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case common::JsonValue::Type::kNumber:
      out->append(v.number_text());
      return;
    case common::JsonValue::Type::kString:
      AppendJsonQuoted(v.string_value(), out);
      return;
    case common::JsonValue::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const common::JsonValue& e : v.elements()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonText(e, out);
      }
      out->push_back(']');
      return;
    }
    case common::JsonValue::Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < v.member_count(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonQuoted(v.member_key(i), out);
        out->push_back(':');
        AppendJsonText(v.member_value(i), out);
      }
      out->push_back('}');
      return;
  }
}

}  // namespace riposte::actions::graph
