#include "audit/audit_record.h"

#include <vector>

#include "audit/chain_verifier.h"
#include "audit/testing/test_chain.h"
#include "gtest/gtest.h"

namespace riposte::audit {
namespace {

TEST(AuditRecordTest, EncodingIsLengthPrefixedSoFieldsCannotBleed) {
  AuditRecord a;
  a.event.actor = "ab";
  a.event.event = "c";
  AuditRecord b;
  b.event.actor = "a";
  b.event.event = "bc";
  EXPECT_NE(CanonicalEncoding(a), CanonicalEncoding(b));
  EXPECT_NE(ComputeHash(a), ComputeHash(b));
}

TEST(AuditRecordTest, SealLinksToPredecessorAndTruncatesTime) {
  AuditRecord r;
  r.time = absl::FromUnixNanos(1'700'000'000'000'000'999);
  Seal(41, "abc", r);
  EXPECT_EQ(r.seq, 42);
  EXPECT_EQ(r.prev_hash, "abc");
  EXPECT_EQ(absl::ToUnixNanos(r.time) % 1000, 0);
  EXPECT_EQ(r.hash, ComputeHash(r));
  EXPECT_EQ(r.hash.size(), 64u);
}

TEST(AuditRecordTest, HashIsStableAcrossReleases) {
  // Changing the encoding breaks every stored chain; this pins it.
  AuditRecord r;
  r.time = absl::FromUnixMicros(1);
  r.event.actor = "system";
  r.event.event = "store.opened";
  Seal(0, kGenesisHash, r);
  EXPECT_EQ(CanonicalEncoding(r),
            "riposte-audit-v1\n1:1\n1:1\n6:system\n12:store.opened\n0:\n2:{}\n"
            "0:\n64:" +
                std::string(kGenesisHash) + "\n");
}

TEST(ChainVerifierTest, AcceptsIntactChain) {
  ChainVerifier v;
  for (const auto& r : testing::MakeTestChain(5)) EXPECT_TRUE(v.Add(r));
  EXPECT_TRUE(v.result().ok);
  EXPECT_EQ(v.result().records, 5);
  EXPECT_EQ(v.result().head_seq, 5);
}

TEST(ChainVerifierTest, NamesEditedRecord) {
  auto chain = testing::MakeTestChain(5);
  chain[2].event.details = "{\"n\":99}";
  ChainVerifier v;
  for (const auto& r : chain) v.Add(r);
  EXPECT_FALSE(v.result().ok);
  EXPECT_EQ(v.result().first_broken_seq, 3);
  EXPECT_NE(v.result().reason.find("does not match its hash"),
            std::string::npos);
}

TEST(ChainVerifierTest, NamesRecordAfterDeletedOne) {
  auto chain = testing::MakeTestChain(5);
  chain.erase(chain.begin() + 1);
  ChainVerifier v;
  for (const auto& r : chain) v.Add(r);
  EXPECT_FALSE(v.result().ok);
  EXPECT_EQ(v.result().first_broken_seq, 2);
}

TEST(ChainVerifierTest, RehashedRecordStillBreaksTheLink) {
  // An attacker who edits a record and recomputes its hash breaks the next
  // record's prev_hash.
  auto chain = testing::MakeTestChain(4);
  chain[1].event.actor = "operator:mallory";
  chain[1].hash = ComputeHash(chain[1]);
  ChainVerifier v;
  for (const auto& r : chain) v.Add(r);
  EXPECT_FALSE(v.result().ok);
  EXPECT_EQ(v.result().first_broken_seq, 3);
}

}  // namespace
}  // namespace riposte::audit
