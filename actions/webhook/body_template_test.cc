#include "actions/webhook/body_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::webhook {
namespace {

using ::testing::HasSubstr;

TEST(BodyTemplateTest, FillsAndEscapesWithoutQuotes) {
  absl::StatusOr<BodyTemplate> t =
      BodyTemplate::Parse(R"({"a":"{{action}}","n":"{{ narrative }}","x":"{{run}}-{{phase}}"})");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Fill({{"action", "disable_user"},
                     {"narrative", "said \"hi\"\n\\ \x01 caf\xC3\xA9"},
                     {"run", "42"},
                     {"phase", "apply"}}),
            R"({"a":"disable_user","n":"said \"hi\"\n\\ \u0001 café","x":"42-apply"})");
}

TEST(BodyTemplateTest, MissingValuesAreEmpty) {
  absl::StatusOr<BodyTemplate> t = BodyTemplate::Parse(R"({"e":"{{expires_at}}"})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Fill({}), R"({"e":""})");
}

TEST(BodyTemplateTest, Errors) {
  EXPECT_THAT(BodyTemplate::Parse(R"({"a":"{{actoin}}"})").status().message(),
              HasSubstr("unknown placeholder \"{{actoin}}\" at byte 6"));
  EXPECT_THAT(BodyTemplate::Parse(R"({"a":"{{action"})").status().message(),
              HasSubstr("unclosed \"{{\" at byte 6"));
  EXPECT_THAT(BodyTemplate::Parse(R"({"a":"{{}}"})").status().message(),
              HasSubstr("unknown placeholder"));
  EXPECT_TRUE(BodyTemplate::Parse("").ok());
  EXPECT_TRUE(BodyTemplate::Parse("{} } {").ok());
}

}  // namespace
}  // namespace riposte::actions::webhook
