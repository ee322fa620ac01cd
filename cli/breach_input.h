#ifndef RIPOSTE_CLI_BREACH_INPUT_H_
#define RIPOSTE_CLI_BREACH_INPUT_H_

// Reading the -f files of `simulate` and `submit`.
//
// A file holds, in the proto3 JSON mapping (lowerCamelCase or snake_case
// field names both work):
//   - an array of Breach objects,
//   - one Breach object, or
//   - a SimulateRequest object: {"breaches": [...], "policy": [...],
//     "paused": true}; an object with any of those keys is taken as one.
//
// Errors are usage errors that name the file, line and column, and the
// breach they are in, e.g.
//   breaches.json:14:7: [1]: subject.user.upn: unknown field
//   breaches.json:3:18: syntax error while parsing object key - unexpected
//       '}'; expected string literal
// Columns count characters. Syntax is checked by Riposte's one JSON parser
// (common/json_value.h), which also refuses duplicate keys.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

struct BreachInput {
  enum class Shape { kArray, kSingle, kRequest };

  Shape shape = Shape::kSingle;
  // The breaches, plus policy and paused when the file was a request.
  v1::SimulateRequest request;
};

// Parses `text`; `name` is the file as the user gave it ("<stdin>" for -).
// Fails when the file holds no breach.
absl::StatusOr<BreachInput> ParseBreachInput(absl::string_view text,
                                             absl::string_view name);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_BREACH_INPUT_H_
