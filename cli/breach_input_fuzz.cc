// Fuzzes the CLI's reader of breach files (`simulate -f`, `submit -f`) with
// arbitrary text. ParseBreachInput must return breaches or an error naming
// the file, never crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "cli/breach_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto input = riposte::cli::ParseBreachInput(text, "breaches.json");
  if (!input.ok() &&
      !absl::StartsWith(input.status().message(), "breaches.json")) {
    std::abort();
  }
  return 0;
}
