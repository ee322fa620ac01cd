#ifndef RIPOSTE_CLI_CONFIG_FILE_H_
#define RIPOSTE_CLI_CONFIG_FILE_H_

// The CLI's own configuration file, by default
// $XDG_CONFIG_HOME/riposte/config.yaml or ~/.config/riposte/config.yaml:
//
//   addr: riposte.example.com:50051
//   ca_file: ca.pem            # relative paths are relative to this file
//   cert_file: ~/.riposte/me.pem
//   key_file: ~/.riposte/me.key
//   token_file: token
//   insecure: false

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace riposte::cli {

struct ConfigFile {
  std::string path;  // the file read; "" when there was none
  std::optional<std::string> addr;
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<std::string> token_file;
  std::optional<bool> insecure;
};

// Reads and validates `path`. File paths in it are made absolute: "~/x"
// against `home`, relative ones against the file's directory. Errors are
// usage errors naming file, line and key, every problem at once
// ("config.yaml:3: unknown key 'adr' (allowed: ...)").
absl::StatusOr<ConfigFile> ReadConfigFile(const std::string& path,
                                          const std::string& home);

// The default path: $XDG_CONFIG_HOME/riposte/config.yaml if XDG_CONFIG_HOME
// is set (non-empty), else $HOME/.config/riposte/config.yaml, else "".
std::string DefaultConfigPath(const std::optional<std::string>& xdg_config_home,
                              const std::optional<std::string>& home);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_CONFIG_FILE_H_
