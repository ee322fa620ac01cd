#ifndef RIPOSTE_AUDIT_CHECKPOINT_H_
#define RIPOSTE_AUDIT_CHECKPOINT_H_

// Signed checkpoints of the audit chain, so that cutting off its tail, or
// re-chaining every hash after an edit, shows: a checkpoint kept off the
// host says how long the chain was and what its head hashed to.
//
// A checkpoint is a C2SP signed note whose text is a tlog-checkpoint body:
//
//   <origin>\n
//   <record count, decimal>\n
//   <base64 of the 32 hash bytes of record <count>>\n
//   \n
//   — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\n
//
// The signature covers the three body lines, final newline included. The
// key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || the
// 32-byte Ed25519 public key). A checkpoint file holds notes one after the
// other, each followed by one blank line; riposted only ever appends.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::audit {

// What a checkpoint says about the chain.
struct Checkpoint {
  std::string origin;  // who keeps the chain, e.g. "riposte/contoso"
  int64_t count = 0;   // records in the chain; its head is record `count`
  std::string head_hash;  // lower-case hex hash of record `count`
};

// One note read from a checkpoint file, not yet verified.
struct CheckpointNote {
  Checkpoint checkpoint;
  int ordinal = 0;  // 1 for the first note in the file
  int line = 0;     // line of the file where the note starts (1-based)
  std::string text;  // the signed text (the three body lines)
  struct Signature {
    std::string key_name;
    std::string key_id;     // 4 bytes
    std::string signature;  // the rest (64 bytes for Ed25519)
  };
  std::vector<Signature> signatures;
};

// "checkpoint 3 (line 9: count 120, head 9f2c...)", for messages.
std::string DescribeCheckpoint(const CheckpointNote& note);

// Signs checkpoints with an Ed25519 private key. Thread-safe.
class CheckpointSigner {
 public:
  // `pem` is a PKCS#8 PEM Ed25519 private key (openssl genpkey -algorithm
  // ed25519). `key_name` names the key in the signature line: non-empty,
  // no spaces, no '+'. InvalidArgument otherwise; the message never holds
  // any of the key.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> Create(
      absl::string_view pem, std::string key_name);
  ~CheckpointSigner();

  // The signed note, ending in a newline (no trailing blank line).
  // InvalidArgument when the origin is not one line of printable text or
  // the hash is not 64 hex digits; Internal when OpenSSL fails.
  absl::StatusOr<std::string> Sign(const Checkpoint& checkpoint) const;

  const std::string& public_key() const { return public_key_; }  // 32 bytes
  const std::string& key_name() const { return key_name_; }

 private:
  struct Key;
  CheckpointSigner(std::unique_ptr<Key> key, std::string key_name,
                   std::string public_key);
  std::unique_ptr<Key> key_;
  std::string key_name_;
  std::string public_key_;
};

// Checks signatures with an Ed25519 public key. Thread-compatible.
class CheckpointVerifier {
 public:
  // From a PEM public key (openssl pkey -pubout) or, for the signer's own
  // process, the raw 32 bytes. InvalidArgument when it is not Ed25519.
  static absl::StatusOr<CheckpointVerifier> FromPublicKeyPem(
      absl::string_view pem);
  static absl::StatusOr<CheckpointVerifier> FromRawPublicKey(
      absl::string_view raw);

  // OK when one signature line of `note` carries this key's id for its key
  // name and verifies. PermissionDenied naming the checkpoint otherwise:
  // no line by this key, or a signature that does not match the text.
  absl::Status Verify(const CheckpointNote& note) const;

 private:
  explicit CheckpointVerifier(std::string raw) : raw_(std::move(raw)) {}
  std::string raw_;
};

// The key id of an Ed25519 key under `key_name` (4 bytes).
std::string CheckpointKeyId(absl::string_view key_name,
                            absl::string_view raw_public_key);

// Parses a checkpoint file (`name` is used in messages). An empty file has
// no notes. InvalidArgument naming the file and line for anything that is
// not a well-formed note: a body that is not three lines, a count that is
// not a decimal, a hash that is not base64 of 32 bytes, a signature line
// that is malformed, a note without signatures.
absl::StatusOr<std::vector<CheckpointNote>> ParseCheckpointFile(
    absl::string_view name, absl::string_view text);

// Parses and verifies every note of a checkpoint file's contents; the
// first failure is returned.
absl::StatusOr<std::vector<CheckpointNote>> ReadVerifiedCheckpoints(
    absl::string_view name, absl::string_view text,
    const CheckpointVerifier& verifier);

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_CHECKPOINT_H_
