#include "cli/config_file.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/yaml_document.h"

namespace riposte::cli {
namespace {

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string ResolvePath(const std::string& value, const std::string& base_dir,
                        const std::string& home) {
  if (value.empty() || value[0] == '/') return value;
  if (value == "~") return home;
  if (absl::StartsWith(value, "~/") && !home.empty()) {
    return absl::StrCat(home, value.substr(1));
  }
  if (base_dir == ".") return value;
  return absl::StrCat(base_dir, "/", value);
}

}  // namespace

absl::StatusOr<ConfigFile> ReadConfigFile(const std::string& path,
                                          const std::string& home) {
  absl::StatusOr<yaml::Node> doc = yaml::ParseFile(path);
  if (!doc.ok()) {
    return UsageError(absl::StrCat("config file: ", doc.status().message()));
  }
  ConfigFile config;
  config.path = path;
  yaml::ErrorList errors(path);
  yaml::MapReader root(*doc, "", &errors);
  const std::string base = DirName(path);
  auto read_string = [&](const char* key, std::optional<std::string>* out,
                         bool is_path) {
    std::string value;
    if (!root.OptionalString(key, &value)) return;
    if (value.empty()) {
      root.AddError(key, "must not be empty");
      return;
    }
    *out = is_path ? ResolvePath(value, base, home) : value;
  };
  read_string("addr", &config.addr, false);
  read_string("ca_file", &config.ca_file, true);
  read_string("cert_file", &config.cert_file, true);
  read_string("key_file", &config.key_file, true);
  read_string("token_file", &config.token_file, true);
  bool insecure = false;
  if (root.OptionalBool("insecure", &insecure)) config.insecure = insecure;
  root.Finish();
  if (absl::Status status = errors.ToStatus(); !status.ok()) {
    return UsageError(absl::StrCat("invalid config file:\n", status.message()));
  }
  return config;
}

std::string DefaultConfigPath(const std::optional<std::string>& xdg_config_home,
                              const std::optional<std::string>& home) {
  if (xdg_config_home.has_value() && !xdg_config_home->empty()) {
    return absl::StrCat(*xdg_config_home, "/riposte/config.yaml");
  }
  if (home.has_value() && !home->empty()) {
    return absl::StrCat(*home, "/.config/riposte/config.yaml");
  }
  return "";
}

}  // namespace riposte::cli
