#include "cli/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/cli_status.h"
#include "cli/config_file.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

// A value and where it came from, for messages.
struct Sourced {
  std::string value;
  std::string source;  // "--ca-file", "RIPOSTE_CA_FILE", "ca_file in <file>"
  bool set() const { return !value.empty(); }
};

std::optional<std::string> NonEmptyEnv(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (v.has_value() && v->empty()) return std::nullopt;
  return v;
}

// flag > env > config.
Sourced Pick(const ParsedArgs& flags, const std::string& flag,
             const EnvLookup& env, const std::string& env_name,
             const std::optional<std::string>& config_value,
             const std::string& config_key, const std::string& config_path) {
  if (std::optional<std::string> v = flags.Get(flag); v.has_value()) {
    return {*v, absl::StrCat("--", flag)};
  }
  if (!env_name.empty()) {
    if (std::optional<std::string> v = NonEmptyEnv(env, env_name); v.has_value()) {
      return {*v, env_name};
    }
  }
  if (config_value.has_value()) {
    return {*config_value, absl::StrCat(config_key, " in ", config_path)};
  }
  return {};
}

absl::StatusOr<std::string> ReadSmallFile(const Sourced& file, const char* what) {
  std::ifstream in(file.value, std::ios::binary);
  if (!in) {
    return UsageError(absl::StrCat("cannot read ", what, " ", file.value, " (from ",
                                   file.source, "): ", std::strerror(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad() || text.size() > (1 << 20)) {
    return UsageError(absl::StrCat("cannot read ", what, " ", file.value, " (from ",
                                   file.source, "): unreadable or over 1 MiB"));
  }
  return text;
}

absl::Status CheckToken(absl::string_view token, absl::string_view source) {
  if (token.empty()) {
    return UsageError(absl::StrCat("the token from ", source, " is empty"));
  }
  for (unsigned char c : token) {
    // RFC 6750 b64token characters are all visible ASCII.
    if (c < 0x21 || c > 0x7E) {
      return UsageError(absl::StrCat(
          "the token from ", source,
          " holds characters a bearer token cannot have (spaces, control or "
          "non-ASCII characters)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string ConnectionSettings::Describe() const {
  const char* mode = !use_tls ? "plaintext"
                     : !cert_pem.empty() ? "mutual TLS"
                                         : "TLS";
  return absl::StrCat(addr, " (", mode, ")");
}

bool IsLoopbackAddress(absl::string_view addr) {
  if (absl::StartsWith(addr, "unix:") || absl::StartsWith(addr, "unix-abstract:")) {
    return true;
  }
  absl::string_view rest = addr;
  if (!absl::ConsumePrefix(&rest, "dns:///")) {
    if (!absl::ConsumePrefix(&rest, "ipv4:")) absl::ConsumePrefix(&rest, "ipv6:");
  }
  std::string host;
  if (absl::StartsWith(rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return false;
    host = std::string(rest.substr(1, close - 1));
  } else if (std::count(rest.begin(), rest.end(), ':') == 1) {
    host = std::string(rest.substr(0, rest.find(':')));
  } else {
    host = std::string(rest);  // no port, or a bare IPv6 literal
  }
  host = absl::AsciiStrToLower(host);
  if (host == "localhost" || host == "localhost.") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<ConnectionSettings> ResolveConnection(const ParsedArgs& flags,
                                                     const EnvLookup& env) {
  // The config file: --config, else the default location if it exists.
  ConfigFile config;
  const std::optional<std::string> home = NonEmptyEnv(env, "HOME");
  if (std::optional<std::string> path = flags.Get("config"); path.has_value()) {
    if (path->empty()) return UsageError("--config: empty path");
    absl::StatusOr<ConfigFile> read = ReadConfigFile(*path, home.value_or(""));
    if (!read.ok()) return read.status();
    config = *std::move(read);
  } else {
    const std::string default_path =
        DefaultConfigPath(NonEmptyEnv(env, "XDG_CONFIG_HOME"), home);
    std::ifstream probe(default_path);
    if (!default_path.empty() && probe.good()) {
      absl::StatusOr<ConfigFile> read =
          ReadConfigFile(default_path, home.value_or(""));
      if (!read.ok()) return read.status();
      config = *std::move(read);
    }
  }

  ConnectionSettings settings;
  settings.config_path = config.path;
  const std::string& cp = config.path;

  const Sourced addr = Pick(flags, "addr", env, "RIPOSTE_ADDR", config.addr, "addr", cp);
  if (addr.set()) settings.addr = addr.value;
  if (settings.addr.empty() ||
      settings.addr.find_first_of(" \t\r\n") != std::string::npos) {
    return UsageError(absl::StrCat("bad server address \"", settings.addr, "\""));
  }

  const Sourced ca = Pick(flags, "ca-file", env, "RIPOSTE_CA_FILE", config.ca_file, "ca_file", cp);
  const Sourced cert = Pick(flags, "cert-file", env, "RIPOSTE_CERT_FILE", config.cert_file, "cert_file", cp);
  const Sourced key = Pick(flags, "key-file", env, "RIPOSTE_KEY_FILE", config.key_file, "key_file", cp);
  if (cert.set() != key.set()) {
    return UsageError(absl::StrCat(
        "mutual TLS needs both --cert-file and --key-file; only ",
        cert.set() ? cert.source : key.source, " is set"));
  }

  bool insecure = false;
  std::string insecure_source;
  if (flags.Has("insecure")) {
    insecure = flags.GetBool("insecure");
    insecure_source = "--insecure";
  } else if (config.insecure.has_value()) {
    insecure = *config.insecure;
    insecure_source = absl::StrCat("insecure in ", cp);
  }
  const bool loopback = IsLoopbackAddress(settings.addr);
  if (insecure) {
    if (!loopback) {
      return UsageError(absl::StrCat(
          insecure_source, ": plaintext is only allowed to a loopback address "
          "(localhost, 127.0.0.1, ::1), not ", settings.addr,
          "; use TLS (--ca-file) instead"));
    }
    if (ca.set() || cert.set()) {
      return UsageError(absl::StrCat(insecure_source, " conflicts with ",
                                     ca.set() ? ca.source : cert.source,
                                     ": choose plaintext or TLS"));
    }
  }
  settings.use_tls = !insecure && (ca.set() || cert.set() || !loopback);

  if (ca.set()) {
    settings.ca_file = ca.value;
    absl::StatusOr<std::string> pem = ReadSmallFile(ca, "CA file");
    if (!pem.ok()) return pem.status();
    settings.ca_pem = *std::move(pem);
  }
  if (cert.set()) {
    settings.cert_file = cert.value;
    settings.key_file = key.value;
    absl::StatusOr<std::string> cert_pem = ReadSmallFile(cert, "certificate file");
    if (!cert_pem.ok()) return cert_pem.status();
    absl::StatusOr<std::string> key_pem = ReadSmallFile(key, "key file");
    if (!key_pem.ok()) return key_pem.status();
    settings.cert_pem = *std::move(cert_pem);
    settings.key_pem = *std::move(key_pem);
  }

  // The token: --token-file > RIPOSTE_TOKEN / RIPOSTE_TOKEN_FILE > config.
  Sourced token_file;
  if (std::optional<std::string> v = flags.Get("token-file"); v.has_value()) {
    token_file = {*v, "--token-file"};
  } else {
    const std::optional<std::string> token_env = NonEmptyEnv(env, "RIPOSTE_TOKEN");
    const std::optional<std::string> token_file_env =
        NonEmptyEnv(env, "RIPOSTE_TOKEN_FILE");
    if (token_env.has_value() && token_file_env.has_value()) {
      return UsageError(
          "both RIPOSTE_TOKEN and RIPOSTE_TOKEN_FILE are set; unset one");
    }
    if (token_env.has_value()) {
      const std::string token(absl::StripAsciiWhitespace(*token_env));
      if (absl::Status s = CheckToken(token, "RIPOSTE_TOKEN"); !s.ok()) return s;
      settings.token = token;
      settings.token_source = "RIPOSTE_TOKEN";
    } else if (token_file_env.has_value()) {
      token_file = {*token_file_env, "RIPOSTE_TOKEN_FILE"};
    } else if (config.token_file.has_value()) {
      token_file = {*config.token_file, absl::StrCat("token_file in ", cp)};
    }
  }
  if (token_file.set()) {
    absl::StatusOr<std::string> text = ReadSmallFile(token_file, "token file");
    if (!text.ok()) return text.status();
    const std::string source = absl::StrCat(token_file.value, " (from ", token_file.source, ")");
    const std::string token(absl::StripAsciiWhitespace(*text));
    if (absl::Status s = CheckToken(token, source); !s.ok()) return s;
    settings.token = token;
    settings.token_source = source;
  }

  if (std::optional<std::string> t = flags.Get("timeout"); t.has_value()) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag("--timeout", *t, false);
    if (!d.ok()) return AsUsageError(d.status());
    if (*d <= absl::ZeroDuration()) return UsageError("--timeout: must be more than 0");
    settings.timeout = *d;
  }
  return settings;
}

}  // namespace riposte::cli
