#include "ocsf/testing/schema_validator.h"

#include <string>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::ocsf::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A minimal valid Detection Finding, written from the schema by hand.
constexpr char kFinding[] = R"json({
  "class_uid": 2004, "category_uid": 2, "activity_id": 1, "type_uid": 200401,
  "severity_id": 4, "time": 1790000000000,
  "metadata": {"version": "1.3.0", "uid": "riposte:finding:1",
               "product": {"name": "Riposte", "vendor_name": "Riposte"}},
  "finding_info": {"uid": "b1", "title": "SaaS / Compromise / Takeover"},
  "risk_score": 90,
  "resources": [{"uid": "alice@contoso.com", "type": "user"}],
  "unmapped": {"anything": {"goes": [1, 2]}}
})json";

class SchemaValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto v = SchemaValidator::Load(VendoredSchemaDir());
    ASSERT_TRUE(v.ok()) << v.status();
    validator_ = v->release();
  }
  static std::vector<std::string> Errors(const std::string& json) {
    return validator_->Validate(json).errors;
  }
  static std::string With(absl::string_view from, absl::string_view to) {
    std::string s = kFinding;
    EXPECT_THAT(s, HasSubstr(std::string(from)));
    return absl::StrReplaceAll(s, {{from, to}});
  }
  static SchemaValidator* validator_;
};
SchemaValidator* SchemaValidatorTest::validator_ = nullptr;

TEST_F(SchemaValidatorTest, EveryClassResolvesWithTheBaseEventsRequiredAttributes) {
  const std::vector<int64_t> uids = validator_->ClassUids();
  EXPECT_GT(uids.size(), 60u);
  EXPECT_THAT(uids, Contains(2004));
  EXPECT_THAT(uids, Contains(3001));
  for (int64_t uid : uids) {
    const auto* shape = validator_->Class(uid);
    for (const char* attr : {"class_uid", "category_uid", "type_uid",
                             "severity_id", "time", "metadata"}) {
      ASSERT_TRUE(shape->attributes.count(attr)) << uid << " " << attr;
      EXPECT_EQ(shape->attributes.at(attr).requirement, "required")
          << uid << " " << attr;
    }
  }
  EXPECT_EQ(validator_->version(), "1.3.0");
}

TEST_F(SchemaValidatorTest, AValidFindingPasses) {
  EXPECT_THAT(Errors(kFinding), IsEmpty());
}

TEST_F(SchemaValidatorTest, AValidAccountChangePasses) {
  EXPECT_THAT(Errors(R"json({
    "class_uid": 3001, "category_uid": 3, "activity_id": 5, "type_uid": 300105,
    "severity_id": 1, "time": 1790000000000,
    "metadata": {"version": "1.3.0",
                 "product": {"name": "Riposte", "vendor_name": "Riposte"}},
    "user": {"name": "alice@contoso.com", "email_addr": "alice@contoso.com"}
  })json"),
              IsEmpty());
}

TEST_F(SchemaValidatorTest, EachDefectIsNamedByItsPath) {
  EXPECT_THAT(Errors(With(R"("severity_id": 4, )", "")),
              Contains("severity_id: required attribute missing"));
  EXPECT_THAT(Errors(With(R"("uid": "b1", )", "")),
              Contains("finding_info.uid: required attribute missing"));
  EXPECT_THAT(Errors(With(R"(,
               "product": {"name": "Riposte", "vendor_name": "Riposte"}})",
                          "}")),
              Contains("metadata.product: required attribute missing"));
  EXPECT_THAT(Errors(With(R"(, "vendor_name": "Riposte")", "")),
              Contains("metadata.product.vendor_name: required attribute missing"));
  EXPECT_THAT(Errors(With(R"("risk_score": 90)", R"("risk_score": "high")")),
              Contains("risk_score: must be an integer (integer_t), got string"));
  EXPECT_THAT(Errors(With(R"("severity_id": 4)", R"("severity_id": 7)")),
              Contains(HasSubstr("severity_id: 7 is not in its enum")));
  EXPECT_THAT(Errors(With(R"("type_uid": 200401)", R"("type_uid": 200402)")),
              Contains(HasSubstr("type_uid: 200402 is not class_uid * 100")));
  EXPECT_THAT(Errors(With(R"("category_uid": 2)", R"("category_uid": 3)")),
              Contains(HasSubstr("category_uid: 3 but class 2004")));
  EXPECT_THAT(Errors(With(R"("risk_score": 90)", R"("risk_score": 90, "rung": 2)")),
              Contains("rung: not an attribute of detection_finding (put it in "
                       "unmapped)"));
  EXPECT_THAT(
      Errors(With(R"("type": "user"})", R"("type": "user", "run_id": 3})")),
      Contains("resources[0].run_id: not an attribute of resource_details (put "
               "it in unmapped)"));
  EXPECT_THAT(Errors(With(R"("class_uid": 2004)", R"("class_uid": 2999)")),
              Contains("class_uid: 2999 is not an OCSF 1.3.0 class"));
  EXPECT_THAT(Errors(With(R"("version": "1.3.0")", R"("version": "1.1.0")")),
              Contains(HasSubstr("metadata.version: \"1.1.0\"")));
  EXPECT_THAT(Errors(With(R"([{"uid": "alice@contoso.com", "type": "user"}])",
                          R"({"uid": "alice@contoso.com", "type": "user"})")),
              Contains("resources: must be an array"));
}

TEST_F(SchemaValidatorTest, ObjectConstraintsAndProfilesAreChecked) {
  // A user must have at least one of account, name, uid.
  const std::string change = R"json({
    "class_uid": 3001, "category_uid": 3, "activity_id": 5, "type_uid": 300105,
    "severity_id": 1, "time": 1790000000000,
    "metadata": {"version": "1.3.0",
                 "product": {"name": "Riposte", "vendor_name": "Riposte"}},
    "user": {"email_addr": "alice@contoso.com"}
  })json";
  EXPECT_THAT(Errors(change),
              Contains("user: needs at least one of account, name, uid"));
  // cloud comes with the cloud profile: only when metadata.profiles says so.
  const std::string cloudy =
      With(R"("risk_score": 90)",
           R"("risk_score": 90, "cloud": {"provider": "Microsoft"})");
  EXPECT_THAT(Errors(cloudy), Contains(HasSubstr("cloud: comes with the cloud "
                                                 "profile")));
  const std::string declared = absl::StrReplaceAll(
      cloudy, {{R"("uid": "riposte:finding:1",)",
                R"("uid": "riposte:finding:1", "profiles": ["cloud"],)"}});
  EXPECT_THAT(Errors(declared), IsEmpty());
  // Recommended attributes left out are only warnings.
  EXPECT_THAT(validator_->Validate(kFinding).warnings,
              Contains("finding_info.analytic: recommended attribute missing"));
}

}  // namespace
}  // namespace riposte::ocsf::testing
