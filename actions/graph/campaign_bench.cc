// Campaign scale: one phishing mail quarantined in many mailboxes, then
// released, through the real executor, Graph adapter (HTTP, cpprestsdk) and
// a SQLite store with fsync, against the Python Graph fake with Outlook's
// limits on (4 concurrent requests and 10,000 per 10 minutes per app and
// mailbox) and each mail request taking --latency_ms.
//
//   bazel run -c opt //actions/graph:campaign_bench --
//       --mailboxes=1000 --workers=100 --latency_ms=50
//
// The ceiling, computed in the same run: every mailbox needs R sequential
// Graph round trips (quarantine of a fresh mailbox: find the folder, create
// it, find the message, move it = 4; release: read the message, move it
// back = 2). Riposte works on `workers` mailboxes at once, one request in
// flight each; the per-mailbox limit (4) therefore never binds, and those
// requests travel in ceil(workers / 20) batches per round trip. Nothing in
// Graph's documented limits stops all of them being in flight at once, so
// the fastest possible wall time is
//     ceiling = ceil(mailboxes / workers) * R * latency.
// Reported: wall time (first lease to last effect), ratio ceiling / wall,
// batches and requests the fake served, throttled answers, the most
// requests ever in flight for one mailbox, and doubled moves (a message the
// fake moved more than once per phase). Exits non-zero when a run does not
// finish, a move is doubled, or (with --check) batching was never used: the
// test target runs a small campaign with --check.

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "actions/common/guid.h"
#include "actions/graph/graph_adapter.h"
#include "common/clock.h"
#include "http/cpprest_http_client.h"
#include "integration_tests/testing/fake_cloud.h"
#include "metrics/metrics.h"
#include "orchestrator/execute/executor.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::actions::graph {
namespace {

constexpr char kPhish[] = "<campaign.1@mail.evil.example>";

struct Flags {
  int mailboxes = 1000;
  int workers = 100;
  int latency_ms = 50;
  int window_ms = 5;
  bool check = false;
};

std::string Mailbox(int i) { return absl::StrCat("m", i, "@contoso.com"); }

class OneAdapter : public execute::AdapterRouter {
 public:
  explicit OneAdapter(ActionExecutor* a) : a_(a) {}
  absl::StatusOr<ActionExecutor*> Route(absl::string_view, absl::string_view,
                                        const v1::Entity&) override {
    return a_;
  }

 private:
  ActionExecutor* a_;
};

absl::Status AddRuns(store::Store& store, int count) {
  return store.ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
    store::IncidentRow inc;
    inc.tenant_id = "contoso";
    inc.subject_key = "campaign";
    inc.subject_kind = "email";
    inc.first_seen = inc.last_seen = absl::Now();
    auto inc_id = txn.InsertIncident(inc);
    if (!inc_id.ok()) return inc_id.status();
    store::DecisionRow d;
    d.incident_id = *inc_id;
    d.tenant_id = "contoso";
    d.decided_at = absl::Now();
    d.matched_rules = "[]";
    auto d_id = txn.InsertDecision(d);
    if (!d_id.ok()) return d_id.status();
    for (int i = 0; i < count; ++i) {
      store::ActionRunRow r;
      r.decision_id = *d_id;
      r.incident_id = *inc_id;
      r.tenant_id = "contoso";
      r.action = "quarantine_email";
      r.target_kind = "email";
      r.target_key = absl::StrCat("email:", Mailbox(i), ":", kPhish);
      v1::Entity e;
      e.mutable_email()->set_mailbox(Mailbox(i));
      e.mutable_email()->set_internet_message_id(kPhish);
      e.SerializeToString(&r.target);
      r.state = runs::RunState::kProposed;
      r.rule = "campaign";
      r.rule_mode = "autonomous";
      r.autonomous = true;
      r.reversible = true;
      r.duration = absl::Hours(24);
      r.on_approval_expiry = "reject";
      r.idempotency_key = absl::StrCat("campaign-", i);
      r.created_at = r.updated_at = absl::Now();
      auto id = txn.InsertActionRun(r);
      if (!id.ok()) return id.status();
    }
    return absl::OkStatus();
  });
}

// Runs the executor until every run is in `state`; returns the wall time
// from start to the last effect.
absl::StatusOr<absl::Duration> Drive(store::Store& store, ActionExecutor& graph,
                                     const Flags& flags, const std::string& state) {
  OneAdapter router(&graph);
  metrics::Registry registry;
  execute::ExecutorOptions eo;
  eo.workers = flags.workers;
  eo.holder = "campaign-bench";
  eo.idle_poll = absl::Milliseconds(100);
  execute::Executor exec(&store, &router, Clock::Real(), &registry, eo, [] {
    static thread_local absl::BitGen gen;
    return absl::Uniform(gen, 0.0, 1.0);
  });
  const absl::Time start = absl::Now();
  if (absl::Status s = exec.Start(); !s.ok()) return s;
  exec.Wake();
  std::vector<store::ActionRunRow> runs;
  for (;;) {
    auto listed = store.ListRuns(100000);
    if (!listed.ok()) return listed.status();
    runs = *std::move(listed);
    const size_t there = std::count_if(runs.begin(), runs.end(),
                                       [&](const auto& r) { return runs::RunStateName(r.state) == state; });
    const size_t failed = std::count_if(runs.begin(), runs.end(),
                                        [](const auto& r) { return r.state == runs::RunState::kFailed; });
    if (there + failed == runs.size()) {
      if (failed > 0) {
        exec.Stop();
        return absl::InternalError(absl::StrCat(failed, " runs failed"));
      }
      break;
    }
    if (absl::Now() - start > absl::Minutes(10)) {
      exec.Stop();
      return absl::DeadlineExceededError(absl::StrCat(there, " of ", runs.size(),
                                                      " runs ", state));
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling the benchmark's own progress
  }
  exec.Stop();
  // The last effect ends the measurement: the apply's effect time, or
  // for a release the revert's commit.
  absl::Time last = start;
  for (const auto& r : runs) {
    if (state == "reverted") {
      last = std::max(last, r.updated_at);
    } else if (r.effect_at.has_value()) {
      last = std::max(last, *r.effect_at);
    }
  }
  return last - start;
}

// How many messages the fake moved other than `expected` times.
int DoubledMoves(const integration::FakeCloud& cloud, int mailboxes, int expected) {
  int doubled = 0;
  for (int i = 0; i < mailboxes; ++i) {
    const std::string count =
        integration::JsonField(cloud.Mailbox(Mailbox(i)).body, "moveCount");
    int moves = 0;
    if (!absl::SimpleAtoi(count, &moves) || moves != expected) ++doubled;
  }
  return doubled;
}

struct Phase {
  const char* name;
  int round_trips;
  absl::Duration wall;
  std::string limits;  // the fake's counts after the phase
  int bad_moves;
};

int Main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](absl::string_view name, int* out) {
      const std::string prefix = absl::StrCat("--", name, "=");
      if (a.rfind(prefix, 0) == 0) absl::SimpleAtoi(a.substr(prefix.size()), out);
    };
    value("mailboxes", &flags.mailboxes);
    value("workers", &flags.workers);
    value("latency_ms", &flags.latency_ms);
    value("window_ms", &flags.window_ms);
    if (a == "--check") flags.check = true;
  }
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  integration::FakeCloud::Options fo;
  if (std::getenv("TEST_SRCDIR") == nullptr) {
    fo.script = std::string(argv[0]) +
                ".runfiles/riposte/integration_tests/fakes/fake_cloud.py";
  }
  auto cloud = integration::FakeCloud::Start(fo);
  if (!cloud.ok()) {
    std::fprintf(stderr, "fake: %s\n", std::string(cloud.status().message()).c_str());
    return 1;
  }
  for (int i = 0; i < flags.mailboxes; ++i) {
    integration::HttpReply r = (*cloud)->AddMessage(absl::StrCat(
        R"({"mailbox":")", Mailbox(i), R"(","internetMessageId":)",
        integration::JsonQuote(kPhish), R"(,"subject":"Credit Transfer"})"));
    if (r.status != 201) {
      std::fprintf(stderr, "add message: %d %s\n", r.status, r.body.c_str());
      return 1;
    }
  }
  (*cloud)->GraphLimits(absl::StrCat(R"({"enabled":true,"latency_ms":)",
                                     flags.latency_ms, "}"));

  std::string dir = "/tmp/riposte-campaign-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return 1;
  store::sqlite::SqliteStoreOptions so;
  so.path = dir + "/riposte.db";
  auto store = store::sqlite::SqliteStore::Open(so, Clock::Real());
  if (!store.ok()) return 1;
  if (absl::Status s = AddRuns(**store, flags.mailboxes); !s.ok()) {
    std::fprintf(stderr, "runs: %s\n", std::string(s.message()).c_str());
    return 1;
  }

  http::CpprestHttpClient http;
  GraphOptions go;
  go.directory_tenant = integration::kFakeTenant;
  go.client_id = integration::kFakeGraphClientId;
  go.client_secret = integration::kFakeGraphSecret;
  go.login_base_url = (*cloud)->login_base_url();
  go.graph_base_url = (*cloud)->graph_base_url();
  go.batch_window = absl::Milliseconds(flags.window_ms);
  GraphAdapter graph(go, &http, Clock::Real(), common::RandomGuidSource());

  std::vector<Phase> phases;
  // Quarantine.
  auto applied = Drive(**store, graph, flags, "active");
  if (!applied.ok()) {
    std::fprintf(stderr, "quarantine: %s\n", std::string(applied.status().message()).c_str());
    return 1;
  }
  phases.push_back({"quarantine", 4, *applied, (*cloud)->GraphLimits().body,
                    DoubledMoves(**cloud, flags.mailboxes, 1)});
  (*cloud)->GraphLimits(R"({"reset_counts":true})");

  // Release: every quarantine expires now.
  auto runs = (*store)->ListRuns(100000);
  if (!runs.ok()) return 1;
  absl::Status expired =
      (*store)->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
        for (const store::ActionRunRow& r : *runs) {
          store::OperatorRunUpdate up;
          up.id = r.id;
          up.expected_state = runs::RunState::kActive;
          up.state = runs::RunState::kActive;
          up.expires_at = absl::Now() - absl::Seconds(1);
          up.now = absl::Now();
          if (absl::Status s = txn.UpdateRunForOperator(up); !s.ok()) return s;
        }
        return absl::OkStatus();
      });
  if (!expired.ok()) {
    std::fprintf(stderr, "expire: %s\n", std::string(expired.message()).c_str());
    return 1;
  }
  auto released = Drive(**store, graph, flags, "reverted");
  if (!released.ok()) {
    std::fprintf(stderr, "release: %s\n", std::string(released.status().message()).c_str());
    return 1;
  }
  phases.push_back({"release", 2, *released, (*cloud)->GraphLimits().body,
                    DoubledMoves(**cloud, flags.mailboxes, 2)});

  std::printf("campaign_bench: %d mailboxes, %d workers, %d ms per mail request, "
              "%d ms batch window\n",
              flags.mailboxes, flags.workers, flags.latency_ms, flags.window_ms);
  std::printf("%-11s %9s %10s %7s %8s %9s %10s %8s %8s\n", "phase", "wall s",
              "ceiling s", "ratio", "batches", "batched", "throttled", "peak/mbx",
              "doubled");
  int status = 0;
  for (const Phase& p : phases) {
    const int waves = (flags.mailboxes + flags.workers - 1) / flags.workers;
    const absl::Duration ceiling =
        waves * p.round_trips * absl::Milliseconds(flags.latency_ms);
    const std::string batches = integration::JsonField(p.limits, "batches");
    int throttled = 0, a = 0, b = 0;
    absl::SimpleAtoi(integration::JsonField(p.limits, "throttled_concurrency"), &a);
    absl::SimpleAtoi(integration::JsonField(p.limits, "throttled_rate"), &b);
    throttled = a + b;
    std::printf("%-11s %9.2f %10.2f %7.2f %8s %9s %10d %8s %8d\n", p.name,
                absl::ToDoubleSeconds(p.wall), absl::ToDoubleSeconds(ceiling),
                absl::ToDoubleSeconds(ceiling) / absl::ToDoubleSeconds(p.wall),
                batches.c_str(),
                integration::JsonField(p.limits, "batched_requests").c_str(),
                throttled,
                integration::JsonField(p.limits, "peak_mailbox_concurrency").c_str(),
                p.bad_moves);
    if (p.bad_moves != 0) status = 1;
    if (flags.check && (batches.empty() || batches == "0")) {
      std::fprintf(stderr, "%s: no $batch calls\n", p.name);
      status = 1;
    }
  }
  (*store)->Close();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}

}  // namespace
}  // namespace riposte::actions::graph

int main(int argc, char** argv) { return riposte::actions::graph::Main(argc, argv); }
