#include "cli/breach_input.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/cli_status.h"
#include "cli/json_value.h"
#include "google/protobuf/util/json_util.h"

namespace riposte::cli {
namespace {

constexpr char kShapeHelp[] =
    "expected a JSON array of breaches, one breach object, or a "
    "SimulateRequest object";

// "userPrincipalName" for "user_principal_name".
std::string ToCamel(absl::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(c) : c);
    upper = false;
  }
  return out;
}

const JsonValue::Member* FindField(const JsonValue& object,
                                   absl::string_view name) {
  for (const JsonValue::Member& m : object.members) {
    if (m.key == name || ToCamel(m.key) == ToCamel(name)) return &m;
  }
  return nullptr;
}

// Protobuf's JSON errors look like "(subject.user) upn: Cannot find field."
// (an unknown key under a path), "(score): invalid value ..." (a bad value
// at a path) or "upn: Cannot find field." (an unknown key at the top).
struct ProtoJsonError {
  std::string path;         // "subject.user", "evidence[1]", "" at the top
  std::string unknown_key;  // set for unknown fields
  std::string detail;       // the rest of the message
};

ProtoJsonError SplitProtoError(absl::string_view message) {
  ProtoJsonError e;
  if (absl::ConsumePrefix(&message, "(")) {
    const size_t close = message.find(')');
    if (close != absl::string_view::npos) {
      e.path = std::string(message.substr(0, close));
      message.remove_prefix(close + 1);
    }
  }
  absl::ConsumePrefix(&message, ":");
  absl::ConsumePrefix(&message, " ");
  constexpr absl::string_view kUnknown = ": Cannot find field.";
  if (absl::EndsWith(message, kUnknown)) {
    e.unknown_key = std::string(message.substr(0, message.size() - kUnknown.size()));
  } else {
    e.detail = std::string(message);
  }
  return e;
}

// "subject.user.upn: unknown field" or "score: invalid value ...".
std::string DescribeProtoError(const ProtoJsonError& e) {
  if (!e.unknown_key.empty()) {
    return absl::StrCat(e.path, e.path.empty() ? "" : ".", e.unknown_key,
                        ": unknown field");
  }
  return absl::StrCat(e.path, e.path.empty() ? "" : ": ", e.detail);
}

// Walks the error's path through `root` to blame the deepest position it
// reaches: the unknown key itself, or the key of the bad value.
void Locate(const JsonValue& root, const ProtoJsonError& error, int* line,
            int* column) {
  *line = root.line;
  *column = root.column;
  const JsonValue* at = &root;
  for (absl::string_view segment :
       absl::StrSplit(error.path, '.', absl::SkipEmpty())) {
    int index = -1;
    if (size_t bracket = segment.find('['); bracket != absl::string_view::npos) {
      absl::string_view idx = segment.substr(bracket + 1);
      absl::ConsumeSuffix(&idx, "]");
      if (!absl::SimpleAtoi(idx, &index)) index = -1;
      segment = segment.substr(0, bracket);
    }
    if (!at->IsObject()) return;
    const JsonValue::Member* member = FindField(*at, segment);
    if (member == nullptr) return;
    *line = member->key_line;
    *column = member->key_column;
    at = &member->value;
    if (index >= 0) {
      if (!at->IsArray() || index >= static_cast<int>(at->items.size())) return;
      at = &at->items[index];
      *line = at->line;
      *column = at->column;
    }
  }
  if (!error.unknown_key.empty() && at->IsObject()) {
    for (const JsonValue::Member& m : at->members) {
      if (m.key == error.unknown_key) {
        *line = m.key_line;
        *column = m.key_column;
      }
    }
  }
}

class InputParser {
 public:
  InputParser(absl::string_view text, absl::string_view name)
      : text_(text), name_(name) {}

  absl::StatusOr<BreachInput> Parse() {
    absl::StatusOr<JsonValue> root = ParseJson(text_);
    if (!root.ok()) {
      return UsageError(absl::StrCat(name_, ":", root.status().message()));
    }
    BreachInput input;
    if (root->IsArray()) {
      input.shape = BreachInput::Shape::kArray;
      if (!AddBreaches(*root, "", &input.request)) return status_;
    } else if (root->IsObject() && IsRequest(*root)) {
      input.shape = BreachInput::Shape::kRequest;
      if (!ParseRequest(*root, &input.request)) return status_;
    } else if (root->IsObject()) {
      input.shape = BreachInput::Shape::kSingle;
      if (!ParseMessage(*root, "", input.request.add_breaches())) return status_;
    } else {
      return UsageError(absl::StrCat(name_, ":", root->line, ":", root->column,
                                     ": ", kShapeHelp, ", found a ",
                                     JsonKindName(root->kind)));
    }
    if (input.request.breaches_size() == 0) {
      return UsageError(absl::StrCat(name_, ": no breaches in the file"));
    }
    return input;
  }

 private:
  static bool IsRequest(const JsonValue& object) {
    return FindField(object, "breaches") != nullptr ||
           FindField(object, "policy") != nullptr ||
           FindField(object, "paused") != nullptr;
  }

  bool ParseRequest(const JsonValue& object, v1::SimulateRequest* request) {
    for (const JsonValue::Member& m : object.members) {
      const std::string field = ToCamel(m.key);
      if (field == "breaches") {
        if (!m.value.IsArray()) return FailAt(m.value, "breaches", "want an array of breaches");
        if (!AddBreaches(m.value, "breaches", request)) return false;
      } else if (field == "policy") {
        if (!m.value.IsArray()) {
          return FailAt(m.value, "policy", "want an array of {\"name\", \"yaml\"} objects");
        }
        for (size_t i = 0; i < m.value.items.size(); ++i) {
          const JsonValue& item = m.value.items[i];
          const std::string label = absl::StrCat("policy[", i, "]");
          if (!item.IsObject()) return FailAt(item, label, "want a {\"name\", \"yaml\"} object");
          if (!ParseMessage(item, label, request->add_policy())) return false;
        }
      } else if (field == "paused") {
        if (m.value.kind != JsonValue::Kind::kBool) {
          return FailAt(m.value, "paused", "want true or false");
        }
        request->set_paused(m.value.bool_value);
      } else {
        status_ = UsageError(absl::StrCat(
            name_, ":", m.key_line, ":", m.key_column, ": unknown field \"",
            m.key, "\" in a SimulateRequest (known: breaches, policy, paused)"));
        return false;
      }
    }
    return true;
  }

  bool AddBreaches(const JsonValue& array, absl::string_view prefix,
                   v1::SimulateRequest* request) {
    for (size_t i = 0; i < array.items.size(); ++i) {
      const JsonValue& item = array.items[i];
      const std::string label = absl::StrCat(prefix, "[", i, "]");
      if (!item.IsObject()) {
        return FailAt(item, label,
                      absl::StrCat("want a breach object, found a ",
                                   JsonKindName(item.kind)));
      }
      if (!ParseMessage(item, label, request->add_breaches())) return false;
    }
    return true;
  }

  bool ParseMessage(const JsonValue& value, absl::string_view label,
                    google::protobuf::Message* message) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto status = google::protobuf::util::JsonStringToMessage(
        std::string(value.Text(text_)), message, options);
    if (status.ok()) return true;
    const ProtoJsonError error = SplitProtoError(std::string(status.message()));
    int line, column;
    Locate(value, error, &line, &column);
    status_ = UsageError(absl::StrCat(name_, ":", line, ":", column, ": ",
                                      label.empty() ? "" : absl::StrCat(label, ": "),
                                      DescribeProtoError(error)));
    return false;
  }

  bool FailAt(const JsonValue& value, absl::string_view label,
              absl::string_view message) {
    status_ = UsageError(absl::StrCat(name_, ":", value.line, ":", value.column,
                                      ": ", label, ": ", message));
    return false;
  }

  absl::string_view text_;
  absl::string_view name_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<BreachInput> ParseBreachInput(absl::string_view text,
                                             absl::string_view name) {
  return InputParser(text, name).Parse();
}

}  // namespace riposte::cli
