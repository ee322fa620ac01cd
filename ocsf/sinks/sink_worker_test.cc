#include "ocsf/sinks/sink_worker.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "actions/action_executor.h"
#include "common/clock.h"
#include "common/testing/wait_for.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"

namespace riposte::ocsf {
namespace {

using ::testing::HasSubstr;

// The outbox and cursors in memory.
class MemorySource : public OutboxSource {
 public:
  void Add(int n) {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < n; ++i) {
      store::OutboxRow r;
      r.seq = static_cast<int64_t>(rows_.size()) * 2 + 1;  // with gaps
      r.uid = absl::StrCat("e", r.seq);
      r.event = "{}";
      rows_.push_back(r);
    }
  }
  absl::StatusOr<std::vector<store::OutboxRow>> Read(int64_t after,
                                                     int limit) override {
    absl::MutexLock lock(&mu_);
    std::vector<store::OutboxRow> out;
    for (const auto& r : rows_) {
      if (r.seq > after && static_cast<int>(out.size()) < limit) out.push_back(r);
    }
    return out;
  }
  absl::StatusOr<int64_t> LoadCursor(absl::string_view sink) override {
    absl::MutexLock lock(&mu_);
    return cursors_[std::string(sink)];
  }
  absl::Status SaveCursor(absl::string_view sink, int64_t seq) override {
    absl::MutexLock lock(&mu_);
    if (fail_saves_ > 0) {
      --fail_saves_;
      return absl::UnavailableError("store: crashed before the cursor moved");
    }
    cursors_[std::string(sink)] = seq;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> LastSeq() override {
    absl::MutexLock lock(&mu_);
    return rows_.empty() ? 0 : rows_.back().seq;
  }
  void FailSaves(int n) {
    absl::MutexLock lock(&mu_);
    fail_saves_ = n;
  }

 private:
  absl::Mutex mu_;
  std::vector<store::OutboxRow> rows_;
  std::map<std::string, int64_t> cursors_;
  int fail_saves_ = 0;
};

// Counts deliveries by uid; fails the next `failures` calls.
class CountingSink : public Sink {
 public:
  absl::Status Deliver(const std::vector<store::OutboxRow>& rows,
                       size_t* delivered) override {
    absl::MutexLock lock(&mu_);
    *delivered = 0;
    if (failures_ > 0) {
      --failures_;
      // Takes the first `accept_before_failing_` rows, then fails.
      for (size_t i = 0; i < rows.size() && i < accept_before_failing_; ++i) {
        ++by_uid_[rows[i].uid];
        ++*delivered;
      }
      return failure_;
    }
    for (const auto& r : rows) ++by_uid_[r.uid];
    *delivered = rows.size();
    return absl::OkStatus();
  }
  std::map<std::string, int> by_uid() {
    absl::MutexLock lock(&mu_);
    return by_uid_;
  }
  void Fail(int n, absl::Status failure = absl::UnavailableError("collector down"),
            size_t accept_before_failing = 0) {
    absl::MutexLock lock(&mu_);
    failures_ = n;
    failure_ = std::move(failure);
    accept_before_failing_ = accept_before_failing;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, int> by_uid_;
  int failures_ = 0;
  absl::Status failure_;
  size_t accept_before_failing_ = 0;
};

class SinkWorkerTest : public ::testing::Test {
 protected:
  std::unique_ptr<SinkWorker> Worker(int batch = 2) {
    auto families = SinkMetricFamilies::Register(registry_);
    EXPECT_TRUE(families.ok());
    SinkWorkerOptions o;
    o.name = "lake";
    o.batch = batch;
    o.poll = absl::Hours(1);  // only Notify wakes it in these tests
    o.initial_backoff = absl::Milliseconds(1);
    o.max_backoff = absl::Milliseconds(4);
    auto sink = std::make_unique<CountingSink>();
    sink_ = sink.get();
    return *SinkWorker::Create(o, &source_, std::move(sink), &clock_, *families);
  }
  MemorySource source_;
  CountingSink* sink_ = nullptr;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  metrics::Registry registry_;
};

TEST_F(SinkWorkerTest, DeliversInBatchesAndMovesTheCursorPastThem) {
  auto w = Worker();
  source_.Add(5);
  EXPECT_EQ(*w->DeliverOnce(), 2);
  EXPECT_EQ(*source_.LoadCursor("lake"), 3);
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_lag_events{sink=\"lake\"} 2"));
  EXPECT_EQ(*w->DeliverOnce(), 2);
  EXPECT_EQ(*w->DeliverOnce(), 1);
  EXPECT_EQ(*w->DeliverOnce(), 0);
  EXPECT_EQ(*source_.LoadCursor("lake"), 9);
  EXPECT_EQ(sink_->by_uid().size(), 5u);
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_delivered_total{sink=\"lake\"} 5"));
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_lag_events{sink=\"lake\"} 0"));
}

TEST_F(SinkWorkerTest, ACrashBeforeTheCursorMovesRepeatsTheSameUids) {
  auto w = Worker();
  source_.Add(2);
  source_.FailSaves(1);
  EXPECT_FALSE(w->DeliverOnce().ok());
  EXPECT_EQ(*w->DeliverOnce(), 2);  // the same two rows again
  std::map<std::string, int> got = sink_->by_uid();
  EXPECT_EQ(got["e1"], 2);
  EXPECT_EQ(got["e3"], 2);
  EXPECT_EQ(*source_.LoadCursor("lake"), 3);
}

TEST_F(SinkWorkerTest, ARunningWorkerRetriesFailuresAndWakesOnNotify) {
  auto w = Worker(/*batch=*/100);
  sink_->Fail(3);
  source_.Add(3);
  w->Start();
  w->Notify();
  EXPECT_TRUE(riposte::testing::WaitFor([&] { return sink_->by_uid().size() == 3; }));
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_failures_total{sink=\"lake\"} 3"));
  source_.Add(1);
  w->Notify();
  EXPECT_TRUE(riposte::testing::WaitFor([&] { return sink_->by_uid().size() == 4; }));
  w->Stop();
  for (const auto& [uid, n] : sink_->by_uid()) EXPECT_EQ(n, 1) << uid;
}

TEST_F(SinkWorkerTest, WhatReachedTheDestinationBeforeAFailureIsNotSentAgain) {
  auto w = Worker(/*batch=*/5);
  source_.Add(5);
  sink_->Fail(1, absl::UnavailableError("collector went away"),
              /*accept_before_failing=*/2);
  EXPECT_FALSE(w->DeliverOnce().ok());
  EXPECT_EQ(*source_.LoadCursor("lake"), 3);  // past the second row (seq 3)
  EXPECT_EQ(*w->DeliverOnce(), 3);
  EXPECT_EQ(sink_->by_uid().size(), 5u);
  for (const auto& [uid, n] : sink_->by_uid()) EXPECT_EQ(n, 1) << uid;
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_delivered_total{sink=\"lake\"} 5"));
}

TEST_F(SinkWorkerTest, WaitsWhatTheDestinationAsksThenBacksOffWithJitter) {
  auto w = Worker();
  EXPECT_EQ(w->RetryWait(actions::WithRetryAfter(
                             absl::ResourceExhaustedError("429"),
                             absl::Seconds(7)),
                         absl::Milliseconds(1)),
            absl::Seconds(7));
  // A day-long Retry-After does not silence the sink for a day.
  EXPECT_EQ(w->RetryWait(actions::WithRetryAfter(
                             absl::UnavailableError("503"), absl::Hours(24)),
                         absl::Milliseconds(1)),
            absl::Minutes(15));
  // Refused outright: the slowest retry, however young the backoff.
  EXPECT_EQ(w->RetryWait(absl::PermissionDeniedError("403"),
                         absl::Milliseconds(1)),
            absl::Milliseconds(4));
  bool varied = false;
  absl::Duration first = w->RetryWait(absl::UnavailableError("500"),
                                      absl::Seconds(1));
  for (int i = 0; i < 50; ++i) {
    absl::Duration d = w->RetryWait(absl::UnavailableError("500"),
                                    absl::Seconds(1));
    EXPECT_GE(d, absl::Milliseconds(750));
    EXPECT_LE(d, absl::Milliseconds(1250));
    if (d != first) varied = true;
  }
  EXPECT_TRUE(varied);
}

TEST_F(SinkWorkerTest, NewEventsDoNotCutAWaitAfterAFailureShort) {
  auto families = SinkMetricFamilies::Register(registry_);
  ASSERT_TRUE(families.ok());
  SinkWorkerOptions o;
  o.name = "lake";
  o.poll = absl::Hours(1);
  o.initial_backoff = absl::Hours(1);
  o.max_backoff = absl::Hours(1);
  auto sink = std::make_unique<CountingSink>();
  CountingSink* counting = sink.get();
  auto w = *SinkWorker::Create(o, &source_, std::move(sink), &clock_, *families);
  counting->Fail(1);
  source_.Add(1);
  w->Start();
  w->Notify();
  EXPECT_TRUE(riposte::testing::WaitFor([&] {
    return absl::StrContains(registry_.RenderText(),
                             "riposte_ocsf_sink_failures_total{sink=\"lake\"} 1");
  }));
  for (int i = 0; i < 20; ++i) {
    source_.Add(1);
    w->Notify();
  }
  w->Stop();  // stopping still wakes it
  EXPECT_TRUE(counting->by_uid().empty());
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_failures_total{sink=\"lake\"} 1"));
}

TEST_F(SinkWorkerTest, ARefusingDestinationShowsInItsGaugeUntilItAccepts) {
  auto w = Worker(/*batch=*/100);
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_refused{sink=\"lake\"} 0"));
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_ocsf_sink_circuit_open{sink=\"lake\"} 0"));
  sink_->Fail(1'000'000, absl::PermissionDeniedError("token refused"));
  source_.Add(2);
  w->Start();
  w->Notify();
  EXPECT_TRUE(riposte::testing::WaitFor([&] {
    return absl::StrContains(registry_.RenderText(),
                             "riposte_ocsf_sink_refused{sink=\"lake\"} 1");
  }));
  sink_->Fail(0);
  EXPECT_TRUE(riposte::testing::WaitFor([&] {
    return sink_->by_uid().size() == 2 &&
           absl::StrContains(registry_.RenderText(),
                             "riposte_ocsf_sink_refused{sink=\"lake\"} 0");
  }));
  w->Stop();
}

}  // namespace
}  // namespace riposte::ocsf
