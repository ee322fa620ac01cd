#include "audit/checkpoint.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "audit/anchor_check.h"
#include "audit/audit_record.h"
#include "audit/chain_verifier.h"
#include "audit/testing/test_chain.h"
#include "audit/testing/test_keys.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::audit {
namespace {

using ::testing::HasSubstr;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = testing::GenerateEd25519KeyPair();
    auto signer = CheckpointSigner::Create(keys_.private_pem, "riposte/contoso");
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    auto verifier = CheckpointVerifier::FromPublicKeyPem(keys_.public_pem);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_.emplace(*std::move(verifier));
  }

  // A checkpoint file with one note per count, of `chain`.
  std::string FileOf(const std::vector<AuditRecord>& chain,
                     const std::vector<int64_t>& counts) {
    std::string file;
    for (int64_t count : counts) {
      Checkpoint cp{"riposte/contoso", count,
                    count == 0 ? std::string(kGenesisHash)
                               : chain[count - 1].hash};
      auto note = signer_->Sign(cp);
      EXPECT_TRUE(note.ok()) << note.status();
      absl::StrAppend(&file, *note, "\n");
    }
    return file;
  }

  // Verifies `chain` the way riposted does: chain first, then anchors.
  AnchorResult Anchor(const std::vector<AuditRecord>& chain,
                      const std::string& file) {
    auto notes = ReadVerifiedCheckpoints("cp", file, *verifier_);
    EXPECT_TRUE(notes.ok()) << notes.status();
    ChainVerifier chain_verifier;
    AnchorCheck anchors(*std::move(notes));
    for (const AuditRecord& r : chain) {
      if (!chain_verifier.Add(r)) break;
      anchors.Add(r);
    }
    return anchors.Finish(chain_verifier.result().records);
  }

  testing::TestKeyPair keys_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::optional<CheckpointVerifier> verifier_;
};

TEST_F(CheckpointTest, NoteIsATlogCheckpointInASignedNote) {
  const std::string hash(64, 'a');
  auto note = signer_->Sign({"riposte/contoso", 42, hash});
  ASSERT_TRUE(note.ok()) << note.status();
  std::vector<std::string> lines = absl::StrSplit(*note, '\n');
  ASSERT_EQ(lines.size(), 6u) << *note;
  EXPECT_EQ(lines[0], "riposte/contoso");
  EXPECT_EQ(lines[1], "42");
  EXPECT_EQ(lines[2], absl::Base64Escape(absl::HexStringToBytes(hash)));
  EXPECT_EQ(lines[3], "");
  EXPECT_EQ(lines[5], "");
  const std::string prefix = "\xE2\x80\x94 riposte/contoso ";
  ASSERT_EQ(lines[4].substr(0, prefix.size()), prefix);
  std::string blob;
  ASSERT_TRUE(absl::Base64Unescape(lines[4].substr(prefix.size()), &blob));
  ASSERT_EQ(blob.size(), 68u);
  // Key id: SHA-256(name || '\n' || 0x01 || public key), first 4 bytes.
  const std::string key_hash = Sha256Hex(
      absl::StrCat("riposte/contoso\n", std::string(1, '\x01'),
                   signer_->public_key()));
  EXPECT_EQ(absl::BytesToHexString(blob.substr(0, 4)), key_hash.substr(0, 8));
}

TEST_F(CheckpointTest, RoundTripsThroughAFileOfSeveralNotes) {
  auto chain = testing::MakeTestChain(3);
  const std::string file = FileOf(chain, {1, 3});
  auto notes = ReadVerifiedCheckpoints("cp", file, *verifier_);
  ASSERT_TRUE(notes.ok()) << notes.status();
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[0].checkpoint.count, 1);
  EXPECT_EQ((*notes)[0].line, 1);
  EXPECT_EQ((*notes)[1].checkpoint.count, 3);
  EXPECT_EQ((*notes)[1].checkpoint.head_hash, chain[2].hash);
  EXPECT_EQ((*notes)[1].ordinal, 2);
  EXPECT_EQ((*notes)[1].line, 7);
  auto empty = ParseCheckpointFile("cp", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(CheckpointTest, TamperedBodyIsRejectedNamingTheCheckpoint) {
  auto chain = testing::MakeTestChain(5);
  std::string file = FileOf(chain, {2, 5});
  // Lower the second checkpoint's count so that a shortened chain passes.
  file = absl::StrReplaceAll(file, {{"\n5\n", "\n4\n"}});
  auto notes = ReadVerifiedCheckpoints("cp", file, *verifier_);
  ASSERT_FALSE(notes.ok());
  EXPECT_EQ(notes.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(notes.status().message()),
              HasSubstr("checkpoint 2 (line 7"));
  EXPECT_THAT(std::string(notes.status().message()), HasSubstr("altered"));
}

TEST_F(CheckpointTest, NoteByAnotherKeyIsRejected) {
  auto other = testing::GenerateEd25519KeyPair();
  auto forger = CheckpointSigner::Create(other.private_pem, "riposte/contoso");
  ASSERT_TRUE(forger.ok());
  auto note = (*forger)->Sign({"riposte/contoso", 1, std::string(64, 'b')});
  ASSERT_TRUE(note.ok());
  auto notes = ReadVerifiedCheckpoints("cp", *note, *verifier_);
  ASSERT_FALSE(notes.ok());
  EXPECT_THAT(std::string(notes.status().message()),
              HasSubstr("not signed by the given key"));
}

TEST_F(CheckpointTest, MalformedFilesNameTheLine) {
  auto chain = testing::MakeTestChain(2);
  const std::string good = FileOf(chain, {2});
  struct Case {
    std::string text;
    std::string want;
  } cases[] = {
      {good.substr(0, good.size() - 3), "does not end in a newline"},
      {"riposte/contoso\n2\n", ":1: a checkpoint is three lines"},
      {absl::StrReplaceAll(good, {{"\n2\n", "\nx2\n"}}), ":2: the record count"},
      {absl::StrReplaceAll(good, {{"\n2\n", "\n02\n"}}), ":2: the record count"},
      {"o\n1\nAAAA\n\n", ":3: the head hash"},
      {absl::StrReplaceAll(good, {{"\xE2\x80\x94", "--"}}), ":5: a signature line"},
      {absl::StrCat(good, good.substr(0, good.find("\n\n") + 2)),
       ":10: a checkpoint without a signature"},
  };
  for (const Case& c : cases) {
    auto notes = ParseCheckpointFile("cp", c.text);
    ASSERT_FALSE(notes.ok()) << c.text;
    EXPECT_EQ(notes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(notes.status().message()), HasSubstr(c.want))
        << c.text;
  }
}

TEST_F(CheckpointTest, SignerRejectsWhatIsNotAnEd25519Key) {
  auto bad = CheckpointSigner::Create("not a key", "riposte/contoso");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto pub_as_private = CheckpointSigner::Create(keys_.public_pem, "x");
  EXPECT_FALSE(pub_as_private.ok());
  auto bad_name = CheckpointSigner::Create(keys_.private_pem, "a b");
  EXPECT_THAT(std::string(bad_name.status().message()), HasSubstr("key name"));
  EXPECT_FALSE(CheckpointVerifier::FromPublicKeyPem(keys_.private_pem).ok());
}

TEST_F(CheckpointTest, IntactChainPassesEveryCheckpoint) {
  auto chain = testing::MakeTestChain(6);
  chain.push_back(testing::MakeTestChain(7).back());  // grown since the last checkpoint
  AnchorResult r = Anchor(chain, FileOf(chain, {0, 2, 6}));
  EXPECT_TRUE(r.ok) << r.checkpoint << ": " << r.reason;
  EXPECT_EQ(r.checkpoints, 3);
}

TEST_F(CheckpointTest, RecordsCutFromTheEndFailNamingTheCheckpoint) {
  auto chain = testing::MakeTestChain(6);
  const std::string file = FileOf(chain, {2, 6});
  chain.resize(4);  // still a valid chain on its own
  AnchorResult r = Anchor(chain, file);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failing_ordinal, 2);
  EXPECT_THAT(r.checkpoint, HasSubstr("checkpoint 2 (line 7: count 6"));
  EXPECT_THAT(r.reason, HasSubstr("4 intact records"));
}

TEST_F(CheckpointTest, EveryRecordDeletedFails) {
  auto chain = testing::MakeTestChain(3);
  AnchorResult r = Anchor({}, FileOf(chain, {3}));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.reason, HasSubstr("0 intact records"));
}

TEST_F(CheckpointTest, ReChainedHashesAfterAnEditFail) {
  auto chain = testing::MakeTestChain(5);
  const std::string file = FileOf(chain, {5});
  // Edit record 2 and recompute every hash from there: the chain verifies.
  chain[1].event.actor = "operator:mallory";
  for (size_t i = 1; i < chain.size(); ++i) {
    Seal(chain[i - 1].seq, chain[i - 1].hash, chain[i]);
  }
  ChainVerifier alone;
  for (const auto& r : chain) alone.Add(r);
  ASSERT_TRUE(alone.result().ok);
  AnchorResult r = Anchor(chain, file);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.checkpoint, HasSubstr("checkpoint 1 (line 1: count 5"));
  EXPECT_THAT(r.reason, HasSubstr("rewritten"));
}

}  // namespace
}  // namespace riposte::audit
