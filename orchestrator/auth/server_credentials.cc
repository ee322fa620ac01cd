#include "orchestrator/auth/server_credentials.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "config/secret.h"
#include "orchestrator/auth/auth_processor.h"

namespace riposte::auth {
namespace {

// Certificate files are public, but a CA bundle can be larger than a secret.
constexpr off_t kMaxCertificateFileBytes = 1024 * 1024;

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnavailableError(message);
}

// Reads a (public) certificate file; messages start with `key`.
absl::StatusOr<std::string> ReadCertificateFile(absl::string_view key,
                                                const std::string& path) {
  const std::string name = absl::StrCat(key, ": ", path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat(name, ": cannot open"));
  std::string text;
  absl::Status status;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    status = ErrnoStatus(errno, absl::StrCat(name, ": cannot stat"));
  } else if (!S_ISREG(st.st_mode)) {
    status = absl::InvalidArgumentError(
        absl::StrCat(name, ": is not a regular file"));
  } else if (st.st_size > kMaxCertificateFileBytes) {
    status = absl::InvalidArgumentError(
        absl::StrCat(name, ": is too large (", st.st_size, " bytes, limit ",
                     kMaxCertificateFileBytes, ")"));
  } else {
    char buffer[8192];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = ErrnoStatus(errno, absl::StrCat(name, ": cannot read"));
        break;
      }
      if (n == 0) break;
      text.append(buffer, static_cast<size_t>(n));
      if (text.size() > static_cast<size_t>(kMaxCertificateFileBytes)) {
        status = absl::InvalidArgumentError(
            absl::StrCat(name, ": is too large (limit ",
                         kMaxCertificateFileBytes, " bytes)"));
        break;
      }
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return text;
}

// A BIO over `pem`, freed on scope exit.
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Never prompts for a passphrase on a terminal: encrypted keys just fail.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return -1;
}

// The certificates in `pem`, in order; empty if there are none.
std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> certificates;
  BioPtr bio = MemoryBio(pem);
  while (bio != nullptr) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
    if (cert == nullptr) break;
    certificates.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the file reads as an error
  return certificates;
}

// Logs (does not refuse) a server certificate outside its validity period:
// clients will refuse it, and the log says why.
void WarnIfNotValidNow(const std::string& path, X509* cert) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    log::Warn("the gRPC server certificate has expired; clients will refuse "
              "it",
              {{"cert_file", path}});
  } else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    log::Warn("the gRPC server certificate is not valid yet; clients will "
              "refuse it",
              {{"cert_file", path}});
  }
}

absl::StatusOr<grpc::SslServerCredentialsOptions> ReadTls(
    const config::TlsConfig& tls) {
  RIPOSTE_ASSIGN_OR_RETURN(
      std::string cert_pem,
      ReadCertificateFile("grpc.tls.cert_file", tls.cert_file));
  std::vector<X509Ptr> chain = ReadCertificates(cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc.tls.cert_file: ", tls.cert_file,
                     ": no PEM certificate (\"-----BEGIN CERTIFICATE-----\") "
                     "found"));
  }
  WarnIfNotValidNow(tls.cert_file, chain.front().get());

  config::SecretRef key_ref;
  key_ref.file = tls.key_file;
  absl::StatusOr<std::string> key_pem = config::ReadSecret(key_ref);
  if (!key_pem.ok()) {
    return absl::Status(key_pem.status().code(),
                        absl::StrCat("grpc.tls.key_file: ",
                                     key_pem.status().message()));
  }
  {
    BioPtr bio = MemoryBio(*key_pem);
    KeyPtr key(bio == nullptr ? nullptr
                              : PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                                        NoPassphrase, nullptr));
    ERR_clear_error();
    if (key == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "grpc.tls.key_file: ", tls.key_file,
          ": no usable PEM private key found (encrypted keys are not "
          "supported)"));
    }
    if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          "grpc.tls.key_file: ", tls.key_file,
          ": does not match the certificate in grpc.tls.cert_file (",
          tls.cert_file, ")"));
    }
  }

  grpc_ssl_client_certificate_request_type request =
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  std::string ca_pem;
  if (!tls.client_ca_file.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(
        ca_pem,
        ReadCertificateFile("grpc.tls.client_ca_file", tls.client_ca_file));
    if (ReadCertificates(ca_pem).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "grpc.tls.client_ca_file: ", tls.client_ca_file,
          ": no PEM certificate (\"-----BEGIN CERTIFICATE-----\") found"));
    }
    request = tls.require_client_cert
                  ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (tls.require_client_cert) {
    return absl::InvalidArgumentError(
        "grpc.tls.require_client_cert: needs grpc.tls.client_ca_file");
  }

  grpc::SslServerCredentialsOptions options(request);
  options.pem_root_certs = std::move(ca_pem);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  pair.private_key = *std::move(key_pem);
  pair.cert_chain = std::move(cert_pem);
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return options;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::ServerConfig& config,
    std::shared_ptr<const Authenticator> authenticator) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (config.grpc_tls.enabled) {
    RIPOSTE_ASSIGN_OR_RETURN(grpc::SslServerCredentialsOptions options,
                             ReadTls(config.grpc_tls));
    credentials = grpc::SslServerCredentials(options);
  } else {
    if (!config::IsLoopbackListenAddress(config.grpc_listen)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "grpc.listen: ", config.grpc_listen,
          " is not a loopback address, and TLS is required off loopback: "
          "configure grpc.tls"));
    }
    log::Warn("plaintext gRPC on loopback: development only",
              {{"listen", config.grpc_listen},
               {"callers", authenticator->development_mode()
                               ? "unauthenticated: every caller is admin "
                                 "\"local\""
                               : "bearer tokens required"}});
    credentials = grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  }
  if (credentials == nullptr) {
    return absl::InternalError("gRPC could not create server credentials");
  }
  credentials->SetAuthMetadataProcessor(
      std::make_shared<AuthProcessor>(std::move(authenticator)));
  return credentials;
}

absl::StatusOr<ServerSecurity> MakeServerSecurity(
    const config::ServerConfig& config) {
  ServerSecurity security;
  RIPOSTE_ASSIGN_OR_RETURN(security.authenticator,
                           Authenticator::Create(config));
  RIPOSTE_ASSIGN_OR_RETURN(
      security.credentials,
      MakeServerCredentials(config, security.authenticator));
  const config::TlsConfig& tls = config.grpc_tls;
  log::Info(
      "grpc caller authentication",
      {{"transport", tls.enabled ? "tls" : "plaintext"},
       {"client_certificates",
        !tls.enabled || tls.client_ca_file.empty()
            ? "not requested"
            : (tls.require_client_cert ? "required" : "requested")},
       {"tokens", security.authenticator->token_count()},
       {"client_cert_roles", config.auth.client_cert_roles.size()},
       {"development_mode", security.authenticator->development_mode()}});
  return security;
}

void ApplyCallLimits(grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
}

}  // namespace riposte::auth
