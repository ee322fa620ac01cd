#include "orchestrator/auth/token_store.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text_rules.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::auth {
namespace {

using yaml::ErrorList;
using yaml::MapReader;
using yaml::Node;

constexpr size_t kMaxIdentityBytes = 256;

// Returns why `identity` cannot be an identity, or "". The rules match
// auth.client_cert_roles in the server config.
std::string CheckIdentity(absl::string_view identity) {
  if (identity.empty()) return "must not be empty";
  if (identity.size() > kMaxIdentityBytes) {
    return absl::StrCat("is ", identity.size(), " bytes, more than ",
                        kMaxIdentityBytes);
  }
  return TextProblem(identity, TextClass::kIdentifier).value_or("");
}

// Decodes 64 hex digits (either case) into `out`.
bool DecodeDigest(absl::string_view hex, std::array<uint8_t, 32>* out) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  std::string bytes = absl::HexStringToBytes(hex);
  if (bytes.size() != out->size()) return false;
  for (size_t i = 0; i < out->size(); ++i) {
    (*out)[i] = static_cast<uint8_t>(bytes[i]);
  }
  return true;
}

std::array<uint8_t, 32> Sha256(absl::string_view data) {
  std::array<uint8_t, 32> digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

}  // namespace

std::string TokenStore::HashToken(absl::string_view token) {
  Digest digest = Sha256(token);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::StatusOr<TokenStore> TokenStore::Parse(absl::string_view yaml_text,
                                             absl::string_view filename) {
  RIPOSTE_ASSIGN_OR_RETURN(Node doc, yaml::Parse(yaml_text, filename));
  return FromDocument(doc, filename);
}

absl::StatusOr<TokenStore> TokenStore::FromDocument(
    const Node& doc, absl::string_view filename) {
  ErrorList errors{std::string(filename)};
  TokenStore store;
  std::map<Digest, int> first_line_of_digest;
  const Digest empty_token = Sha256("");

  MapReader root(doc, "", &errors);
  root.RequiredSequence("tokens", [&](const Node& item,
                                      const std::string& path) {
    // The token itself never belongs in the file; say so rather than
    // "unknown key", and read the rest without it.
    Node filtered = item;
    if (item.IsMap()) {
      filtered.entries.clear();
      for (const auto& entry : item.entries) {
        if (entry.first == "token") {
          int line = entry.second.BlameLine();
          errors.Add(line > 0 ? line : item.line,
                     absl::StrCat(path, ".token"),
                     "the token itself must never be stored: write sha256, "
                     "the hex SHA-256 of the token, instead");
          continue;
        }
        filtered.entries.push_back(entry);
      }
    }
    MapReader::ReadMap(filtered, path, &errors, [&](MapReader& reader) {
      Entry entry;
      bool ok = reader.RequiredString("identity", &entry.caller.identity);
      if (ok) {
        std::string problem = CheckIdentity(entry.caller.identity);
        if (!problem.empty()) {
          reader.AddError("identity", problem);
          ok = false;
        }
      }
      std::string role_name;
      if (reader.RequiredString("role", &role_name)) {
        absl::StatusOr<Role> role = ParseRole(role_name);
        if (role.ok()) {
          entry.caller.role = *role;
        } else {
          reader.AddError("role", role.status().message());
          ok = false;
        }
      } else {
        ok = false;
      }
      std::string hex;
      if (reader.RequiredString("sha256", &hex)) {
        if (!DecodeDigest(hex, &entry.digest)) {
          // Never echo the value: it may be a token pasted in by mistake.
          reader.AddError("sha256",
                          absl::StrCat("must be 64 hex digits, the SHA-256 "
                                       "of the token (got ",
                                       hex.size(), " characters)"));
          ok = false;
        } else if (entry.digest == empty_token) {
          reader.AddError("sha256", "is the SHA-256 of an empty token");
          ok = false;
        } else {
          const int line = reader.LineOf("sha256");
          auto [it, inserted] =
              first_line_of_digest.emplace(entry.digest, line);
          if (!inserted) {
            reader.AddError("sha256",
                            absl::StrCat("duplicate token hash (first at "
                                         "line ",
                                         it->second, ")"));
            ok = false;
          }
        }
      } else {
        ok = false;
      }
      if (ok) store.entries_.push_back(std::move(entry));
    });
  });
  root.Finish();
  RIPOSTE_RETURN_IF_ERROR(errors.ToStatus());
  return store;
}

absl::StatusOr<TokenStore> TokenStore::Load(const std::string& path) {
  absl::StatusOr<Node> doc = yaml::ParseFile(path);
  if (!doc.ok()) {
    if (doc.status().code() == absl::StatusCode::kInvalidArgument) {
      return doc.status();
    }
    // ParseFile's messages already name the path; say what it was for.
    return absl::Status(doc.status().code(),
                        absl::StrCat("tokens file: ", doc.status().message()));
  }
  return FromDocument(*doc, path);
}

std::optional<Caller> TokenStore::Lookup(absl::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  const Digest digest = Sha256(token);
  const Entry* match = nullptr;
  for (const Entry& entry : entries_) {
    // Constant time in the digest, and no early exit over entries.
    bool equal =
        CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (equal && match == nullptr) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return match->caller;
}

}  // namespace riposte::auth
