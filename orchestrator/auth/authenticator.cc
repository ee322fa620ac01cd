#include "orchestrator/auth/authenticator.h"

#include <grpc/grpc_security_constants.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orchestrator/auth/method_policy.h"

namespace riposte::auth {
namespace {

constexpr absl::string_view kAuthorizationKey = "authorization";
constexpr absl::string_view kSslTransport = "ssl";

// A certificate name, quoted and escaped for a message, at most 128 bytes
// of it.
std::string QuoteName(absl::string_view name) {
  constexpr size_t kMax = 128;
  std::string quoted =
      absl::StrCat("\"", absl::CHexEscape(name.substr(0, kMax)), "\"");
  if (name.size() > kMax) quoted += "...";
  return quoted;
}

std::string ToString(grpc::string_ref ref) {
  return std::string(ref.data(), ref.size());
}

void AppendValues(const grpc::AuthContext& context, const char* property,
                  std::vector<std::string>* out) {
  for (grpc::string_ref value : context.FindPropertyValues(property)) {
    out->push_back(ToString(value));
  }
}

// The token in "Bearer <token>", or nullopt if `value` is not of that form.
// Never says why in a way that would carry the value.
std::optional<absl::string_view> BearerToken(absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  absl::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  for (char c : token) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return std::nullopt;
  }
  return token;
}

}  // namespace

CallCredentials CredentialsOf(
    const grpc::AuthContext* auth_context,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  CallCredentials credentials;
  if (auth_context != nullptr) {
    for (grpc::string_ref type : auth_context->FindPropertyValues(
             GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
      credentials.transport_security_type = ToString(type);
    }
    if (credentials.transport_security_type == kSslTransport) {
      // Present only when the client sent a certificate and TLS verified it
      // (the server never accepts an unverified one).
      AppendValues(*auth_context, GRPC_X509_CN_PROPERTY_NAME,
                   &credentials.certificate_names);
      AppendValues(*auth_context, GRPC_PEER_DNS_PROPERTY_NAME,
                   &credentials.certificate_names);
      AppendValues(*auth_context, GRPC_PEER_URI_PROPERTY_NAME,
                   &credentials.certificate_names);
    }
  }
  auto [begin, end] = metadata.equal_range(
      grpc::string_ref(kAuthorizationKey.data(), kAuthorizationKey.size()));
  for (auto it = begin; it != end; ++it) {
    credentials.authorization.push_back(ToString(it->second));
  }
  return credentials;
}

absl::StatusOr<TokenStore> LoadTokens(const std::string& path) {
  absl::StatusOr<TokenStore> tokens = TokenStore::Load(path);
  if (!tokens.ok()) {
    return absl::Status(
        tokens.status().code(),
        absl::StrCat("auth.tokens_file: ", tokens.status().message()));
  }
  return tokens;
}

absl::StatusOr<std::shared_ptr<Authenticator>> Authenticator::Create(
    const config::ServerConfig& config) {
  Options options;
  options.development_mode = config.AuthDisabledForDevelopment();
  options.tokens_file = config.auth.tokens_file;
  for (const config::ClientCertRole& entry : config.auth.client_cert_roles) {
    absl::StatusOr<Role> role = ParseRole(entry.role);
    if (!role.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("auth.client_cert_roles: ", QuoteName(entry.identity),
                       ": ", role.status().message()));
    }
    options.certificate_roles.push_back(CertificateRole{entry.identity, *role});
  }
  return Create(std::move(options));
}

absl::StatusOr<std::shared_ptr<Authenticator>> Authenticator::Create(
    Options options) {
  std::shared_ptr<const TokenStore> tokens;
  if (!options.tokens_file.empty()) {
    absl::StatusOr<TokenStore> loaded = LoadTokens(options.tokens_file);
    if (!loaded.ok()) return loaded.status();
    tokens = std::make_shared<const TokenStore>(*std::move(loaded));
  }
  return std::make_shared<Authenticator>(std::move(options),
                                         std::move(tokens));
}

Authenticator::Authenticator(Options options,
                             std::shared_ptr<const TokenStore> tokens)
    : options_(std::move(options)), tokens_(std::move(tokens)) {}

std::shared_ptr<const TokenStore> Authenticator::tokens() const {
  absl::ReaderMutexLock lock(&mu_);
  return tokens_;
}

size_t Authenticator::token_count() const {
  std::shared_ptr<const TokenStore> tokens = this->tokens();
  return tokens == nullptr ? 0 : tokens->size();
}

absl::Status Authenticator::ReloadTokens() {
  if (options_.tokens_file.empty()) {
    return absl::FailedPreconditionError(
        "auth.tokens_file is not configured; no tokens to reload");
  }
  absl::StatusOr<TokenStore> loaded = LoadTokens(options_.tokens_file);
  if (!loaded.ok()) return loaded.status();
  auto tokens = std::make_shared<const TokenStore>(*std::move(loaded));
  absl::MutexLock lock(&mu_);
  tokens_ = std::move(tokens);
  return absl::OkStatus();
}

absl::StatusOr<Caller> Authenticator::FromCertificate(
    const std::vector<std::string>& names) const {
  const CertificateRole* match = nullptr;
  std::vector<std::string> conflicts;
  for (const std::string& name : names) {
    for (const CertificateRole& entry : options_.certificate_roles) {
      if (entry.identity != name) continue;
      if (match == nullptr) {
        match = &entry;
      } else if (entry.role != match->role) {
        conflicts.push_back(
            absl::StrCat(QuoteName(entry.identity), " is ",
                         RoleName(entry.role)));
      }
    }
  }
  if (match == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate ", QuoteName(names.front()),
        " is not listed in auth.client_cert_roles"));
  }
  if (!conflicts.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate names map to different roles in "
        "auth.client_cert_roles (",
        QuoteName(match->identity), " is ", RoleName(match->role), ", ",
        absl::StrJoin(conflicts, ", "), "); refusing to guess"));
  }
  return Caller{match->identity, match->role};
}

absl::StatusOr<Caller> Authenticator::Authenticate(
    const CallCredentials& credentials) const {
  if (!credentials.authorization.empty()) {
    if (credentials.authorization.size() > 1) {
      return absl::UnauthenticatedError(
          "more than one authorization header; send exactly one "
          "\"authorization: Bearer <token>\"");
    }
    const std::string& header = credentials.authorization.front();
    if (header.size() > kMaxTokenBytes + 64) {
      // No token is that long; say so without echoing any of it.
      return absl::UnauthenticatedError(absl::StrCat(
          "invalid bearer token: the authorization header is ", header.size(),
          " bytes, longer than ", kMaxTokenBytes, " bytes for a token"));
    }
    std::optional<absl::string_view> token = BearerToken(header);
    if (!token.has_value()) {
      return absl::UnauthenticatedError(
          "malformed authorization header; expected \"Bearer <token>\"");
    }
    std::shared_ptr<const TokenStore> tokens = this->tokens();
    if (tokens == nullptr) {
      return absl::UnauthenticatedError(
          "bearer tokens are not accepted: this server has no "
          "auth.tokens_file");
    }
    if (token->size() > kMaxTokenBytes) {
      return absl::UnauthenticatedError(absl::StrCat(
          "invalid bearer token: longer than ", kMaxTokenBytes, " bytes"));
    }
    std::optional<Caller> caller = tokens->Lookup(*token);
    if (!caller.has_value()) {
      return absl::UnauthenticatedError("invalid bearer token");
    }
    return *std::move(caller);
  }
  if (options_.development_mode) {
    return Caller{std::string(kDevelopmentIdentity), Role::kAdmin};
  }
  if (credentials.transport_security_type == kSslTransport &&
      !credentials.certificate_names.empty()) {
    return FromCertificate(credentials.certificate_names);
  }
  std::string accepted;
  const bool tokens = !options_.tokens_file.empty();
  const bool certificates = !options_.certificate_roles.empty();
  if (tokens && certificates) {
    accepted = "send \"authorization: Bearer <token>\" or connect with a "
               "client certificate";
  } else if (certificates) {
    accepted = "connect with a client certificate";
  } else {
    accepted = "send \"authorization: Bearer <token>\"";
  }
  return absl::UnauthenticatedError(
      absl::StrCat("missing credentials: ", accepted));
}

absl::StatusOr<std::optional<Caller>> Authenticator::AuthorizeMethod(
    const CallCredentials& credentials, absl::string_view method) const {
  std::optional<Role> needed = RequiredRole(method);
  if (!needed.has_value()) return std::optional<Caller>();
  absl::StatusOr<Caller> caller = Authenticate(credentials);
  if (!caller.ok()) return caller.status();
  if (!RoleAllows(caller->role, *needed)) {
    return absl::PermissionDeniedError(absl::StrCat(
        absl::CHexEscape(method.substr(0, 256)), " needs role ",
        RoleName(*needed),
        "; caller ", QuoteName(caller->identity), " has role ",
        RoleName(caller->role)));
  }
  return std::optional<Caller>(*std::move(caller));
}

absl::StatusOr<Caller> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  std::shared_ptr<const grpc::AuthContext> auth_context =
      context.auth_context();
  return Authenticate(
      CredentialsOf(auth_context.get(), context.client_metadata()));
}

absl::StatusOr<Caller> Authenticator::AuthorizeCall(
    const grpc::ServerContextBase& context, absl::string_view method) const {
  std::shared_ptr<const grpc::AuthContext> auth_context =
      context.auth_context();
  CallCredentials credentials =
      CredentialsOf(auth_context.get(), context.client_metadata());
  absl::StatusOr<std::optional<Caller>> caller =
      AuthorizeMethod(credentials, method);
  if (!caller.ok()) return caller.status();
  if (caller->has_value()) return **std::move(caller);
  return Authenticate(credentials);
}

}  // namespace riposte::auth
