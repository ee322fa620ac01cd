#include "cli/json_output.h"

#include <string>

#include "common/json.h"
#include "google/protobuf/util/json_util.h"

namespace riposte::cli {
namespace {

std::string Print(const google::protobuf::Message& message, bool indent) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indent;
  options.always_print_primitive_fields = true;
  std::string out;
  // Printing a valid message cannot fail (no Any types in our protos).
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace

std::string ToJsonDocument(const google::protobuf::Message& message) {
  return Print(message, true);
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  return Print(message, false);
}

std::string ToJsonDocument(
    const std::vector<std::pair<std::string, const google::protobuf::Message*>>&
        members) {
  // Each member printed like a document, nested one level deeper. JSON
  // strings never hold a raw newline, so indenting line by line is safe.
  std::string out = "{\n";
  for (size_t i = 0; i < members.size(); ++i) {
    std::string doc = Print(*members[i].second, true);
    doc.pop_back();
    out += " ";
    out += JsonQuote(members[i].first);
    out += ": ";
    for (char c : doc) {
      out += c;
      if (c == '\n') out += ' ';
    }
    out += i + 1 < members.size() ? ",\n" : "\n";
  }
  out += "}\n";
  return out;
}

}  // namespace riposte::cli
