#include "ocsf/sinks/file_sink.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::ocsf {
namespace {

using ::testing::ElementsAre;

const absl::Time kDay1 = absl::FromCivil(absl::CivilSecond(2026, 12, 3, 23, 59, 0),
                                         absl::UTCTimeZone());

// Delivers `rows`, checking the count of delivered rows says all or none.
absl::Status Deliver(FileSink& sink, const std::vector<store::OutboxRow>& rows) {
  size_t delivered = 99;
  absl::Status status = sink.Deliver(rows, &delivered);
  EXPECT_EQ(delivered, status.ok() ? rows.size() : 0);
  return status;
}

store::OutboxRow Row(int64_t seq, int64_t class_uid, absl::Time time) {
  store::OutboxRow r;
  r.seq = seq;
  r.uid = absl::StrCat("e", seq);
  r.class_uid = class_uid;
  r.time = time;
  r.event = absl::StrCat("{\"n\":", seq, "}");
  return r;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Files(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      out.push_back(e.path().string().substr(root.size() + 1));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class FileSinkTest : public ::testing::Test {
 protected:
  FileSinkOptions Options() {
    FileSinkOptions o;
    o.root = dir_.File("lake");
    o.source = "riposte";
    o.region = "eu-west-1";
    o.account_id = "123456789012";
    return o;
  }
  riposte::testing::TempDir dir_;
  FakeClock clock_{kDay1};
};

TEST_F(FileSinkTest, EventsLandInTheCustomSourceLayoutOneClassPerFile) {
  FileSink sink(Options(), &clock_);
  ASSERT_TRUE(Deliver(sink, {Row(1, 2004, kDay1), Row(2, 3001, kDay1),
                            Row(3, 2004, kDay1 + absl::Minutes(2))})
                  .ok());
  const std::string day1 =
      "ext/riposte/region=eu-west-1/accountId=123456789012/eventDay=20261203";
  const std::string day2 =
      "ext/riposte/region=eu-west-1/accountId=123456789012/eventDay=20261204";
  EXPECT_THAT(Files(dir_.File("lake")),
              ElementsAre(day1 + "/2004-1.jsonl", day1 + "/3001-2.jsonl",
                          day2 + "/2004-3.jsonl"));
  EXPECT_EQ(Read(dir_.File("lake/" + day1 + "/2004-1.jsonl")), "{\"n\":1}\n");
  struct stat st;
  ASSERT_EQ(stat(dir_.File("lake/" + day1 + "/2004-1.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_EQ(stat(dir_.File("lake/" + day1).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_F(FileSinkTest, FilesRotateBySizeAndAgeWithoutOverwriting) {
  FileSinkOptions o = Options();
  o.max_file_bytes = 20;  // two 9-byte lines, then a new file
  o.max_file_age = absl::Minutes(5);
  FileSink sink(o, &clock_);
  ASSERT_TRUE(Deliver(sink, {Row(1, 2004, kDay1), Row(2, 2004, kDay1),
                            Row(3, 2004, kDay1)})
                  .ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(Deliver(sink, {Row(4, 2004, kDay1)}).ok());
  const std::string day =
      "lake/ext/riposte/region=eu-west-1/accountId=123456789012/eventDay=20261203/";
  EXPECT_EQ(Read(dir_.File(day + "2004-1.jsonl")), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
  EXPECT_EQ(Read(dir_.File(day + "2004-4.jsonl")), "{\"n\":4}\n");
}

TEST_F(FileSinkTest, ARedeliveryAfterARestartAppendsAndKeepsWhatWasThere) {
  {
    FileSink sink(Options(), &clock_);
    ASSERT_TRUE(Deliver(sink, {Row(1, 2004, kDay1)}).ok());
  }
  FileSink again(Options(), &clock_);  // the cursor was not saved
  ASSERT_TRUE(Deliver(again, {Row(1, 2004, kDay1), Row(2, 2004, kDay1)}).ok());
  EXPECT_EQ(Read(dir_.File("lake/ext/riposte/region=eu-west-1/"
                           "accountId=123456789012/eventDay=20261203/2004-1.jsonl")),
            "{\"n\":1}\n{\"n\":1}\n{\"n\":2}\n");
}

TEST_F(FileSinkTest, AnUnwritableRootIsUnavailableNamingIt) {
  FileSinkOptions o = Options();
  o.root = "/proc/riposte-cannot-write-here";
  FileSink sink(o, &clock_);
  absl::Status s = Deliver(sink, {Row(1, 2004, kDay1)});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("/proc/riposte-cannot-write-here"));
}

}  // namespace
}  // namespace riposte::ocsf
