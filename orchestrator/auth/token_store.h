#ifndef RIPOSTE_ORCHESTRATOR_AUTH_TOKEN_STORE_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_TOKEN_STORE_H_

// The bearer tokens riposted accepts, loaded from auth.tokens_file:
//
//   tokens:
//     - identity: soc-alice
//       role: operator
//       sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
//
// The file holds the SHA-256 of each token, never the token, so reading it
// does not reveal a credential. A token is looked up by hashing it and
// comparing the hash with every entry in constant time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "orchestrator/auth/identity.h"

namespace riposte::yaml {
struct Node;
}  // namespace riposte::yaml

namespace riposte::auth {

// Longest token Lookup considers; longer ones are unknown.
inline constexpr size_t kMaxTokenBytes = 4096;

// An immutable set of token hashes. Copyable; thread-safe (const only).
class TokenStore {
 public:
  // An empty store: every token is unknown.
  TokenStore() = default;

  // Parses a tokens file. `filename` starts every message.
  //
  // Returns InvalidArgument listing every problem, one per line, as
  // "filename:line: tokens[i].key: message": YAML syntax errors, unknown
  // keys, a missing or empty identity (or one with control characters, or
  // over 256 bytes), an unknown role, a sha256 that is not 64 hex digits or
  // is the hash of the empty token, duplicate hashes, and a `token` key (the
  // token itself, which never goes in the file). Messages never repeat a
  // sha256 value, in case a token was pasted there by mistake.
  static absl::StatusOr<TokenStore> Parse(absl::string_view yaml_text,
                                          absl::string_view filename);

  // Reads and parses the file at `path`; messages name `path`. NotFound,
  // PermissionDenied or Unavailable if it cannot be read, InvalidArgument
  // as Parse.
  static absl::StatusOr<TokenStore> Load(const std::string& path);

  // The caller `token` stands for, or nullopt. Every entry is compared, in
  // constant time, whatever matches.
  std::optional<Caller> Lookup(absl::string_view token) const;

  size_t size() const { return entries_.size(); }

  // The lower-case hex SHA-256 of `token`: what the file's sha256 holds.
  static std::string HashToken(absl::string_view token);

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Entry {
    Digest digest;
    Caller caller;
  };

  static absl::StatusOr<TokenStore> FromDocument(const yaml::Node& doc,
                                                 absl::string_view filename);

  std::vector<Entry> entries_;
};

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_TOKEN_STORE_H_
