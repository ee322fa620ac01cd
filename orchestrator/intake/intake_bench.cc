// Intake load generator: drives Submit and SubmitStream with N concurrent
// clients for a bounded count against (a) the real, durable intake pipeline
// (validation, correlation, group commit with fsync, audit chain) on SQLite
// or PostgreSQL, with one or more intake servers, and (b) a no-op server on
// the same proto, all in this process on loopback, and prints throughput,
// latency and the ratios durable/no-op and engine/first engine.
//
//   bazel run -c opt //orchestrator/intake:intake_bench -- --clients=16
//       --requests=20000 --engine=sqlite,postgres --replicas=1,3
//
// Flags: --clients=N (16), --requests=N per scenario (20000),
//        --data_dir=DIR (a fresh directory under /tmp),
//        --engine=LIST of sqlite | postgres | postgres-unix (sqlite): each
//          a durable target; postgres connects over TCP, postgres-unix over
//          the server's Unix socket. The PostgreSQL server is started by the
//          benchmark (store/postgres/testing, fsync on), one database per
//          target;
//        --replicas=LIST (1): intake servers per PostgreSQL target, each with
//          its own PostgresStore on the one database; clients take them in
//          turn (client c uses replica c mod N). SQLite is one writer: its
//          target runs with 1 whatever the list says;
//        --open_loop_rate=R (0: off): also send R Submits per second on a
//          fixed schedule for --open_loop_seconds=S (10), each at its
//          scheduled time whatever the replies, and report the latency from
//          the scheduled time to the reply (so queueing counts);
//        --only=noop-unary|durable-unary|noop-stream|durable-stream|open-loop;
//        --pg_statements: load pg_stat_statements in the PostgreSQL server
//          and print, per PostgreSQL target, what the server spent on each
//          statement over the run.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "metrics/metrics.h"
#include "orchestrator/intake/breach_recorder.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/intake/intake_metrics.h"
#include "orchestrator/intake/intake_service.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/testing/pg_server.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::intake {
namespace {

// Answers at once, storing nothing: the ceiling gRPC itself allows.
class NoopIntake final : public v1::Intake::CallbackService {
 public:
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* ctx,
                                   const v1::SubmitRequest* req,
                                   v1::SubmitResponse* resp) override {
    resp->set_detector_id(req->breach().detector_id());
    resp->set_breach_id(req->breach().breach_id());
    resp->set_stored_breach_id(1);
    resp->set_incident_id(1);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<v1::SubmitRequest, v1::StreamSubmitResponse>*
  SubmitStream(grpc::CallbackServerContext*) override {
    return new Echo();
  }

 private:
  // Pipelined like the real stream: reads continue while replies go out.
  class Echo : public grpc::ServerBidiReactor<v1::SubmitRequest,
                                              v1::StreamSubmitResponse> {
   public:
    Echo() { StartRead(&req_); }
    void OnReadDone(bool ok) override {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        reads_done_ = true;
        MaybeFinish();
        return;
      }
      v1::StreamSubmitResponse r;
      r.mutable_accepted()->set_detector_id(req_.breach().detector_id());
      r.mutable_accepted()->set_breach_id(req_.breach().breach_id());
      queue_.push_back(std::move(r));
      MaybeWrite();
      StartRead(&req_);
    }
    void OnWriteDone(bool ok) override {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) MaybeWrite();
      MaybeFinish();
    }
    void OnDone() override { delete this; }

   private:
    void MaybeWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (writing_ || queue_.empty()) return;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      StartWrite(&current_);
    }
    void MaybeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (reads_done_ && !writing_ && queue_.empty() && !finished_) {
        finished_ = true;
        Finish(grpc::Status::OK);
      }
    }
    absl::Mutex mu_;
    v1::SubmitRequest req_;
    std::deque<v1::StreamSubmitResponse> queue_ ABSL_GUARDED_BY(mu_);
    v1::StreamSubmitResponse current_;
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
    bool finished_ ABSL_GUARDED_BY(mu_) = false;
  };
};

v1::Breach MakeBreach(const std::string& run, int client, int i) {
  v1::Breach b;
  b.set_detector_id(absl::StrCat("bench-", run, "-", client));
  b.set_breach_id(absl::StrCat(i));
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Compromise / Unusual Login and Outbound Email Spam");
  b.add_model_tags("AP: Exfiltration");
  b.set_score(87);
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      absl::StrCat("user", (client * 31 + i) % 500, "@contoso.com"));
  auto* ev = b.add_evidence();
  ev->set_key("recipients");
  ev->set_value("4212");
  return b;
}

struct Result {
  int64_t replies = 0;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  int64_t errors = 0;
};

double Percentile(const std::vector<double>& sorted, int per_mille) {
  return sorted[std::min(sorted.size() - 1, sorted.size() * per_mille / 1000)];
}

Result Summarize(std::vector<double>& latencies_ms, absl::Duration elapsed,
                 int64_t errors) {
  Result r;
  r.errors = errors;
  if (latencies_ms.empty()) return r;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  r.replies = static_cast<int64_t>(latencies_ms.size());
  r.per_second = latencies_ms.size() / absl::ToDoubleSeconds(elapsed);
  r.p50_ms = Percentile(latencies_ms, 500);
  r.p99_ms = Percentile(latencies_ms, 990);
  r.p999_ms = Percentile(latencies_ms, 999);
  return r;
}

using ClientBody = std::function<void(v1::Intake::Stub& stub, int client,
                                       std::vector<double>& latencies_ms,
                                       std::atomic<int64_t>& errors)>;

// Runs `body` on `clients` threads, each with its own channel (as separate
// detectors would have) to one of `addresses` in turn, and summarises all
// their latencies over the wall time from the first start to the last end.
Result RunClients(const std::vector<std::string>& addresses, int clients,
                  const ClientBody& body) {
  std::vector<std::vector<double>> lat(clients);
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", c);  // no channel sharing
      auto stub = v1::Intake::NewStub(grpc::CreateCustomChannel(
          addresses[c % addresses.size()], grpc::InsecureChannelCredentials(),
          args));
      body(*stub, c, lat[c], errors);
    });
  }
  for (auto& t : threads) t.join();
  const absl::Duration elapsed = absl::Now() - start;
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return Summarize(all, elapsed, errors.load());
}

Result RunUnary(const std::vector<std::string>& addresses,
                const std::string& run, int clients, int requests) {
  return RunClients(addresses, clients, [&](v1::Intake::Stub& stub, int c,
                                            std::vector<double>& lat,
                                            std::atomic<int64_t>& errors) {
    for (int i = c; i < requests; i += clients) {
      v1::SubmitRequest req;
      *req.mutable_breach() = MakeBreach(run, c, i);
      v1::SubmitResponse resp;
      grpc::ClientContext ctx;
      const absl::Time t0 = absl::Now();
      if (!stub.Submit(&ctx, req, &resp).ok()) {
        ++errors;
        continue;
      }
      lat.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
  });
}

Result RunStream(const std::vector<std::string>& addresses,
                 const std::string& run, int clients, int requests) {
  return RunClients(addresses, clients, [&](v1::Intake::Stub& stub, int c,
                                            std::vector<double>& lat,
                                            std::atomic<int64_t>& errors) {
    grpc::ClientContext ctx;
    auto stream = stub.SubmitStream(&ctx);
    absl::Mutex mu;
    std::deque<absl::Time> sent;  // replies come back in request order
    std::thread writer([&] {
      for (int i = c; i < requests; i += clients) {
        v1::SubmitRequest req;
        *req.mutable_breach() = MakeBreach(run, c, i);
        {
          absl::MutexLock lock(&mu);
          sent.push_back(absl::Now());
        }
        if (!stream->Write(req)) break;
      }
      stream->WritesDone();
    });
    v1::StreamSubmitResponse resp;
    while (stream->Read(&resp)) {
      absl::Time t0;
      {
        absl::MutexLock lock(&mu);
        t0 = sent.front();
        sent.pop_front();
      }
      if (resp.has_error()) {
        ++errors;
        continue;
      }
      lat.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    writer.join();
    if (!stream->Finish().ok()) ++errors;
  });
}

// Open loop: request k of the run is due at start + k / rate, and client
// k mod clients sends it then, asynchronously, whether or not earlier
// replies have come. Latency runs from the due time, not the send, so a
// server that falls behind is charged for the queue it causes (no
// coordinated omission). The achieved rate is replies over the time from
// the first due time to the last reply.
Result RunOpenLoop(const std::vector<std::string>& addresses,
                   const std::string& run, int clients, int rate,
                   absl::Duration length) {
  const int64_t total =
      static_cast<int64_t>(rate * absl::ToDoubleSeconds(length));
  const absl::Duration interval = absl::Seconds(1) / rate;
  // Time for every client to connect before the first request is due.
  const absl::Time start = absl::Now() + absl::Milliseconds(500);
  absl::Mutex last_mu;
  absl::Time last_reply = start;
  Result result = RunClients(addresses, clients, [&](v1::Intake::Stub& stub,
                                                     int c,
                                                     std::vector<double>& lat,
                                                     std::atomic<int64_t>&
                                                         errors) {
    struct Call {
      grpc::ClientContext ctx;
      v1::SubmitRequest req;
      v1::SubmitResponse resp;
      absl::Time due;
    };
    absl::Mutex mu;
    int64_t outstanding = 0;
    for (int64_t k = c; k < total; k += clients) {
      auto* call = new Call();
      *call->req.mutable_breach() = MakeBreach(run, c, static_cast<int>(k));
      call->due = start + k * interval;
      absl::SleepFor(call->due - absl::Now());  // no-op when late
      {
        absl::MutexLock lock(&mu);
        ++outstanding;
      }
      stub.async()->Submit(
          &call->ctx, &call->req, &call->resp, [&, call](grpc::Status s) {
            const absl::Time now = absl::Now();
            {
              absl::MutexLock lock(&last_mu);
              last_reply = std::max(last_reply, now);
            }
            absl::MutexLock lock(&mu);
            if (s.ok()) {
              lat.push_back(absl::ToDoubleMilliseconds(now - call->due));
            } else {
              ++errors;
            }
            --outstanding;
            delete call;
          });
    }
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int64_t* n) { return *n == 0; }, &outstanding));
  });
  absl::MutexLock lock(&last_mu);
  if (last_reply > start) {
    result.per_second = result.replies / absl::ToDoubleSeconds(last_reply - start);
  }
  return result;
}

std::unique_ptr<grpc::Server> Serve(grpc::Service* service,
                                    std::string* address) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service);
  auto server = builder.BuildAndStart();
  *address = absl::StrCat("127.0.0.1:", port);
  return server;
}

// One intake server on its own store, as one riposted would be.
struct Replica {
  std::unique_ptr<store::Store> store;
  std::function<int64_t()> commits;
  std::function<int64_t()> units;
  metrics::Registry registry;
  std::unique_ptr<IntakeMetrics> metrics;
  std::unique_ptr<BreachRecorder> recorder;
  std::unique_ptr<IntakeService> service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

// A durable target: one engine, one or more replicas on its database.
struct Target {
  std::string name;  // e.g. "postgres x3"
  std::vector<std::unique_ptr<Replica>> replicas;
  std::vector<std::string> addresses;
  std::string dsn;

  int64_t Commits() const {
    int64_t n = 0;
    for (const auto& r : replicas) n += r->commits();
    return n;
  }
  int64_t Units() const {
    int64_t n = 0;
    for (const auto& r : replicas) n += r->units();
    return n;
  }
  void Close() {
    for (auto& r : replicas) r->server->Shutdown();
    for (auto& r : replicas) r->store->Close();
  }
};

template <typename StoreT>
void Adopt(std::unique_ptr<StoreT> store, Replica& replica) {
  StoreT* raw = store.get();
  replica.commits = [raw] { return raw->CommitCount(); };
  replica.units = [raw] { return raw->CommittedUnits(); };
  replica.store = std::move(store);
}

// What the benchmark needs to open targets: the shared validator, where
// SQLite files go, and the PostgreSQL server (started on first use).
class TargetFactory {
 public:
  TargetFactory(const BreachValidator* validator, std::string data_dir,
                bool pg_statements)
      : validator_(validator),
        data_dir_(std::move(data_dir)),
        pg_statements_(pg_statements) {}

  absl::StatusOr<std::unique_ptr<Target>> Open(const std::string& engine,
                                               int replicas) {
    auto target = std::make_unique<Target>();
    target->name = absl::StrCat(engine, " x", replicas);
    const std::string db = absl::StrCat(
        "bench_", absl::StrReplaceAll(engine, {{"-", "_"}}), "_", replicas);
    std::string dsn;
    if (engine != "sqlite") {
      RIPOSTE_RETURN_IF_ERROR(StartPostgres());
      RIPOSTE_RETURN_IF_ERROR(pg_->CreateDatabase(db));
      dsn = engine == "postgres-unix" ? pg_->SocketDsn(db) : pg_->Dsn(db);
      target->dsn = dsn;
    }
    for (int i = 0; i < replicas; ++i) {
      auto replica = std::make_unique<Replica>();
      if (engine == "sqlite") {
        store::sqlite::SqliteStoreOptions options;
        options.path = absl::StrCat(data_dir_, "/", db, ".db");
        RIPOSTE_ASSIGN_OR_RETURN(
            auto store, store::sqlite::SqliteStore::Open(options, Clock::Real()));
        Adopt(std::move(store), *replica);
      } else {
        store::postgres::PostgresStoreOptions options;
        options.dsn = dsn;
        options.connect.application_name = absl::StrCat("bench-", i);
        RIPOSTE_ASSIGN_OR_RETURN(
            auto store,
            store::postgres::PostgresStore::Open(options, Clock::Real()));
        Adopt(std::move(store), *replica);
      }
      replica->metrics = std::make_unique<IntakeMetrics>(replica->registry);
      replica->recorder = std::make_unique<BreachRecorder>(
          replica->store.get(), Clock::Real(), absl::Hours(24));
      replica->service = std::make_unique<IntakeService>(
          validator_, replica->recorder.get(), Clock::Real(),
          replica->metrics.get());
      replica->server = Serve(replica->service.get(), &replica->address);
      target->addresses.push_back(replica->address);
      target->replicas.push_back(std::move(replica));
    }
    return target;
  }

 private:
  absl::Status StartPostgres() {
    if (pg_ != nullptr) return absl::OkStatus();
    // fsync on, to compare fairly with SQLite's synchronous=FULL.
    store::postgres::testing::PgServerOptions options;
    options.fsync = true;
    if (pg_statements_) options.preload_libraries = {"pg_stat_statements"};
    RIPOSTE_ASSIGN_OR_RETURN(pg_, store::postgres::testing::PgServer::Start(options));
    return absl::OkStatus();
  }

  const BreachValidator* const validator_;
  const std::string data_dir_;
  const bool pg_statements_;
  std::unique_ptr<store::postgres::testing::PgServer> pg_;
};

// What the server spent on each statement over the whole run, from
// pg_stat_statements (--pg_statements): the server's share of a unit's
// time, against the wall time the scenarios measured.
void PrintStatementCosts(const Target& target) {
  if (target.dsn.empty()) return;
  auto conn = store::postgres::PgConnection::Connect(target.dsn, {});
  if (!conn.ok()) return;
  absl::Status made =
      (*conn)->Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  absl::StatusOr<store::postgres::PgResult> r =
      made.ok() ? (*conn)->Query(
                      "SELECT calls::text, round((total_exec_time / calls * "
                      "1000)::numeric, 1)::text, round(total_exec_time::"
                      "numeric)::text, left(regexp_replace(query, '\\s+', "
                      "' ', 'g'), 90) FROM pg_stat_statements WHERE calls > "
                      "100 AND dbid = (SELECT oid FROM pg_database WHERE "
                      "datname = current_database()) ORDER BY "
                      "total_exec_time DESC LIMIT 12")
                : absl::StatusOr<store::postgres::PgResult>(made);
  if (!r.ok()) {
    std::printf("statement costs [%s]: %s\n", target.name.c_str(),
                std::string(r.status().message()).c_str());
    return;
  }
  std::printf("statement costs [%s]: calls, server us per call, total ms\n",
              target.name.c_str());
  for (int i = 0; i < r->rows(); ++i) {
    std::printf("%9s %8s %7s  %s\n", std::string(r->Text(i, 0)).c_str(),
                std::string(r->Text(i, 1)).c_str(),
                std::string(r->Text(i, 2)).c_str(),
                std::string(r->Text(i, 3)).c_str());
  }
}

bool HasFlag(int argc, char** argv, const std::string& name) {
  const std::string flag = "--" + name;
  for (int i = 1; i < argc; ++i) {
    if (flag == argv[i]) return true;
  }
  return false;
}

std::string FlagValue(int argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
  }
  return "";
}

int IntFlag(int argc, char** argv, const std::string& name, int def) {
  const std::string text = FlagValue(argc, argv, name);
  int v = 0;
  return !text.empty() && absl::SimpleAtoi(text, &v) ? v : def;
}

std::vector<std::string> ListFlag(int argc, char** argv,
                                  const std::string& name,
                                  const std::string& def) {
  std::string text = FlagValue(argc, argv, name);
  return absl::StrSplit(text.empty() ? def : text, ',', absl::SkipEmpty());
}

void Print(const std::string& name, const Result& r) {
  std::printf("%-34s %11.0f %8.2f %8.2f %8.2f %7lld\n", name.c_str(),
              r.per_second, r.p50_ms, r.p99_ms, r.p999_ms,
              static_cast<long long>(r.errors));
}

// Group commit over one scenario on one target.
void PrintCommits(const Target& t, int64_t commits_before,
                  int64_t units_before, absl::Duration elapsed) {
  const int64_t commits = t.Commits() - commits_before;
  const int64_t units = t.Units() - units_before;
  std::printf("%-34s %lld units in %lld commits (%.1f per commit, %.0f "
              "commits/s)\n",
              "", static_cast<long long>(units),
              static_cast<long long>(commits),
              commits > 0 ? static_cast<double>(units) / commits : 0.0,
              commits / absl::ToDoubleSeconds(elapsed));
}

int Main(int argc, char** argv) {
  // As riposted does: lock-order cycle tracking is a debugging aid that
  // Debian's Abseil leaves on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int clients = IntFlag(argc, argv, "clients", 16);
  const int requests = IntFlag(argc, argv, "requests", 20000);
  const int open_loop_rate = IntFlag(argc, argv, "open_loop_rate", 0);
  const bool pg_statements = HasFlag(argc, argv, "pg_statements");
  const absl::Duration open_loop_length =
      absl::Seconds(IntFlag(argc, argv, "open_loop_seconds", 10));
  std::string data_dir = FlagValue(argc, argv, "data_dir");
  if (data_dir.empty()) {
    std::string tmpl = "/tmp/riposte-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    data_dir = tmpl;
  }
  if (open_loop_rate < 0) {
    std::fprintf(stderr, "--open_loop_rate: must be 0 (off) or a positive rate\n");
    return 2;
  }
  std::vector<std::pair<std::string, int>> specs;
  for (const std::string& engine : ListFlag(argc, argv, "engine", "sqlite")) {
    if (engine != "sqlite" && engine != "postgres" &&
        engine != "postgres-unix") {
      std::fprintf(stderr,
                   "--engine: unknown engine '%s' (sqlite, postgres, "
                   "postgres-unix)\n",
                   engine.c_str());
      return 2;
    }
    for (const std::string& text : ListFlag(argc, argv, "replicas", "1")) {
      int n = 0;
      if (!absl::SimpleAtoi(text, &n) || n < 1 || n > 16) {
        std::fprintf(stderr, "--replicas: '%s' is not a count from 1 to 16\n",
                     text.c_str());
        return 2;
      }
      if (engine == "sqlite") n = 1;  // one writer per file
      if (std::find(specs.begin(), specs.end(), std::pair{engine, n}) ==
          specs.end()) {
        specs.emplace_back(engine, n);
      }
    }
  }

  config::IntakeLimits limits;
  config::TenantConfig tenant;
  tenant.id = "contoso";
  BreachValidator validator(limits, {tenant});
  TargetFactory factory(&validator, data_dir, pg_statements);
  std::vector<std::unique_ptr<Target>> targets;
  for (const auto& [engine, n] : specs) {
    absl::StatusOr<std::unique_ptr<Target>> t = factory.Open(engine, n);
    if (!t.ok()) {
      std::fprintf(stderr, "%s x%d: %s\n", engine.c_str(), n,
                   std::string(t.status().message()).c_str());
      return 1;
    }
    targets.push_back(std::move(*t));
  }
  NoopIntake noop;
  std::string noop_addr;
  auto noop_server = Serve(&noop, &noop_addr);
  const std::vector<std::string> noop_addrs = {noop_addr};

  std::printf("intake_bench: %d clients, %d requests per scenario, data %s\n",
              clients, requests, data_dir.c_str());
  // Warm every path (connections, caches) before measuring.
  RunUnary(noop_addrs, "warm-noop", clients, clients * 20);
  for (auto& t : targets) RunUnary(t->addresses, "warm", clients, clients * 20);

  std::printf("%-34s %11s %8s %8s %8s %7s\n", "scenario", "breaches/s",
              "p50 ms", "p99 ms", "p999 ms", "errors");
  // --only=durable-stream (etc.) runs one kind of scenario, for profiling.
  const std::string only = FlagValue(argc, argv, "only");
  auto want = [&](const char* name) { return only.empty() || only == name; };
  bool clean = true;
  using Scenario = std::function<Result(const std::vector<std::string>&,
                                        const std::string& run)>;
  // The no-op baseline, then each target; ratios to the baseline and to
  // the first target.
  auto compare = [&](const std::string& kind, bool with_noop,
                     bool with_durable, const Scenario& run) {
    Result base;
    if (with_noop) {
      base = run(noop_addrs, "noop-" + kind);
      Print("noop " + kind, base);
      clean = clean && base.errors == 0;
    }
    if (!with_durable) return;
    double first = 0;
    for (auto& t : targets) {
      const int64_t commits = t->Commits();
      const int64_t units = t->Units();
      const absl::Time start = absl::Now();
      const Result r = run(t->addresses, absl::StrCat(kind, "-", t->name));
      const absl::Duration elapsed = absl::Now() - start;
      Print(absl::StrCat("durable ", kind, " [", t->name, "]"), r);
      PrintCommits(*t, commits, units, elapsed);
      clean = clean && r.errors == 0;
      if (first == 0) first = r.per_second;
      std::printf("%-34s ratio to noop %.2f, to %s %.2f\n", "",
                  base.per_second > 0 ? r.per_second / base.per_second : 0.0,
                  targets.front()->name.c_str(),
                  first > 0 ? r.per_second / first : 0.0);
    }
  };
  compare("unary", want("noop-unary"), want("durable-unary"),
          [&](const std::vector<std::string>& a, const std::string& run) {
    return RunUnary(a, run, clients, requests);
  });
  compare("stream", want("noop-stream"), want("durable-stream"),
          [&](const std::vector<std::string>& a, const std::string& run) {
    return RunStream(a, run, clients, requests);
  });
  if (open_loop_rate > 0 && want("open-loop")) {
    std::printf("open loop: %d Submits/s for %s\n", open_loop_rate,
                absl::FormatDuration(open_loop_length).c_str());
    compare("open-loop", true, true, [&](const std::vector<std::string>& a,
                             const std::string& run) {
      return RunOpenLoop(a, run, clients, open_loop_rate, open_loop_length);
    });
  }

  if (pg_statements) {
    for (auto& t : targets) PrintStatementCosts(*t);
  }
  noop_server->Shutdown();
  for (auto& t : targets) t->Close();
  targets.clear();
  std::error_code ec;
  if (FlagValue(argc, argv, "data_dir").empty()) {
    std::filesystem::remove_all(data_dir, ec);
  }
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace riposte::intake

int main(int argc, char** argv) { return riposte::intake::Main(argc, argv); }
