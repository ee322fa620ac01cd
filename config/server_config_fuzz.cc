// Fuzzes the server config reader with arbitrary text, as riposted.yaml
// might hold. ParseServerConfig must return a config or InvalidArgument
// naming the file, never crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "config/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = riposte::config::ParseServerConfig(text, "riposted.yaml");
  if (config.ok()) return 0;
  if (config.status().code() != absl::StatusCode::kInvalidArgument ||
      config.status().message().rfind("riposted.yaml", 0) != 0) {
    std::abort();
  }
  return 0;
}
