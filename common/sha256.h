#ifndef RIPOSTE_COMMON_SHA256_H_
#define RIPOSTE_COMMON_SHA256_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace riposte {

// SHA-256 of `data` as 64 lower-case hex digits. Thread-safe.
std::string Sha256Hex(absl::string_view data);

// SHA-256 over data that arrives in pieces (a streamed download), so that
// nothing has to be held whole. Thread-compatible.
class Sha256Stream {
 public:
  Sha256Stream();
  void Update(absl::string_view piece);
  // The digest of everything so far as 64 lower-case hex digits. Call once.
  std::string HexDigest();

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const;
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

}  // namespace riposte

#endif  // RIPOSTE_COMMON_SHA256_H_
