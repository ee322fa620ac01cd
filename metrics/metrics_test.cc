#include "metrics/metrics.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs `fn(thread_index)` on `threads` threads at once and waits for them.
template <typename Fn>
void RunOnThreads(int threads, Fn fn) {
  std::vector<std::thread> running;
  running.reserve(threads);
  for (int t = 0; t < threads; ++t) running.emplace_back(fn, t);
  for (std::thread& thread : running) thread.join();
}

TEST(RegistryTest, EmptyRegistryRendersNothing) {
  Registry registry;
  EXPECT_EQ(registry.RenderText(), "");
}

TEST(RegistryTest, GoldenRendering) {
  Registry registry;
  // Added out of name order on purpose.
  CounterFamily* breaches =
      registry
          .AddCounter("riposte_breaches_received_total",
                      "Breaches received, by outcome.", {"outcome"})
          .value();
  breaches->WithLabels({"rejected"}).value()->Increment(2);
  breaches->WithLabels({"accepted"}).value()->Increment();

  GaugeFamily* active =
      registry
          .AddGauge("riposte_actions_active",
                    "Actions in effect now.\nBy \\ type.", {})
          .value();
  active->WithLabels({}).value()->Set(3.5);

  ASSERT_TRUE(registry
                  .AddCallbackGauge("riposte_queue_depth", "Runs waiting.",
                                    [] { return 7.0; })
                  .ok());

  HistogramFamily* latency =
      registry
          .AddHistogram("riposte_decide_seconds", "Decision latency.",
                        {"rule"}, {0.25, 0.5, 1})
          .value();
  Histogram* histogram = latency->WithLabels({"say \"hi\"\n\\"}).value();
  histogram->Observe(0.25);  // On a bound: counted in that bucket.
  histogram->Observe(0.375);
  histogram->Observe(2);

  // No series yet: not rendered.
  ASSERT_TRUE(registry.AddGauge("riposte_unused", "Nothing yet.", {"x"}).ok());

  EXPECT_EQ(registry.RenderText(),
            R"(# HELP riposte_actions_active Actions in effect now.\nBy \\ type.
# TYPE riposte_actions_active gauge
riposte_actions_active 3.5
# HELP riposte_breaches_received_total Breaches received, by outcome.
# TYPE riposte_breaches_received_total counter
riposte_breaches_received_total{outcome="accepted"} 1
riposte_breaches_received_total{outcome="rejected"} 2
# HELP riposte_decide_seconds Decision latency.
# TYPE riposte_decide_seconds histogram
riposte_decide_seconds_bucket{rule="say \"hi\"\n\\",le="0.25"} 1
riposte_decide_seconds_bucket{rule="say \"hi\"\n\\",le="0.5"} 2
riposte_decide_seconds_bucket{rule="say \"hi\"\n\\",le="1"} 2
riposte_decide_seconds_bucket{rule="say \"hi\"\n\\",le="+Inf"} 3
riposte_decide_seconds_sum{rule="say \"hi\"\n\\"} 2.625
riposte_decide_seconds_count{rule="say \"hi\"\n\\"} 3
# HELP riposte_queue_depth Runs waiting.
# TYPE riposte_queue_depth gauge
riposte_queue_depth 7
)");
}

TEST(RegistryTest, SeriesSortedByLabelValuesInDeclaredOrder) {
  Registry registry;
  CounterFamily* runs =
      registry
          .AddCounter("riposte_action_runs_total", "Runs.", {"action", "mode"})
          .value();
  runs->WithLabels({"force_logout", "observe"}).value()->Increment();
  runs->WithLabels({"disable_user", "confirm"}).value()->Increment(4);
  runs->WithLabels({"force_logout", "autonomous"}).value()->Increment(2);
  runs->WithLabels({"disable_user", "autonomous"}).value()->Increment(3);
  EXPECT_EQ(registry.RenderText(),
            "# HELP riposte_action_runs_total Runs.\n"
            "# TYPE riposte_action_runs_total counter\n"
            "riposte_action_runs_total{action=\"disable_user\","
            "mode=\"autonomous\"} 3\n"
            "riposte_action_runs_total{action=\"disable_user\","
            "mode=\"confirm\"} 4\n"
            "riposte_action_runs_total{action=\"force_logout\","
            "mode=\"autonomous\"} 2\n"
            "riposte_action_runs_total{action=\"force_logout\","
            "mode=\"observe\"} 1\n");
}

TEST(RegistryTest, SpecialGaugeValues) {
  Registry registry;
  GaugeFamily* family =
      registry.AddGauge("g", "Special values.", {"v"}).value();
  family->WithLabels({"inf"}).value()->Set(kInf);
  family->WithLabels({"minf"}).value()->Set(-kInf);
  family->WithLabels({"nan"}).value()->Set(kNaN);
  family->WithLabels({"big"}).value()->Set(1e6);
  family->WithLabels({"small"}).value()->Set(1e-7);
  EXPECT_EQ(registry.RenderText(),
            "# HELP g Special values.\n"
            "# TYPE g gauge\n"
            "g{v=\"big\"} 1000000\n"
            "g{v=\"inf\"} +Inf\n"
            "g{v=\"minf\"} -Inf\n"
            "g{v=\"nan\"} NaN\n"
            "g{v=\"small\"} 1e-07\n");
}

TEST(CounterTest, IncrementKinds) {
  Registry registry;
  Counter* counter =
      registry.AddCounter("c_total", "Counter.", {}).value()->WithLabels({})
          .value();
  EXPECT_EQ(counter->Value(), 0);
  counter->Increment();
  counter->Increment(4);
  counter->Increment(uint64_t{5});
  counter->Increment(2.0);
  EXPECT_EQ(counter->Value(), 12);
  EXPECT_EQ(counter->FormattedValue(), "12");
  counter->Increment(0.5);
  EXPECT_EQ(counter->Value(), 12.5);
  EXPECT_EQ(counter->FormattedValue(), "12.5");
}

TEST(CounterTest, NeverGoesDown) {
  Registry registry;
  Counter* counter =
      registry.AddCounter("c_total", "Counter.", {}).value()->WithLabels({})
          .value();
  counter->Increment(3);
  counter->Increment(-1);
  counter->Increment(-0.5);
  counter->Increment(int64_t{-7});
  counter->Increment(kNaN);
  EXPECT_EQ(counter->Value(), 3);
}

TEST(CounterTest, WholeNumbersStayExactPast2To53) {
  Registry registry;
  Counter* counter =
      registry.AddCounter("c_total", "Counter.", {}).value()->WithLabels({})
          .value();
  counter->Increment(uint64_t{1} << 60);
  counter->Increment();
  EXPECT_EQ(counter->FormattedValue(), "1152921504606846977");
}

TEST(FamilyTest, WithLabelsReturnsStablePointers) {
  Registry registry;
  CounterFamily* family =
      registry.AddCounter("c_total", "Counter.", {"outcome"}).value();
  Counter* accepted = family->WithLabels({"accepted"}).value();
  Counter* rejected = family->WithLabels({"rejected"}).value();
  EXPECT_NE(accepted, rejected);
  // Many more series must not move the first ones.
  for (int i = 0; i < 1000; ++i) {
    const std::string value = "v" + std::to_string(i);
    ASSERT_TRUE(family->WithLabels({value}).ok());
  }
  EXPECT_EQ(family->WithLabels({"accepted"}).value(), accepted);
  const std::string owned = "rejected";
  std::vector<absl::string_view> dynamic = {owned};
  EXPECT_EQ(family->WithLabels(dynamic).value(), rejected);
}

TEST(FamilyTest, WrongLabelCountIsInvalidArgument) {
  Registry registry;
  CounterFamily* counters =
      registry.AddCounter("c_total", "Counter.", {"a", "b"}).value();
  absl::StatusOr<Counter*> too_few = counters->WithLabels({"x"});
  EXPECT_EQ(too_few.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_few.status().message(), HasSubstr("c_total"));
  EXPECT_EQ(counters->WithLabels({"x", "y", "z"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(counters->WithLabels({}).status().code(),
            absl::StatusCode::kInvalidArgument);

  GaugeFamily* gauges = registry.AddGauge("g", "Gauge.", {}).value();
  EXPECT_EQ(gauges->WithLabels({"x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  HistogramFamily* histograms =
      registry.AddHistogram("h", "Histogram.", {"a"}, {1}).value();
  EXPECT_EQ(histograms->WithLabels({}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Failed lookups create nothing.
  EXPECT_EQ(registry.RenderText(), "");
}

TEST(FamilyTest, InvalidUtf8LabelValueIsRejected) {
  Registry registry;
  CounterFamily* family =
      registry.AddCounter("c_total", "Counter.", {"tenant"}).value();
  EXPECT_EQ(family->WithLabels({"bad\xff"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(family->WithLabels({"caf\xc3\xa9"}).ok());
}

TEST(ValidationTest, BadNames) {
  Registry registry;
  EXPECT_EQ(registry.AddCounter("bad-name_total", "h", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("", "h", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("0g", "h", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("g", "h", {"bad-label"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("g", "h", {"__reserved"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("g", "h", {"a", "a"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // None of the failures claimed the name.
  EXPECT_TRUE(registry.AddGauge("g", "h", {}).ok());
}

TEST(ValidationTest, CounterNeedsTotalSuffix) {
  Registry registry;
  absl::Status status =
      registry.AddCounter("riposte_breaches_received", "h", {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("_total"));
}

TEST(ValidationTest, HelpMustBePresentAndUtf8) {
  Registry registry;
  EXPECT_EQ(registry.AddGauge("g", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddGauge("g", "bad\xc3", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidationTest, DuplicateNamesAreAlreadyExists) {
  Registry registry;
  ASSERT_TRUE(registry.AddCounter("x_total", "h", {}).ok());
  EXPECT_EQ(registry.AddCounter("x_total", "h", {"other"}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddGauge("x_total", "h", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddCallbackGauge("x_total", "h", [] { return 1.0; })
                .code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(ValidationTest, HistogramSampleNamesCollide) {
  Registry registry;
  ASSERT_TRUE(registry.AddHistogram("h", "h", {}, {1}).ok());
  EXPECT_EQ(registry.AddGauge("h_count", "h", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddGauge("h_sum", "h", {}).status().code(),
            absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(registry.AddGauge("y_bucket_x", "h", {}).ok());
  ASSERT_TRUE(registry.AddGauge("z_sum_total", "h", {}).ok());
  ASSERT_TRUE(registry.AddGauge("w_count2", "h", {}).ok());
  ASSERT_TRUE(registry.AddGauge("v_bucket_", "h", {}).ok());
}

TEST(ValidationTest, HistogramRules) {
  Registry registry;
  EXPECT_EQ(registry.AddHistogram("h_count", "h", {}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h_bucket", "h", {}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {"le"}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {}, {1, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {}, {2, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {}, {1, kNaN}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "h", {}, {-kInf, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry
                .AddHistogram("h", "h", {}, ExponentialBuckets(0, 2, 5))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // A trailing +Inf is accepted and not doubled.
  HistogramFamily* family =
      registry.AddHistogram("h", "h", {}, {1, kInf}).value();
  EXPECT_THAT(family->bounds(), ElementsAre(1));
  family->WithLabels({}).value()->Observe(5);
  EXPECT_EQ(registry.RenderText(),
            "# HELP h h\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_sum 5\n"
            "h_count 1\n");
}

TEST(GaugeTest, SetAddSub) {
  Registry registry;
  Gauge* gauge =
      registry.AddGauge("g", "Gauge.", {}).value()->WithLabels({}).value();
  gauge->Set(10);
  gauge->Add(2.5);
  gauge->Sub(0.5);
  gauge->Increment();
  gauge->Decrement();
  gauge->Decrement();
  EXPECT_EQ(gauge->Value(), 11);
  gauge->Set(-3);
  EXPECT_EQ(gauge->Value(), -3);
}

TEST(GaugeTest, CallbackIsEvaluatedAtScrapeTime) {
  Registry registry;
  std::atomic<int> depth{1};
  GaugeFamily* family =
      registry.AddGauge("queue_depth", "Depth.", {"queue"}).value();
  ASSERT_TRUE(
      family->AddCallback({"actions"}, [&depth] { return depth.load(); })
          .ok());
  ASSERT_TRUE(family->WithLabels({"audit"}).ok());
  EXPECT_THAT(registry.RenderText(),
              HasSubstr("queue_depth{queue=\"actions\"} 1\n"));
  depth = 42;
  EXPECT_THAT(registry.RenderText(),
              HasSubstr("queue_depth{queue=\"actions\"} 42\n"));
  EXPECT_THAT(registry.RenderText(),
              HasSubstr("queue_depth{queue=\"audit\"} 0\n"));

  EXPECT_EQ(family->WithLabels({"actions"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(family->AddCallback({"actions"}, [] { return 0.0; }).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(family->AddCallback({"audit"}, [] { return 0.0; }).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(family->AddCallback({"other"}, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(family->AddCallback({}, [] { return 0.0; }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCallbackGauge("g2", "h", nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GaugeTest, CallbackMayUseTheRegistry) {
  Registry registry;
  GaugeFamily* family = registry.AddGauge("g", "Gauge.", {"k"}).value();
  // Runs with no metrics lock held, so touching the family cannot deadlock.
  ASSERT_TRUE(family
                  ->AddCallback({"self"},
                                [family] {
                                  return family->WithLabels({"other"}).ok()
                                             ? 1.0
                                             : 0.0;
                                })
                  .ok());
  EXPECT_THAT(registry.RenderText(), HasSubstr("g{k=\"self\"} 1\n"));
}

TEST(HistogramTest, BucketsAreCumulative) {
  Registry registry;
  Histogram* histogram = registry
                             .AddHistogram("h", "h", {}, {1, 2, 4})
                             .value()
                             ->WithLabels({})
                             .value();
  EXPECT_THAT(histogram->CumulativeCounts(), ElementsAre(0, 0, 0, 0));
  for (double v : {-kInf, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 100.0, kInf}) {
    histogram->Observe(v);
  }
  histogram->Observe(kNaN);  // Ignored.
  EXPECT_THAT(histogram->CumulativeCounts(), ElementsAre(3, 5, 7, 9));
  EXPECT_EQ(histogram->Count(), 9);
  // -Inf and +Inf observations add up to NaN, as in other clients.
  EXPECT_TRUE(std::isnan(histogram->Sum()));
}

TEST(HistogramTest, SumOfFiniteObservations) {
  Registry registry;
  Histogram* histogram = registry
                             .AddHistogram("h", "h", {}, DefaultLatencyBuckets())
                             .value()
                             ->WithLabels({})
                             .value();
  histogram->Observe(0.25);
  histogram->Observe(0.5);
  histogram->Observe(70);
  EXPECT_EQ(histogram->Sum(), 70.75);
  EXPECT_EQ(histogram->Count(), 3);
  EXPECT_EQ(histogram->CumulativeCounts().size(),
            DefaultLatencyBuckets().size() + 1);
}

TEST(BucketsTest, Helpers) {
  EXPECT_THAT(ExponentialBuckets(1, 2, 4), ElementsAre(1, 2, 4, 8));
  EXPECT_THAT(ExponentialBuckets(0.001, 10, 3).size(), 3);
  EXPECT_THAT(ExponentialBuckets(1, 1, 3), IsEmpty());
  EXPECT_THAT(ExponentialBuckets(-1, 2, 3), IsEmpty());
  EXPECT_THAT(ExponentialBuckets(1, 2, 0), IsEmpty());
  EXPECT_THAT(LinearBuckets(0, 0.5, 3), ElementsAre(0, 0.5, 1));
  EXPECT_THAT(LinearBuckets(0, 0, 3), IsEmpty());
  EXPECT_THAT(LinearBuckets(0, 1, -1), IsEmpty());
  const std::vector<double> latency = DefaultLatencyBuckets();
  ASSERT_FALSE(latency.empty());
  for (size_t i = 1; i < latency.size(); ++i) {
    EXPECT_LT(latency[i - 1], latency[i]);
  }
  EXPECT_EQ(latency.front(), 0.001);
  EXPECT_EQ(latency.back(), 60);
}

TEST(ConcurrencyTest, CachedCounterReachesExactTotal) {
  Registry registry;
  Counter* counter = registry.AddCounter("c_total", "Counter.", {"k"})
                         .value()
                         ->WithLabels({"v"})
                         .value();
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100000;
  RunOnThreads(kThreads, [counter](int) {
    for (int i = 0; i < kIncrements; ++i) {
      counter->Increment();
      counter->Increment(0.5);  // The compare-and-swap path.
    }
  });
  EXPECT_EQ(counter->Value(), kThreads * kIncrements * 1.5);
  EXPECT_THAT(registry.RenderText(), HasSubstr("c_total{k=\"v\"} 1200000\n"));
}

TEST(ConcurrencyTest, GaugeAddsCancelOut) {
  Registry registry;
  Gauge* gauge =
      registry.AddGauge("g", "Gauge.", {}).value()->WithLabels({}).value();
  RunOnThreads(8, [gauge](int t) {
    for (int i = 0; i < 50000; ++i) {
      if (t % 2 == 0) {
        gauge->Add(0.25);
      } else {
        gauge->Sub(0.25);
      }
    }
  });
  EXPECT_EQ(gauge->Value(), 0);
}

TEST(ConcurrencyTest, HistogramCountsEveryObservation) {
  Registry registry;
  Histogram* histogram = registry
                             .AddHistogram("h", "h", {}, {1, 2})
                             .value()
                             ->WithLabels({})
                             .value();
  constexpr int kThreads = 8;
  constexpr int kObservations = 50000;
  RunOnThreads(kThreads, [histogram](int t) {
    for (int i = 0; i < kObservations; ++i) histogram->Observe(t % 3);
  });
  // Threads 0,3,6 observe 0; 1,4,7 observe 1; 2,5 observe 2.
  EXPECT_THAT(histogram->CumulativeCounts(),
              ElementsAre(6 * kObservations, 8 * kObservations,
                          8 * kObservations));
  EXPECT_EQ(histogram->Sum(), (3 * 1 + 2 * 2) * kObservations);
}

TEST(ConcurrencyTest, WithLabelsFromManyThreadsAgrees) {
  Registry registry;
  CounterFamily* family =
      registry.AddCounter("c_total", "Counter.", {"k"}).value();
  constexpr int kThreads = 8;
  std::vector<Counter*> seen(kThreads);
  RunOnThreads(kThreads, [&](int t) {
    for (int i = 0; i < 1000; ++i) {
      Counter* counter = family->WithLabels({"same"}).value();
      counter->Increment();
      seen[t] = counter;
      ASSERT_TRUE(
          family->WithLabels({std::to_string(t * 1000 + i)}).ok());
    }
  });
  for (Counter* counter : seen) EXPECT_EQ(counter, seen[0]);
  EXPECT_EQ(seen[0]->Value(), kThreads * 1000);
}

TEST(ConcurrencyTest, RenderWhileUpdating) {
  Registry registry;
  CounterFamily* counters =
      registry.AddCounter("c_total", "Counter.", {"k"}).value();
  HistogramFamily* histograms =
      registry.AddHistogram("h", "h", {"k"}, {1}).value();
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) {
      const std::string text = registry.RenderText();
      ASSERT_TRUE(text.empty() || text.back() == '\n');
    }
  });
  RunOnThreads(4, [&](int t) {
    for (int i = 0; i < 2000; ++i) {
      const std::string key = std::to_string(i % 50);
      counters->WithLabels({key}).value()->Increment();
      histograms->WithLabels({key}).value()->Observe(t);
    }
  });
  done = true;
  scraper.join();
  const std::string text = registry.RenderText();
  EXPECT_THAT(text, HasSubstr("c_total{k=\"0\"} 160\n"));
  EXPECT_THAT(text, HasSubstr("h_count{k=\"49\"} 160\n"));
}

}  // namespace
}  // namespace metrics
}  // namespace riposte
