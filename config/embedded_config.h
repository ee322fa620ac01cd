#ifndef RIPOSTE_CONFIG_EMBEDDED_CONFIG_H_
#define RIPOSTE_CONFIG_EMBEDDED_CONFIG_H_

#include "absl/strings/string_view.h"

namespace riposte::config {

// The text of config/riposted.yaml, byte for byte, compiled in by the
// //config:embedded_config_cc genrule. For DefaultServerConfig and for
// printing a starting config (e.g. `riposted --print_default_config`).
absl::string_view EmbeddedServerConfigYaml();

}  // namespace riposte::config

#endif  // RIPOSTE_CONFIG_EMBEDDED_CONFIG_H_
