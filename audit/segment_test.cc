#include "audit/segment.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "audit/anchor_check.h"
#include "audit/audit_record.h"
#include "audit/checkpoint_file.h"
#include "audit/testing/test_chain.h"
#include "audit/testing/test_keys.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::audit {
namespace {

using ::testing::HasSubstr;

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = testing::GenerateEd25519KeyPair();
    signer_ = *CheckpointSigner::Create(keys_.private_pem, "riposte/contoso");
    verifier_.emplace(*CheckpointVerifier::FromPublicKeyPem(keys_.public_pem));
    chain_ = testing::MakeTestChain(10);
  }

  // The segment text of records [from, to] (1-based) of chain_.
  std::string SegmentOf(int from, int to) {
    std::vector<AuditRecord> records(chain_.begin() + from - 1,
                                     chain_.begin() + to);
    auto note = signer_->Sign(
        Checkpoint{"riposte/contoso", to, chain_[to - 1].hash});
    EXPECT_TRUE(note.ok()) << note.status();
    return SegmentText(records, *note);
  }

  SegmentResult Verify(const std::string& text) {
    auto segment = ParseSegment("seg", text);
    EXPECT_TRUE(segment.ok()) << segment.status();
    if (!segment.ok()) return SegmentResult{};
    return VerifySegment(*segment, *verifier_);
  }

  testing::TestKeyPair keys_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::optional<CheckpointVerifier> verifier_;
  std::vector<AuditRecord> chain_;
};

TEST_F(SegmentTest, RecordsRoundTripThroughTheirJsonLines) {
  for (const AuditRecord& r : chain_) {
    auto back = AuditRecordFromJson(ToJson(r));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->seq, r.seq);
    EXPECT_EQ(back->time, r.time);
    EXPECT_EQ(back->event.details, r.event.details);
    EXPECT_EQ(ComputeHash(*back), r.hash);
  }
}

TEST_F(SegmentTest, ASegmentInTheMiddleVerifiesOnItsOwn) {
  SegmentResult r = Verify(SegmentOf(4, 7));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.first_seq, 4);
  EXPECT_EQ(r.last_seq, 7);
  EXPECT_EQ(r.prev_hash, chain_[2].hash);
  EXPECT_EQ(r.head_hash, chain_[6].hash);
}

TEST_F(SegmentTest, AnEditedRecordFails) {
  std::string text = SegmentOf(1, 5);
  const std::string actor = chain_[2].event.actor;
  const size_t at = text.find(absl::StrCat("\"seq\":3,"));
  ASSERT_NE(at, std::string::npos);
  const size_t actor_at = text.find(actor, at);
  text.replace(actor_at, actor.size(), "operator:mallory");
  SegmentResult r = Verify(text);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.problem, HasSubstr("record 3: content does not match"));
}

TEST_F(SegmentTest, ARemovedRecordFails) {
  std::string text = SegmentOf(1, 5);
  const size_t from = text.find("{\"seq\":2,");
  const size_t to = text.find('\n', from);
  text.erase(from, to - from + 1);
  SegmentResult r = Verify(text);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.problem, HasSubstr("expected record 2, found 3"));
}

TEST_F(SegmentTest, RecordsCutFromTheEndDoNotMatchTheCheckpoint) {
  std::string text = SegmentOf(1, 5);
  const size_t from = text.find("{\"seq\":5,");
  const size_t to = text.find('\n', from);
  text.erase(from, to - from + 1);
  SegmentResult r = Verify(text);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.problem, HasSubstr("does not name the segment's last record 4"));
}

TEST_F(SegmentTest, AnotherKeysCheckpointFails) {
  auto other = testing::GenerateEd25519KeyPair();
  auto verifier = *CheckpointVerifier::FromPublicKeyPem(other.public_pem);
  auto segment = ParseSegment("seg", SegmentOf(1, 3));
  ASSERT_TRUE(segment.ok()) << segment.status();
  SegmentResult r = VerifySegment(*segment, verifier);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.problem.empty());
}

TEST_F(SegmentTest, MalformedFilesNameTheLine) {
  auto no_records = ParseSegment("seg", "\nriposte/contoso\n");
  EXPECT_THAT(no_records.status().message(), HasSubstr("seg:1: a segment starts"));
  std::string text = SegmentOf(1, 3);
  text.insert(text.find("{\"seq\":2,") + 1, "x");
  auto bad = ParseSegment("seg", text);
  EXPECT_THAT(bad.status().message(), HasSubstr("seg:2: not an audit record"));
  auto no_checkpoint = ParseSegment("seg", text.substr(0, text.find("\n") + 1));
  EXPECT_THAT(no_checkpoint.status().message(),
              HasSubstr("seg:2: expected a blank line"));
}

TEST_F(SegmentTest, AnUnfinishedSegmentLeavesNoFile) {
  riposte::testing::TempDir dir;
  {
    auto writer = SegmentWriter::Create(dir.path(), SegmentFileName(1, 4));
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Add(chain_[0]).ok());
  }
  EXPECT_FALSE(ReadCheckpointFile(dir.File(SegmentFileName(1, 4))).ok());
  EXPECT_FALSE(
      ReadCheckpointFile(dir.File(SegmentFileName(1, 4) + ".tmp")).ok());
}

TEST_F(SegmentTest, WrittenFileIsWholeAndNamedInChainOrder) {
  riposte::testing::TempDir dir;
  EXPECT_EQ(SegmentFileName(1, 100000), "audit-000000000001-000000100000.jsonl");
  auto writer = SegmentWriter::Create(dir.path(), SegmentFileName(1, 4));
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((*writer)->Add(chain_[i]).ok());
  auto path = (*writer)->Finish(*signer_->Sign(
      Checkpoint{"riposte/contoso", 4, chain_[3].hash}));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(ReadCheckpointFile(*path).value(), SegmentOf(1, 4));
  auto text = ReadCheckpointFile(*path);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(Verify(*text).ok);
}

}  // namespace
}  // namespace riposte::audit
