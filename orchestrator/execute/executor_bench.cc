// Executor throughput and latency against a Graph fake that answers every
// call after a fixed delay (50 ms by default), for 1, 8 and 32 workers,
// compared with the ceiling workers / delay that the delay allows.
//
//   bazel build -c opt //orchestrator/execute:executor_bench
//   bazel-bin/orchestrator/execute/executor_bench --delay_ms=50
//
// Each run is a real force_logout through the Graph adapter over HTTP
// (token, then POST /users/{id}/revokeSignInSessions), leased, recorded and
// audited in a SQLite store with fsync, exactly as riposted does.
//   throughput: 20 runs per worker queued at once; actions/s until all done.
//   latency:    runs arriving one by one at half the ceiling rate;
//               decision-to-effect time, p50 and p99.

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "actions/common/guid.h"
#include "actions/graph/graph_adapter.h"
#include "common/clock.h"
#include "http/cpprest_http_client.h"
#include "integration_tests/testing/fake_cloud.h"
#include "metrics/metrics.h"
#include "orchestrator/execute/executor.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::execute {
namespace {

class GraphRouter : public AdapterRouter {
 public:
  explicit GraphRouter(actions::ActionExecutor* a) : a_(a) {}
  absl::StatusOr<actions::ActionExecutor*> Route(absl::string_view,
                                                 absl::string_view,
                                                 const v1::Entity&) override {
    return a_;
  }

 private:
  actions::ActionExecutor* a_;
};

absl::StatusOr<std::vector<int64_t>> AddRuns(store::Store& store, int first,
                                             int count) {
  std::vector<int64_t> ids;
  absl::Status s = store.ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
    store::IncidentRow inc;
    inc.tenant_id = "contoso";
    inc.subject_key = "bench";
    inc.subject_kind = "user";
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
    for (int i = first; i < first + count; ++i) {
      store::ActionRunRow r;
      r.decision_id = *d_id;
      r.incident_id = *inc_id;
      r.tenant_id = "contoso";
      r.action = "force_logout";
      r.target_kind = "user";
      r.target_key = absl::StrCat("user:u", i, "@contoso.com");
      v1::Entity e;
      e.mutable_user()->set_user_principal_name(absl::StrCat("u", i, "@contoso.com"));
      e.SerializeToString(&r.target);
      r.state = runs::RunState::kProposed;
      r.rule = "bench";
      r.rule_mode = "autonomous";
      r.autonomous = true;
      r.on_approval_expiry = "reject";
      r.idempotency_key = absl::StrCat("bench-", i);
      r.created_at = r.updated_at = absl::Now();
      auto id = txn.InsertActionRun(r);
      if (!id.ok()) return id.status();
      ids.push_back(*id);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return ids;
}

struct Row {
  int workers;
  double per_second;
  double ceiling;
  double p50_ms;
  double p99_ms;
};

absl::StatusOr<Row> RunOne(int workers, int delay_ms, const std::string& script) {
  integration::FakeCloud::Options fo;
  fo.delay_ms = delay_ms;
  fo.script = script;
  auto cloud = integration::FakeCloud::Start(fo);
  if (!cloud.ok()) return cloud.status();
  const int throughput_runs = 20 * workers;
  const double ceiling = workers * 1000.0 / delay_ms;
  const int latency_runs = std::max(20, static_cast<int>(ceiling * 2));
  for (int i = 0; i < throughput_runs + latency_runs; ++i) {
    (*cloud)->Post("/_fake/users",
                   absl::StrCat(R"({"userPrincipalName":"u)", i, R"(@contoso.com"})"));
  }

  std::string tmpl = "/tmp/riposte-exec-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp");
  store::sqlite::SqliteStoreOptions so;
  so.path = tmpl + "/riposte.db";
  auto store = store::sqlite::SqliteStore::Open(so, Clock::Real());
  if (!store.ok()) return store.status();

  http::CpprestHttpClient http;
  actions::graph::GraphOptions go;
  go.directory_tenant = integration::kFakeTenant;
  go.client_id = integration::kFakeGraphClientId;
  go.client_secret = integration::kFakeGraphSecret;
  go.login_base_url = (*cloud)->login_base_url();
  go.graph_base_url = (*cloud)->graph_base_url();
  actions::graph::GraphAdapter graph(go, &http, Clock::Real(),
                                     actions::common::RandomGuidSource());
  GraphRouter router(&graph);
  metrics::Registry registry;
  ExecutorOptions eo;
  eo.workers = workers;
  eo.holder = "bench";
  eo.idle_poll = absl::Milliseconds(200);
  Executor exec(store->get(), &router, Clock::Real(), &registry, eo, [] {
    static thread_local absl::BitGen gen;
    return absl::Uniform(gen, 0.0, 1.0);
  });
  if (auto s = exec.Start(); !s.ok()) return s;

  auto all_done = [&](const std::vector<int64_t>& ids) {
    auto runs = (*store)->ListRuns(100000);
    if (!runs.ok()) return false;
    size_t done = 0;
    for (const auto& r : *runs) {
      if (std::find(ids.begin(), ids.end(), r.id) != ids.end() &&
          runs::RunStateName(r.state) == "done") {
        ++done;
      }
    }
    return done == ids.size();
  };

  // Throughput: a backlog drained by all workers.
  auto ids = AddRuns(**store, 0, throughput_runs);
  if (!ids.ok()) return ids.status();
  const absl::Time start = absl::Now();
  exec.Wake();
  while (!all_done(*ids)) {
    absl::SleepFor(absl::Milliseconds(20));  // polling the benchmark's own progress
    if (absl::Now() - start > absl::Minutes(5)) return absl::DeadlineExceededError("stuck");
  }
  // The last effect, not the poll, ends the measurement.
  absl::Time last = start;
  const std::vector<store::ActionRunRow> drained =
      (*store)->ListRuns(100000).value();
  for (const auto& r : drained) {
    if (r.effect_at.has_value()) last = std::max(last, *r.effect_at);
  }
  const size_t graph_calls =
      integration::JsonFields((*cloud)->Requests("graph").body, "seq").size();
  const size_t login_calls =
      integration::JsonFields((*cloud)->Requests("login").body, "seq").size();
  std::fprintf(stderr, "%d workers: %zu graph calls, %zu token calls for %d runs\n",
               workers, graph_calls, login_calls, throughput_runs);
  Row row;
  row.workers = workers;
  row.ceiling = ceiling;
  row.per_second = throughput_runs / absl::ToDoubleSeconds(last - start);

  // Latency: arrivals at half the ceiling rate.
  const absl::Duration gap = absl::Seconds(2.0 / ceiling);
  std::vector<int64_t> lat_ids;
  for (int i = 0; i < latency_runs; ++i) {
    auto one = AddRuns(**store, throughput_runs + i, 1);
    if (!one.ok()) return one.status();
    lat_ids.push_back((*one)[0]);
    exec.Wake();
    absl::SleepFor(gap);  // the arrival process being simulated
  }
  while (!all_done(lat_ids)) absl::SleepFor(absl::Milliseconds(20));
  std::vector<double> ms;
  const std::vector<store::ActionRunRow> measured =
      (*store)->ListRuns(100000).value();
  for (const auto& r : measured) {
    if (std::find(lat_ids.begin(), lat_ids.end(), r.id) != lat_ids.end() &&
        r.effect_at.has_value()) {
      ms.push_back(absl::ToDoubleMilliseconds(*r.effect_at - r.created_at));
    }
  }
  std::sort(ms.begin(), ms.end());
  row.p50_ms = ms[ms.size() / 2];
  row.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  exec.Stop();
  (*store)->Close();
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  return row;
}

int Main(int argc, char** argv) {
  int delay_ms = 50;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--delay_ms=", 0) == 0) absl::SimpleAtoi(a.substr(11), &delay_ms);
  }
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string script =
      std::string(argv[0]) + ".runfiles/riposte/integration_tests/fakes/fake_cloud.py";
  std::printf("executor_bench: Graph fake answering after %d ms\n", delay_ms);
  std::printf("%8s %12s %12s %8s %10s %10s\n", "workers", "actions/s",
              "ceiling/s", "ratio", "p50 ms", "p99 ms");
  for (int workers : {1, 8, 32}) {
    auto row = RunOne(workers, delay_ms, script);
    if (!row.ok()) {
      std::fprintf(stderr, "%d workers: %s\n", workers,
                   std::string(row.status().message()).c_str());
      return 1;
    }
    std::printf("%8d %12.1f %12.1f %8.2f %10.1f %10.1f\n", row->workers,
                row->per_second, row->ceiling, row->per_second / row->ceiling,
                row->p50_ms, row->p99_ms);
  }
  return 0;
}

}  // namespace
}  // namespace riposte::execute

int main(int argc, char** argv) { return riposte::execute::Main(argc, argv); }
