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
#include "cli/input_file.h"
#include "common/json_value.h"
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

// The index of `object`'s member called `name` in either spelling, or -1.
int FindField(const JsonValue& object, absl::string_view name) {
  for (size_t i = 0; i < object.member_count(); ++i) {
    const std::string& key = object.member_key(i);
    if (key == name || ToCamel(key) == ToCamel(name)) return static_cast<int>(i);
  }
  return -1;
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
// reaches: the unknown key itself, or the key of the bad value. Returns a
// byte offset in the parsed text.
size_t Locate(const JsonValue& root, const ProtoJsonError& error) {
  size_t offset = root.source_begin();
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
    if (!at->is_object()) return offset;
    const int member = FindField(*at, segment);
    if (member < 0) return offset;
    offset = at->member_key_offset(member);
    at = &at->member_value(member);
    if (index >= 0) {
      if (!at->is_array() || index >= static_cast<int>(at->elements().size())) {
        return offset;
      }
      at = &at->elements()[index];
      offset = at->source_begin();
    }
  }
  if (!error.unknown_key.empty() && at->is_object()) {
    for (size_t i = 0; i < at->member_count(); ++i) {
      if (at->member_key(i) == error.unknown_key) {
        offset = at->member_key_offset(i);
      }
    }
  }
  return offset;
}

class InputParser {
 public:
  InputParser(absl::string_view text, absl::string_view name)
      : text_(text), name_(name) {}

  absl::StatusOr<BreachInput> Parse() {
    JsonParseOptions options;
    options.max_bytes = kMaxInputBytes;
    options.error_position = JsonParseOptions::ErrorPosition::kLineColumn;
    absl::StatusOr<JsonValue> root = JsonValue::Parse(text_, options);
    if (!root.ok()) {
      return UsageError(absl::StrCat(name_, ":", root.status().message()));
    }
    BreachInput input;
    if (root->is_array()) {
      input.shape = BreachInput::Shape::kArray;
      if (!AddBreaches(*root, "", &input.request)) return status_;
    } else if (root->is_object() && IsRequest(*root)) {
      input.shape = BreachInput::Shape::kRequest;
      if (!ParseRequest(*root, &input.request)) return status_;
    } else if (root->is_object()) {
      input.shape = BreachInput::Shape::kSingle;
      if (!ParseMessage(*root, "", input.request.add_breaches())) return status_;
    } else {
      return UsageError(absl::StrCat(Where(root->source_begin()), ": ",
                                     kShapeHelp, ", found a ",
                                     JsonValue::TypeName(root->type())));
    }
    if (input.request.breaches_size() == 0) {
      return UsageError(absl::StrCat(name_, ": no breaches in the file"));
    }
    return input;
  }

 private:
  static bool IsRequest(const JsonValue& object) {
    return FindField(object, "breaches") >= 0 ||
           FindField(object, "policy") >= 0 ||
           FindField(object, "paused") >= 0 ||
           FindField(object, "receivedTimes") >= 0;
  }

  bool ParseRequest(const JsonValue& object, v1::SimulateRequest* request) {
    for (size_t m = 0; m < object.member_count(); ++m) {
      const std::string& key = object.member_key(m);
      const JsonValue& value = object.member_value(m);
      const std::string field = ToCamel(key);
      if (field == "breaches") {
        if (!value.is_array()) return FailAt(value, "breaches", "want an array of breaches");
        if (!AddBreaches(value, "breaches", request)) return false;
      } else if (field == "policy") {
        if (!value.is_array()) {
          return FailAt(value, "policy", "want an array of {\"name\", \"yaml\"} objects");
        }
        for (size_t i = 0; i < value.elements().size(); ++i) {
          const JsonValue& item = value.elements()[i];
          const std::string label = absl::StrCat("policy[", i, "]");
          if (!item.is_object()) return FailAt(item, label, "want a {\"name\", \"yaml\"} object");
          if (!ParseMessage(item, label, request->add_policy())) return false;
        }
      } else if (field == "paused") {
        if (!value.is_bool()) return FailAt(value, "paused", "want true or false");
        request->set_paused(value.bool_value());
      } else if (field == "receivedTimes") {
        if (!value.is_array()) {
          return FailAt(value, "received_times",
                        "want an array of RFC 3339 times, one per breach");
        }
        for (size_t i = 0; i < value.elements().size(); ++i) {
          const JsonValue& item = value.elements()[i];
          const std::string label = absl::StrCat("received_times[", i, "]");
          if (!item.is_string()) {
            return FailAt(item, label, "want an RFC 3339 time such as \"2026-11-16T08:20:00Z\"");
          }
          if (!ParseMessage(item, label, request->add_received_times())) return false;
        }
      } else {
        status_ = UsageError(absl::StrCat(
            Where(object.member_key_offset(m)), ": unknown field \"", key,
            "\" in a SimulateRequest (known: breaches, policy, paused, received_times)"));
        return false;
      }
    }
    return true;
  }

  bool AddBreaches(const JsonValue& array, absl::string_view prefix,
                   v1::SimulateRequest* request) {
    for (size_t i = 0; i < array.elements().size(); ++i) {
      const JsonValue& item = array.elements()[i];
      const std::string label = absl::StrCat(prefix, "[", i, "]");
      if (!item.is_object()) {
        return FailAt(item, label,
                      absl::StrCat("want a breach object, found a ",
                                   JsonValue::TypeName(item.type())));
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
        std::string(value.SourceText(text_)), message, options);
    if (status.ok()) return true;
    const ProtoJsonError error = SplitProtoError(std::string(status.message()));
    status_ = UsageError(absl::StrCat(Where(Locate(value, error)), ": ",
                                      label.empty() ? "" : absl::StrCat(label, ": "),
                                      DescribeProtoError(error)));
    return false;
  }

  bool FailAt(const JsonValue& value, absl::string_view label,
              absl::string_view message) {
    status_ = UsageError(
        absl::StrCat(Where(value.source_begin()), ": ", label, ": ", message));
    return false;
  }

  // "breaches.json:LINE:COLUMN" for a byte offset in the file.
  std::string Where(size_t offset) const {
    const JsonLineColumn at = LineColumnAt(text_, offset);
    return absl::StrCat(name_, ":", at.line, ":", at.column);
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
