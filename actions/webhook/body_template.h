#ifndef RIPOSTE_ACTIONS_WEBHOOK_BODY_TEMPLATE_H_
#define RIPOSTE_ACTIONS_WEBHOOK_BODY_TEMPLATE_H_

// A webhook body template: literal text with {{name}} placeholders that
// are replaced by JSON-escaped values (without quotes). The checks here are
// shared by the config reader (--check-config) and the adapter (start-up),
// so that both accept the same templates.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::webhook {

// Thread-compatible; const methods are thread-safe.
class BodyTemplate {
 public:
  // The placeholder names a template may use.
  static const std::vector<std::string>& KnownPlaceholders();

  // InvalidArgument (naming the byte offset) for an unclosed "{{", an
  // empty or unknown placeholder name.
  static absl::StatusOr<BodyTemplate> Parse(absl::string_view text);

  // Parses `text` and checks that it is JSON once filled with any values
  // (so placeholders sit inside JSON strings). InvalidArgument saying why.
  static absl::Status CheckJson(absl::string_view text);

  // The text with each placeholder replaced by its value from `values`,
  // JSON-escaped without surrounding quotes. Missing values are empty.
  std::string Fill(const std::map<std::string, std::string>& values) const;

 private:
  struct Segment {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder name
  };
  std::vector<Segment> segments_;
};

// Whether a Content-Type header value suits the JSON body: application/json
// or a structured "+json" type such as application/cloudevents+json, with
// any parameters. Thread-safe.
bool IsJsonMediaType(absl::string_view content_type);

}  // namespace riposte::actions::webhook

#endif  // RIPOSTE_ACTIONS_WEBHOOK_BODY_TEMPLATE_H_
