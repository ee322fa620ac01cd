// Intake load generator: drives Submit and SubmitStream with N concurrent
// clients for a bounded count against (a) the real, durable intake pipeline
// (validation, correlation, SQLite group commit with fsync, audit chain) and
// (b) a no-op server on the same proto, both in this process on loopback,
// and prints throughput, latency and the durable/no-op ratio.
//
//   bazel run -c opt //orchestrator/intake:intake_bench -- \
//       --clients=16 --requests=20000
//
// Flags: --clients=N (16), --requests=N per scenario (20000),
//        --data_dir=DIR (a fresh directory under /tmp),
//        --only=noop-unary|durable-unary|noop-stream|durable-stream.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "orchestrator/intake/breach_recorder.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/intake/intake_metrics.h"
#include "orchestrator/intake/intake_service.h"
#include "riposte/v1/intake.grpc.pb.h"
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
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;
};

Result Summarize(std::vector<double>& latencies_ms, absl::Duration elapsed,
                 int64_t errors) {
  Result r;
  r.errors = errors;
  if (latencies_ms.empty()) return r;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  r.per_second = latencies_ms.size() / absl::ToDoubleSeconds(elapsed);
  r.p50_ms = latencies_ms[latencies_ms.size() / 2];
  r.p99_ms = latencies_ms[std::min(latencies_ms.size() - 1,
                                   latencies_ms.size() * 99 / 100)];
  return r;
}

using ClientBody = std::function<void(v1::Intake::Stub& stub, int client,
                                       std::vector<double>& latencies_ms,
                                       std::atomic<int64_t>& errors)>;

// Runs `body` on `clients` threads, each with its own channel (as separate
// detectors would have), and summarises all their latencies.
Result RunClients(const std::string& address, int clients,
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
          address, grpc::InsecureChannelCredentials(), args));
      body(*stub, c, lat[c], errors);
    });
  }
  for (auto& t : threads) t.join();
  const absl::Duration elapsed = absl::Now() - start;
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return Summarize(all, elapsed, errors.load());
}

Result RunUnary(const std::string& address, const std::string& run,
                int clients, int requests) {
  return RunClients(address, clients, [&](v1::Intake::Stub& stub, int c,
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

Result RunStream(const std::string& address, const std::string& run,
                 int clients, int requests) {
  return RunClients(address, clients, [&](v1::Intake::Stub& stub, int c,
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

int IntFlag(int argc, char** argv, const std::string& name, int def) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    int v = 0;
    if (a.rfind(prefix, 0) == 0 && absl::SimpleAtoi(a.substr(prefix.size()), &v)) {
      return v;
    }
  }
  return def;
}

std::string StringFlag(int argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
  }
  return "";
}

void Print(const char* name, const Result& r) {
  std::printf("%-18s %12.0f %10.2f %10.2f %8lld\n", name, r.per_second,
              r.p50_ms, r.p99_ms, static_cast<long long>(r.errors));
}

int Main(int argc, char** argv) {
  // As riposted does: lock-order cycle tracking is a debugging aid that
  // Debian's Abseil leaves on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int clients = IntFlag(argc, argv, "clients", 16);
  const int requests = IntFlag(argc, argv, "requests", 20000);
  std::string data_dir = StringFlag(argc, argv, "data_dir");
  if (data_dir.empty()) {
    std::string tmpl = "/tmp/riposte-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    data_dir = tmpl;
  }

  store::sqlite::SqliteStoreOptions options;
  options.path = data_dir + "/riposte.db";
  auto store = store::sqlite::SqliteStore::Open(options, Clock::Real());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  config::IntakeLimits limits;
  config::TenantConfig tenant;
  tenant.id = "contoso";
  BreachValidator validator(limits, {tenant});
  BreachRecorder recorder(store->get(), Clock::Real(), absl::Hours(24));
  metrics::Registry registry;
  IntakeMetrics intake_metrics(registry);
  IntakeService durable(&validator, &recorder, Clock::Real(), &intake_metrics);
  NoopIntake noop;

  std::string durable_addr, noop_addr;
  auto durable_server = Serve(&durable, &durable_addr);
  auto noop_server = Serve(&noop, &noop_addr);

  std::printf("intake_bench: %d clients, %d requests per scenario, store %s\n",
              clients, requests, options.path.c_str());
  // Warm both paths (connections, page cache) before measuring.
  RunUnary(noop_addr, "warm-noop", clients, clients * 20);
  RunUnary(durable_addr, "warm", clients, clients * 20);

  const int64_t commits_before = (*store)->CommitCount();
  const int64_t units_before = (*store)->CommittedUnits();
  std::printf("%-18s %12s %10s %10s %8s\n", "scenario", "breaches/s",
              "p50 ms", "p99 ms", "errors");
  // --only=durable-stream (etc.) runs one scenario, for profiling.
  const std::string only = StringFlag(argc, argv, "only");
  auto want = [&](const char* name) { return only.empty() || only == name; };
  Result noop_unary, durable_unary, noop_stream, durable_stream;
  if (want("noop-unary")) {
    noop_unary = RunUnary(noop_addr, "noop-u", clients, requests);
    Print("noop unary", noop_unary);
  }
  if (want("durable-unary")) {
    durable_unary = RunUnary(durable_addr, "u", clients, requests);
    Print("durable unary", durable_unary);
  }
  if (want("noop-stream")) {
    noop_stream = RunStream(noop_addr, "noop-s", clients, requests);
    Print("noop stream", noop_stream);
  }
  if (want("durable-stream")) {
    durable_stream = RunStream(durable_addr, "s", clients, requests);
    Print("durable stream", durable_stream);
  }
  const int64_t commits = (*store)->CommitCount() - commits_before;
  const int64_t units = (*store)->CommittedUnits() - units_before;

  std::printf("ratio durable/noop unary:  %.2f\n",
              durable_unary.per_second / noop_unary.per_second);
  std::printf("ratio durable/noop stream: %.2f\n",
              durable_stream.per_second / noop_stream.per_second);
  std::printf("group commit: %lld breaches in %lld commits (%.1f per fsync)\n",
              static_cast<long long>(units), static_cast<long long>(commits),
              commits > 0 ? static_cast<double>(units) / commits : 0.0);

  durable_server->Shutdown();
  noop_server->Shutdown();
  (*store)->Close();
  std::error_code ec;
  if (StringFlag(argc, argv, "data_dir").empty()) {
    std::filesystem::remove_all(data_dir, ec);
  }
  const bool clean = durable_unary.errors == 0 && durable_stream.errors == 0 &&
                     noop_unary.errors == 0 && noop_stream.errors == 0;
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace riposte::intake

int main(int argc, char** argv) { return riposte::intake::Main(argc, argv); }
