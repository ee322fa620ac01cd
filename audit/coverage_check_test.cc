#include "audit/coverage_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

AuditRecord Record(std::string event, std::string details) {
  AuditRecord r;
  r.event.event = std::move(event);
  r.event.details = std::move(details);
  return r;
}

class CoverageCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    check_.Add(Record("breach.received", R"({"stored_breach_id":1})"));
    check_.Add(Record("decision.made", R"({"decision_id":7,"stored_breach_id":1})"));
    check_.Add(Record("action.proposed", R"({"run_id":3,"decision_id":7})"));
    check_.Add(Record("action.running", R"({"run_id":3})"));
    check_.Add(Record("action.awaiting_approval", R"({"run_id":4})"));
    check_.Add(Record("server.started", "{}"));
  }
  CoverageCheck check_;
};

TEST_F(CoverageCheckTest, EveryRowWithItsRecordPasses) {
  AuditedRows rows;
  rows.breach_ids = {1};
  rows.decision_ids = {7};
  rows.runs = {{3, "active"}, {4, "awaiting_approval"}};
  CoverageResult r = check_.Check(rows);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.checked, 4);
  EXPECT_EQ(r.missing, 0);
}

TEST_F(CoverageCheckTest, NamesRowsWithoutTheirRecord) {
  AuditedRows rows;
  rows.breach_ids = {1, 2};
  rows.decision_ids = {7, 8};
  rows.runs = {{3, "done"}, {4, "approved"}, {5, "queued"}};
  CoverageResult r = check_.Check(rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.missing, 4);
  EXPECT_THAT(r.examples,
              ElementsAre(HasSubstr("breach 2: no breach.received record"),
                          HasSubstr("decision 8: no decision.made record"),
                          HasSubstr("action run 4: stored as approved"),
                          HasSubstr("action run 5 (queued): no action record")));
}

}  // namespace
}  // namespace riposte::audit
