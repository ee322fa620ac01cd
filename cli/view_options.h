#ifndef RIPOSTE_CLI_VIEW_OPTIONS_H_
#define RIPOSTE_CLI_VIEW_OPTIONS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::cli {

// What human-readable views are rendered against.
struct ViewOptions {
  absl::Time now;   // relative times ("3m ago") are measured from here
  int width = 100;  // narratives wrap to this many columns
};

// Policy version hashes are long; 12 hex digits identify one in practice.
inline std::string ShortVersion(absl::string_view version) {
  return std::string(version.substr(0, 12));
}

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_VIEW_OPTIONS_H_
