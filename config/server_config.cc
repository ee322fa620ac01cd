#include "config/server_config.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "config/embedded_config.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::config {
namespace {

using yaml::DurationBounds;
using yaml::ErrorList;
using yaml::IntBounds;
using yaml::MapReader;
using yaml::Node;
using yaml::QuoteForMessage;

constexpr absl::string_view kListenExample =
    "e.g. 127.0.0.1:50051 or [::1]:50051";

bool IsHostChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
}

bool IsIpv6Char(char c) {
  // Hex digits, separators, an embedded IPv4 tail and a "%zone" suffix.
  return absl::ascii_isalnum(c) || c == ':' || c == '.' || c == '%' ||
         c == '-' || c == '_';
}

// Returns why `address` is not a usable host:port, or "" if it is.
std::string CheckListenAddress(absl::string_view address) {
  const std::string quoted = QuoteForMessage(address);
  absl::string_view host;
  absl::string_view port;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::StrCat(quoted, " is missing the ']' that closes the IPv6 "
                          "address (", kListenExample, ")");
    }
    host = address.substr(1, close - 1);
    absl::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest[0] != ':') {
      return absl::StrCat(quoted, " has no port after ']' (", kListenExample,
                          ")");
    }
    port = rest.substr(1);
    bool ok = !host.empty() && host.find(':') != absl::string_view::npos;
    for (char c : host) ok = ok && IsIpv6Char(c);
    if (!ok) {
      return absl::StrCat(quoted, ": only IPv6 addresses go in brackets (",
                          kListenExample, ")");
    }
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::StrCat(quoted, " is not host:port (", kListenExample, ")");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return absl::StrCat(quoted, ": IPv6 addresses must be in brackets (",
                          kListenExample, ")");
    }
    if (host.empty()) {
      return absl::StrCat(quoted, " has no host; use 0.0.0.0 for every "
                          "interface or 127.0.0.1 for loopback only");
    }
    for (char c : host) {
      if (!IsHostChar(c)) {
        return absl::StrCat(quoted, " has an invalid host name (",
                            kListenExample, ")");
      }
    }
  }
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) digits = digits && absl::ascii_isdigit(c);
  int port_number = 0;
  if (!digits || !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return absl::StrCat(quoted, ": port ", QuoteForMessage(port),
                        " is not a number from 0 to 65535");
  }
  return "";
}

// Returns why `id` is not a valid tenant id, or "" if it is.
std::string CheckTenantId(absl::string_view id) {
  if (id.empty()) return "must not be empty";
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return absl::StrCat(QuoteForMessage(id),
                          " may only contain letters, digits, '.', '_' and "
                          "'-'");
    }
  }
  return "";
}

// Reads an int64 that is optional; returns false only if it was present but
// bad (so cross-field checks skip values already reported).
bool ReadLimit(MapReader& reader, absl::string_view key, int64_t* out,
               IntBounds bounds = IntBounds::Positive()) {
  bool present = reader.Has(key);
  return reader.OptionalInt64(key, out, bounds) || !present;
}

void RequireNonEmpty(MapReader& reader, absl::string_view key,
                     const std::string& value, bool read_ok) {
  if (read_ok && value.empty()) reader.AddError(key, "must not be empty");
}

struct TenantSite {
  int line;
  std::string path;
};

absl::StatusOr<ServerConfig> FromDocument(const Node& doc,
                                          absl::string_view filename) {
  ServerConfig config;
  config.source = std::string(filename);
  ErrorList errors{std::string(filename)};
  MapReader root(doc, "", &errors);

  // Cross-field checks run after every key is read; these remember what they
  // need: whether the values are trustworthy, and where to point.
  bool max_receive_ok = true;
  int max_receive_line = 0;  // 0: key absent
  bool max_breach_ok = true;
  int max_breach_line = 0;
  bool max_id_ok = true;
  std::vector<TenantSite> tenant_sites;  // parallel to config.tenants

  root.OptionalMap("grpc", [&](MapReader& grpc) {
    if (grpc.OptionalString("listen", &config.grpc_listen)) {
      std::string problem = CheckListenAddress(config.grpc_listen);
      if (!problem.empty()) grpc.AddError("listen", problem);
    }
    // gRPC takes this limit as an int.
    max_receive_ok = ReadLimit(
        grpc, "max_receive_message_bytes",
        &config.grpc_max_receive_message_bytes,
        IntBounds::Range(1, std::numeric_limits<int32_t>::max()));
    if (grpc.Has("max_receive_message_bytes")) {
      max_receive_line = grpc.LineOf("max_receive_message_bytes");
    }
  });

  {
    bool present = root.Has("data_dir");
    bool ok = root.OptionalString("data_dir", &config.data_dir);
    RequireNonEmpty(root, "data_dir", config.data_dir, ok || !present);
  }

  root.OptionalMap("store", [&](MapReader& store) {
    if (store.OptionalString("engine", &config.store.engine)) {
      if (config.store.engine == "postgres" ||
          config.store.engine == "postgresql") {
        store.AddError("engine",
                       "\"postgres\" is not supported yet (it arrives in a "
                       "later release); use \"sqlite\"");
      } else if (config.store.engine != "sqlite") {
        store.AddError("engine",
                       absl::StrCat("unknown engine ",
                                    QuoteForMessage(config.store.engine),
                                    " (allowed: sqlite)"));
      }
    }
    store.OptionalMap("sqlite", [&](MapReader& sqlite) {
      bool ok = sqlite.OptionalString("file", &config.store.sqlite_file);
      RequireNonEmpty(sqlite, "file", config.store.sqlite_file, ok);
    });
    ReadLimit(store, "group_commit_max_batch",
              &config.store.group_commit_max_batch);
  });

  bool has_tenants = root.RequiredSequence(
      "tenants", [&](const Node& item, const std::string& path) {
        MapReader::ReadMap(item, path, &errors, [&](MapReader& tenant) {
          TenantConfig t;
          bool id_ok = tenant.RequiredString("id", &t.id);
          if (id_ok) {
            std::string problem = CheckTenantId(t.id);
            if (!problem.empty()) {
              tenant.AddError("id", problem);
              id_ok = false;
            }
          }
          bool has_name = tenant.Has("display_name");
          if (tenant.OptionalString("display_name", &t.display_name) &&
              t.display_name.empty()) {
            tenant.AddError("display_name",
                            "must not be empty (leave it out to use the id)");
          }
          if (!has_name) t.display_name = t.id;
          if (!id_ok) return;
          tenant_sites.push_back(
              TenantSite{tenant.LineOf("id"), tenant.PathOf("id")});
          config.tenants.push_back(std::move(t));
        });
      });
  if (has_tenants && root.Get("tenants")->items.empty()) {
    root.AddError("tenants",
                  "at least one tenant is required (e.g. '- id: contoso')");
  }

  root.OptionalMap("correlation", [&](MapReader& correlation) {
    correlation.OptionalDuration("window", &config.correlation_window,
                                 DurationBounds::Positive());
  });

  root.OptionalMap("intake", [&](MapReader& intake) {
    IntakeLimits& limits = config.intake;
    max_id_ok = ReadLimit(intake, "max_id_bytes", &limits.max_id_bytes);
    ReadLimit(intake, "max_string_bytes", &limits.max_string_bytes);
    ReadLimit(intake, "max_tags", &limits.max_tags);
    ReadLimit(intake, "max_evidence_entries", &limits.max_evidence_entries);
    ReadLimit(intake, "max_evidence_value_bytes",
              &limits.max_evidence_value_bytes);
    ReadLimit(intake, "max_related_entities", &limits.max_related_entities);
    ReadLimit(intake, "max_attachments", &limits.max_attachments);
    max_breach_ok =
        ReadLimit(intake, "max_breach_bytes", &limits.max_breach_bytes);
    if (intake.Has("max_breach_bytes")) {
      max_breach_line = intake.LineOf("max_breach_bytes");
    }
    intake.OptionalDuration("max_future_skew", &limits.max_future_skew,
                            DurationBounds::Positive());
    ReadLimit(intake, "stream_max_in_flight", &limits.stream_max_in_flight);
  });

  root.OptionalMap("log", [&](MapReader& log) {
    if (log.OptionalString("level", &config.log_level) &&
        config.log_level != "debug" && config.log_level != "info" &&
        config.log_level != "warn" && config.log_level != "error") {
      log.AddError("level", absl::StrCat("unknown level ",
                                         QuoteForMessage(config.log_level),
                                         " (allowed: debug, info, warn, "
                                         "error)"));
    }
  });

  root.OptionalMap("policy", [&](MapReader& policy) {
    if (policy.OptionalString("path", &config.policy_path) &&
        config.policy_path.empty()) {
      policy.AddError("path", "must not be empty (leave the key out to run "
                              "without a policy)");
    }
  });

  root.OptionalMap("shutdown", [&](MapReader& shutdown) {
    shutdown.OptionalDuration("grace", &config.shutdown_grace,
                              DurationBounds::NonNegative());
  });

  root.Finish();

  // Cross-field checks.
  if (max_receive_ok && max_breach_ok) {
    int64_t needed = config.intake.max_breach_bytes + kGrpcHeadroomBytes;
    if (config.grpc_max_receive_message_bytes < needed) {
      if (max_receive_line > 0 || max_breach_line == 0) {
        errors.Add(max_receive_line, "grpc.max_receive_message_bytes",
                   absl::StrCat("must be at least intake.max_breach_bytes + ",
                                kGrpcHeadroomBytes, " = ", needed, ", got ",
                                config.grpc_max_receive_message_bytes));
      } else {
        errors.Add(max_breach_line, "intake.max_breach_bytes",
                   absl::StrCat(config.intake.max_breach_bytes, " + ",
                                kGrpcHeadroomBytes,
                                " bytes of headroom exceeds "
                                "grpc.max_receive_message_bytes (",
                                config.grpc_max_receive_message_bytes,
                                "); raise that too"));
      }
    }
  }
  std::map<std::string, int> first_line_of_id;
  for (size_t i = 0; i < config.tenants.size(); ++i) {
    const TenantConfig& tenant = config.tenants[i];
    const TenantSite& site = tenant_sites[i];
    auto [it, inserted] = first_line_of_id.emplace(tenant.id, site.line);
    if (!inserted) {
      errors.Add(site.line, site.path,
                 absl::StrCat("duplicate tenant id '", tenant.id,
                              "' (first defined at line ", it->second, ")"));
    }
    if (max_id_ok &&
        static_cast<int64_t>(tenant.id.size()) > config.intake.max_id_bytes) {
      errors.Add(site.line, site.path,
                 absl::StrCat("is ", tenant.id.size(),
                              " bytes, longer than intake.max_id_bytes (",
                              config.intake.max_id_bytes,
                              "), so no breach could name it"));
    }
  }

  RIPOSTE_RETURN_IF_ERROR(errors.ToStatus());
  return config;
}

}  // namespace

const TenantConfig* ServerConfig::FindTenant(absl::string_view id) const {
  for (const TenantConfig& tenant : tenants) {
    if (tenant.id == id) return &tenant;
  }
  return nullptr;
}

absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml_text,
                                               absl::string_view filename) {
  RIPOSTE_ASSIGN_OR_RETURN(Node doc, yaml::Parse(yaml_text, filename));
  return FromDocument(doc, filename);
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  absl::StatusOr<Node> doc = yaml::ParseFile(path);
  if (!doc.ok()) {
    // ParseFile's messages already name the path; say what the file was for.
    if (doc.status().code() == absl::StatusCode::kInvalidArgument) {
      return doc.status();
    }
    return absl::Status(doc.status().code(),
                        absl::StrCat("server config: ", doc.status().message()));
  }
  return FromDocument(*doc, path);
}

ServerConfig DefaultServerConfig() {
  static const ServerConfig* const kDefaults = [] {
    absl::StatusOr<ServerConfig> parsed =
        ParseServerConfig(EmbeddedServerConfigYaml(), kEmbeddedDefaultsSource);
    if (!parsed.ok()) {
      absl::string_view message = parsed.status().message();
      std::fprintf(stderr,
                   "FATAL: the embedded default config (config/riposted.yaml) "
                   "is invalid:\n%.*s\n",
                   static_cast<int>(message.size()), message.data());
      std::abort();
    }
    return new ServerConfig(*std::move(parsed));
  }();
  return *kDefaults;
}

}  // namespace riposte::config
