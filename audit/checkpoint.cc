#include "audit/checkpoint.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace riposte::audit {
namespace {

// U+2014 EM DASH and a space: how every signature line starts.
constexpr absl::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr unsigned char kEd25519Type = 0x01;
constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kEd25519SignatureBytes = 64;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// One line of text a note may hold: not empty, no control characters.
bool IsNoteLine(absl::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool IsKeyName(absl::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  return true;
}

// Standard base64 that re-encodes to exactly the same text (no lenient
// whitespace or missing padding).
bool StrictBase64(absl::string_view in, std::string& out) {
  if (!absl::Base64Unescape(in, &out)) return false;
  return absl::Base64Escape(out) == in;
}

std::string Body(const Checkpoint& c) {
  std::string raw;
  absl::HexStringToBytes(c.head_hash).swap(raw);
  return absl::StrCat(c.origin, "\n", c.count, "\n", absl::Base64Escape(raw),
                      "\n");
}

Pkey RawPublicKey(absl::string_view raw) {
  return Pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

// The raw 32 bytes of an Ed25519 key's public half; InvalidArgument when
// `pkey` is another kind of key (`which` says "private" or "public").
absl::StatusOr<std::string> Ed25519PublicKey(EVP_PKEY* pkey,
                                             absl::string_view which) {
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", which, " key is not an Ed25519 key"));
  }
  std::string raw(kEd25519KeyBytes, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          pkey, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kEd25519KeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the Ed25519 ", which, " key"));
  }
  return raw;
}

}  // namespace

struct CheckpointSigner::Key {
  Pkey pkey;
};

std::string DescribeCheckpoint(const CheckpointNote& note) {
  return absl::StrCat("checkpoint ", note.ordinal, " (line ", note.line,
                      ": count ", note.checkpoint.count, ", head ",
                      note.checkpoint.head_hash, ")");
}

std::string CheckpointKeyId(absl::string_view key_name,
                            absl::string_view raw_public_key) {
  std::string data = absl::StrCat(key_name, "\n");
  data.push_back(static_cast<char>(kEd25519Type));
  data.append(raw_public_key.data(), raw_public_key.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), 4);
}

CheckpointSigner::CheckpointSigner(std::unique_ptr<Key> key,
                                   std::string key_name, std::string public_key)
    : key_(std::move(key)),
      key_name_(std::move(key_name)),
      public_key_(std::move(public_key)) {}

CheckpointSigner::~CheckpointSigner() = default;

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::Create(
    absl::string_view pem, std::string key_name) {
  if (!IsKeyName(key_name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint key name '", key_name,
        "' must be non-empty, without spaces or '+'"));
  }
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // A null password callback with an empty password: an encrypted key
  // fails instead of prompting on a terminal.
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                    const_cast<char*>("")));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        "not a PEM private key (an unencrypted PKCS#8 Ed25519 key, as "
        "'openssl genpkey -algorithm ed25519' writes)");
  }
  absl::StatusOr<std::string> raw = Ed25519PublicKey(pkey.get(), "private");
  if (!raw.ok()) return raw.status();
  auto key = std::make_unique<Key>();
  key->pkey = std::move(pkey);
  return std::unique_ptr<CheckpointSigner>(
      new CheckpointSigner(std::move(key), std::move(key_name), *std::move(raw)));
}

absl::StatusOr<std::string> CheckpointSigner::Sign(
    const Checkpoint& checkpoint) const {
  if (!IsNoteLine(checkpoint.origin)) {
    return absl::InvalidArgumentError(
        "checkpoint origin must be one non-empty line of printable text");
  }
  if (checkpoint.count < 0 || !IsHex64(checkpoint.head_hash)) {
    return absl::InvalidArgumentError(
        "checkpoint needs a count >= 0 and a 64-digit hex head hash");
  }
  const std::string body = Body(checkpoint);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[kEd25519SignatureBytes];
  size_t sig_len = sizeof(sig);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len,
                     reinterpret_cast<const unsigned char*>(body.data()),
                     body.size()) != 1 ||
      sig_len != kEd25519SignatureBytes) {
    return absl::InternalError("Ed25519 signing failed");
  }
  std::string blob = CheckpointKeyId(key_name_, public_key_);
  blob.append(reinterpret_cast<const char*>(sig), sig_len);
  return absl::StrCat(body, "\n", kSignaturePrefix, key_name_, " ",
                      absl::Base64Escape(blob), "\n");
}

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::FromPublicKeyPem(
    absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        "not a PEM public key (as 'openssl pkey -pubout' writes)");
  }
  absl::StatusOr<std::string> raw = Ed25519PublicKey(pkey.get(), "public");
  if (!raw.ok()) return raw.status();
  return CheckpointVerifier(*std::move(raw));
}

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::FromRawPublicKey(
    absl::string_view raw) {
  if (raw.size() != kEd25519KeyBytes || RawPublicKey(raw) == nullptr) {
    return absl::InvalidArgumentError("not a 32-byte Ed25519 public key");
  }
  return CheckpointVerifier(std::string(raw));
}

absl::Status CheckpointVerifier::Verify(const CheckpointNote& note) const {
  for (const CheckpointNote::Signature& s : note.signatures) {
    if (s.key_id != CheckpointKeyId(s.key_name, raw_)) continue;
    // The first line by this key decides; a bad one is not skipped.
    Pkey pkey = RawPublicKey(raw_);
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    const bool ok =
        pkey != nullptr && ctx != nullptr &&
        s.signature.size() == kEd25519SignatureBytes &&
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                             pkey.get()) == 1 &&
        EVP_DigestVerify(
            ctx.get(),
            reinterpret_cast<const unsigned char*>(s.signature.data()),
            s.signature.size(),
            reinterpret_cast<const unsigned char*>(note.text.data()),
            note.text.size()) == 1;
    if (ok) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat(DescribeCheckpoint(note),
                     ": the signature does not match its text (altered)"));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      DescribeCheckpoint(note), ": not signed by the given key"));
}

absl::StatusOr<std::vector<CheckpointNote>> ParseCheckpointFile(
    absl::string_view name, absl::string_view text) {
  std::vector<CheckpointNote> notes;
  if (text.empty()) return notes;
  if (text.back() != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": does not end in a newline (a torn last checkpoint?)"));
  }
  text.remove_suffix(1);
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  size_t i = 0;
  auto error = [&](size_t at, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", at + 1, ": ", what));
  };
  while (i < lines.size()) {
    CheckpointNote note;
    note.ordinal = static_cast<int>(notes.size()) + 1;
    note.line = static_cast<int>(i) + 1;
    // Body: origin, count, hash, then a blank line.
    if (i + 3 >= lines.size() || !lines[i + 3].empty()) {
      return error(i, "a checkpoint is three lines (origin, count, hash) "
                      "and a blank line before its signatures");
    }
    for (size_t k = i; k < i + 3; ++k) {
      if (!IsNoteLine(lines[k]) || absl::StartsWith(lines[k], kSignaturePrefix)) {
        return error(k, "expected a checkpoint line of printable text");
      }
    }
    note.checkpoint.origin = std::string(lines[i]);
    if (!absl::SimpleAtoi(lines[i + 1], &note.checkpoint.count) ||
        note.checkpoint.count < 0 ||
        absl::StrCat(note.checkpoint.count) != lines[i + 1]) {
      return error(i + 1, "the record count is not a decimal number");
    }
    std::string raw_hash;
    if (!StrictBase64(lines[i + 2], raw_hash) || raw_hash.size() != 32) {
      return error(i + 2, "the head hash is not base64 of 32 bytes");
    }
    note.checkpoint.head_hash = absl::BytesToHexString(raw_hash);
    note.text = absl::StrCat(lines[i], "\n", lines[i + 1], "\n", lines[i + 2],
                             "\n");
    i += 4;
    // Signature lines until a blank line or the end.
    while (i < lines.size() && !lines[i].empty()) {
      absl::string_view line = lines[i];
      if (!absl::ConsumePrefix(&line, kSignaturePrefix)) {
        return error(i, "a signature line starts with an em dash and a space");
      }
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      std::string blob;
      if (parts.size() != 2 || !IsKeyName(parts[0]) ||
          !StrictBase64(parts[1], blob) || blob.size() < 5) {
        return error(i, "a signature line is '— <key name> <base64 "
                        "signature>'");
      }
      CheckpointNote::Signature sig;
      sig.key_name = std::string(parts[0]);
      sig.key_id = blob.substr(0, 4);
      sig.signature = blob.substr(4);
      note.signatures.push_back(std::move(sig));
      ++i;
    }
    if (note.signatures.empty()) {
      return error(i < lines.size() ? i : lines.size() - 1,
                   "a checkpoint without a signature");
    }
    notes.push_back(std::move(note));
    if (i < lines.size()) ++i;  // the blank line between notes
  }
  return notes;
}

absl::StatusOr<std::vector<CheckpointNote>> ReadVerifiedCheckpoints(
    absl::string_view name, absl::string_view text,
    const CheckpointVerifier& verifier) {
  absl::StatusOr<std::vector<CheckpointNote>> notes =
      ParseCheckpointFile(name, text);
  if (!notes.ok()) return notes.status();
  for (const CheckpointNote& note : *notes) {
    if (absl::Status s = verifier.Verify(note); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
    }
  }
  return notes;
}

}  // namespace riposte::audit
