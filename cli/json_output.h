#ifndef RIPOSTE_CLI_JSON_OUTPUT_H_
#define RIPOSTE_CLI_JSON_OUTPUT_H_

// --json output: proto messages in the proto3 JSON mapping (lowerCamelCase
// names, int64 as strings, RFC 3339 timestamps), with every scalar field
// printed even at its default, so scripts can rely on the keys being there.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace riposte::cli {

// One document, indented, ending in "\n".
std::string ToJsonDocument(const google::protobuf::Message& message);

// One compact line ending in "\n", for JSON lines (streams).
std::string ToJsonLine(const google::protobuf::Message& message);

// A document made of several messages under the given keys, e.g.
// {"pause": {...}, "identity": {...}}, indented like ToJsonDocument.
std::string ToJsonDocument(
    const std::vector<std::pair<std::string, const google::protobuf::Message*>>&
        members);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_JSON_OUTPUT_H_
