// Does a breach cost the same however big its incident is? Drives the
// intake's real pipeline (BreachRecorder: idempotency, correlation,
// repeated reports, decide, gates, SQLite group commit with fsync, audit
// chain) with outbound-spam breaches about one subject, each naming a new
// phishing copy, so every decision also proposes a quarantine and the
// incident grows in breaches and runs alike.
//
//   bazel run -c opt //orchestrator/intake:incident_growth_bench
//   bazel run -c opt //orchestrator/intake:incident_growth_bench -- --soak=150000
//
// Sizes (default): for incidents already holding 10, 1,000 and 10,000
// breaches, the time of --measure (2,000) further breaches, and the ratio
// of each size's time to the 10-breach incident's, measured in the same
// process. Soak (--soak=N): N breaches over --users (2,000) subjects from
// --streams (2) concurrent streams, time per 10,000, and the ratio of the
// last 10,000 to the first.
//
// Flags: --in_flight=N breaches in flight at once (32).

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "orchestrator/decide/policy_holder.h"
#include "orchestrator/intake/breach_recorder.h"
#include "policies/policy_loader.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::intake {
namespace {

constexpr char kPolicy[] = R"(
rules:
  - name: spam-account
    match: {models: ["SaaS / Compromise / Unusual Login and Outbound Email Spam"], subject: user}
    ladder: [force_logout, disable_user]
    bands:
      - {min_score: 85, start: disable_user}
    mode: autonomous
    duration: 4h
  - name: spam-copies
    match: {models: ["SaaS / Compromise / Unusual Login and Outbound Email Spam"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
    duration: 72h
)";

struct Flags {
  int measure = 2000;
  int in_flight = 32;
  int soak = 0;
  int users = 2000;
  int streams = 2;
};

// Submits through the recorder with at most `limit` breaches in flight.
class Driver {
 public:
  Driver(BreachRecorder* recorder, int limit) : recorder_(recorder), limit_(limit) {}

  void Submit(v1::Breach b) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Driver* d) { return d->in_flight_ < d->limit_; }, this));
      ++in_flight_;
    }
    recorder_->Record(std::move(b), [this](absl::StatusOr<v1::SubmitResponse> r) {
      if (!r.ok()) failures_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      --in_flight_;
    });
  }

  void Drain() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](Driver* d) { return d->in_flight_ == 0; }, this));
  }

  int failures() const { return failures_.load(); }

 private:
  BreachRecorder* const recorder_;
  const int limit_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int> failures_{0};
};

v1::Breach Spam(const std::string& upn, int64_t n, absl::Time observed) {
  v1::Breach b;
  b.set_detector_id("bench");
  b.set_breach_id(absl::StrCat(upn, "/", n));
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Compromise / Unusual Login and Outbound Email Spam");
  b.set_score(91);
  b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
  ToProtoTime(observed, b.mutable_observed_time());
  auto* e = b.add_related_entities()->mutable_email();
  e->set_mailbox(absl::StrCat("r", n % 50, "@contoso.com"));
  e->set_internet_message_id(absl::StrCat("<spam-", n, "@evil.example>"));
  auto* ev = b.add_evidence();
  ev->set_key("email.subject");
  ev->set_value("Credit Transfer Copy");
  return b;
}

struct Bench {
  std::string dir;
  std::unique_ptr<store::sqlite::SqliteStore> store;
  decide::PolicyHolder policies;
  std::unique_ptr<BreachRecorder> recorder;

  explicit Bench(const std::string& name) {
    dir = absl::StrCat(std::filesystem::temp_directory_path().string(),
                       "/riposte-growth-", getpid(), "-", name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store::sqlite::SqliteStoreOptions options;
    options.path = dir + "/riposte.db";
    store = std::move(store::sqlite::SqliteStore::Open(options, Clock::Real()).value());
    policies.Set(policies::ParsePolicy({{"bench.yaml", kPolicy}}).value());
    recorder = std::make_unique<BreachRecorder>(store.get(), Clock::Real(),
                                                absl::Hours(72), &policies);
  }
  ~Bench() {
    recorder.reset();
    store->Close();
    std::filesystem::remove_all(dir);
  }
};

double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

int RunSizes(const Flags& flags) {
  std::printf("incident_growth_bench: %d breaches measured per size, %d in flight\n",
              flags.measure, flags.in_flight);
  std::printf("%-16s %10s %12s %10s\n", "incident holds", "seconds", "breaches/s",
              "ratio");
  double base = 0;
  for (int size : {10, 1000, 10000}) {
    Bench bench(absl::StrCat(size));
    Driver driver(bench.recorder.get(), flags.in_flight);
    const absl::Time t0 = absl::Now() - absl::Seconds(size + flags.measure + 60);
    for (int i = 0; i < size; ++i) {
      driver.Submit(Spam("alice@contoso.com", i, t0 + absl::Seconds(i)));
    }
    driver.Drain();
    const absl::Time start = absl::Now();
    for (int i = size; i < size + flags.measure; ++i) {
      driver.Submit(Spam("alice@contoso.com", i, t0 + absl::Seconds(i)));
    }
    driver.Drain();
    const double s = Seconds(start);
    if (size == 10) base = s;
    std::printf("%-16d %10.2f %12.0f %10.2f\n", size, s, flags.measure / s, s / base);
    if (driver.failures() > 0) {
      std::fprintf(stderr, "%d submissions failed\n", driver.failures());
      return 1;
    }
  }
  return 0;
}

int RunSoak(const Flags& flags) {
  std::printf("incident_growth_bench: soak of %d breaches, %d streams over %d users, "
              "%d in flight\n",
              flags.soak, flags.streams, flags.users, flags.in_flight);
  Bench bench("soak");
  Driver driver(bench.recorder.get(), flags.in_flight);
  std::atomic<int64_t> next{0};
  absl::Mutex mu;
  std::vector<double> chunks;
  absl::Time chunk_start = absl::Now();
  const absl::Time t0 = absl::Now() - absl::Seconds(flags.soak);
  std::vector<std::thread> streams;
  for (int s = 0; s < flags.streams; ++s) {
    streams.emplace_back([&] {
      while (true) {
        const int64_t n = next.fetch_add(1);
        if (n >= flags.soak) return;
        driver.Submit(Spam(absl::StrCat("u", n % flags.users, "@contoso.com"), n,
                           t0 + absl::Seconds(n)));
        if ((n + 1) % 10000 == 0) {
          absl::MutexLock lock(&mu);
          const absl::Time now = absl::Now();
          chunks.push_back(absl::ToDoubleSeconds(now - chunk_start));
          chunk_start = now;
        }
      }
    });
  }
  for (auto& t : streams) t.join();
  driver.Drain();
  std::printf("%-12s %10s\n", "breaches", "s per 10k");
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::printf("%-12zu %10.2f\n", (i + 1) * 10000, chunks[i]);
  }
  if (chunks.size() >= 2) {
    std::printf("last / first: %.2f\n", chunks.back() / chunks.front());
  }
  return driver.failures() > 0 ? 1 : 0;
}

}  // namespace
}  // namespace riposte::intake

int main(int argc, char** argv) {
  riposte::intake::Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name, int* out) {
      const std::string prefix = absl::StrCat("--", name, "=");
      if (a.rfind(prefix, 0) == 0 && !absl::SimpleAtoi(a.substr(prefix.size()), out)) {
        std::fprintf(stderr, "bad value for --%s\n", name);
        std::exit(2);
      }
    };
    value("measure", &flags.measure);
    value("in_flight", &flags.in_flight);
    value("soak", &flags.soak);
    value("users", &flags.users);
    value("streams", &flags.streams);
  }
  return flags.soak > 0 ? riposte::intake::RunSoak(flags)
                        : riposte::intake::RunSizes(flags);
}
