#include "actions/common/guid.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::common {
namespace {

TEST(GuidTest, FormatAndUniqueness) {
  GuidSource source = RandomGuidSource();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string g = source();
    ASSERT_THAT(g, ::testing::MatchesRegex(
                       "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                       "[0-9a-f]{12}"));
    seen.insert(g);
  }
  EXPECT_EQ(seen.size(), 1000);
}

}  // namespace
}  // namespace riposte::actions::common
