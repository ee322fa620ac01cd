#include "common/sha256.h"

#include "gtest/gtest.h"

namespace riposte {
namespace {

TEST(Sha256HexTest, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256StreamTest, PiecesHashLikeTheWhole) {
  const std::string data(200000, 'x');
  Sha256Stream stream;
  for (size_t at = 0; at < data.size(); at += 65536) {
    stream.Update(absl::string_view(data).substr(at, 65536));
  }
  EXPECT_EQ(stream.HexDigest(), Sha256Hex(data));
  Sha256Stream empty;
  EXPECT_EQ(empty.HexDigest(), Sha256Hex(""));
}

}  // namespace
}  // namespace riposte
