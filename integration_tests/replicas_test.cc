// Three riposted replicas on one PostgreSQL database, acting on the Graph
// fake, under load: detectors submit breaches round-robin across the
// replicas (and resubmit acknowledged ones to other replicas), while a
// random replica is SIGKILLed and restarted twenty times and PostgreSQL
// itself crashes and restarts once. Disabling an account lasts three
// seconds, so expiries and re-enables happen throughout.
//
// Afterwards every acknowledged breach is stored exactly once, under the
// ids its acknowledgement named; every account was disabled once and
// re-enabled once; no run is left unfinished or failed; and the one audit
// chain verifies from every replica and offline.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/grpc_health.h"
#include "integration_tests/testing/ledger.h"
#include "integration_tests/testing/pg_query.h"
#include "integration_tests/testing/replica_set.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"
#include "store/postgres/testing/pg_server.h"

namespace riposte::integration {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using store::postgres::testing::PgServer;

constexpr int kReplicas = 3;
constexpr int kDetectors = 4;
constexpr int kKills = 20;
// The database crashes after this many kills.
constexpr int kDatabaseCrashAfter = 10;
// Fresh breaches allowed per phase (between two events); every other one
// disables an account.
constexpr int kFreshPerPhase = 16;
constexpr char kPassword[] = "replicas-pw-5b1e";

std::string Policy() {
  return "rules:\n" + AutonomousUserRule("takeover", "Test / Takeover",
                                         "disable_user", "3s");
}

// Fresh breach n disables victim n when n is even; odd ones are noise
// about a bystander that no rule matches.
bool Acts(int n) { return n % 2 == 0; }
std::string Victim(int n) { return absl::StrCat("victim", n, "@contoso.com"); }

v1::Breach FreshBreach(int detector, int n) {
  v1::Breach b = UserBreach(
      absl::StrCat("det-", detector), absl::StrCat("b", n),
      Acts(n) ? Victim(n) : absl::StrCat("bystander", n, "@contoso.com"), 90);
  b.set_model_name(Acts(n) ? "Test / Takeover" : "Test / Noise");
  return b;
}

// What the detectors share: the fresh breaches allowed so far, the
// ledger, and what went wrong.
struct Load {
  std::atomic<bool> stop{false};
  std::atomic<int> allowed{kFreshPerPhase};
  std::atomic<int> next_fresh{0};
  std::atomic<int> fresh_done{0};  // acknowledged or given up
  std::atomic<int> resubmissions{0};
  std::atomic<int> retries{0};
  Ledger ledger;

  absl::Mutex mu;
  std::vector<std::string> problems ABSL_GUARDED_BY(mu);

  std::optional<int> TakeFresh() {
    int n = next_fresh.load();
    while (n < allowed.load()) {
      if (next_fresh.compare_exchange_weak(n, n + 1)) return n;
    }
    return std::nullopt;
  }
  void Problem(std::string what) {
    absl::MutexLock lock(&mu);
    problems.push_back(std::move(what));
  }
};

struct Submitted {
  v1::SubmitResponse response;
  int replica = -1;
};

// A detector's connection to the replicas: one stub per address it has
// seen, and a retry loop that moves round-robin to the next replica.
class Client {
 public:
  Client(ReplicaSet& replicas, Load& load) : replicas_(replicas), load_(load) {}

  // Submits `breach` starting at replica `turn`, never to `avoid`, until a
  // replica answers OK. Unavailable and deadline failures (a replica killed
  // mid-call, the database away) are retried with backoff, as
  // DEPLOYMENT-POSTGRES.md asks of detectors; any other code is returned.
  absl::StatusOr<Submitted> Submit(const v1::Breach& breach, int turn,
                                   int avoid = -1) {
    v1::SubmitRequest req;
    *req.mutable_breach() = breach;
    const absl::Time give_up = absl::Now() + absl::Seconds(90);
    absl::Duration backoff = absl::Milliseconds(20);
    for (int attempt = 0;; ++attempt) {
      const int replica = (turn + attempt) % kReplicas;
      if (replica == avoid) continue;
      if (absl::Now() > give_up) {
        return absl::DeadlineExceededError(
            absl::StrCat("no replica acknowledged ", breach.breach_id()));
      }
      const std::string address = replicas_.address(replica);
      if (!address.empty()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
        Submitted out;
        grpc::Status s = Stub(address).Submit(&ctx, req, &out.response);
        if (s.ok()) {
          out.replica = replica;
          return out;
        }
        if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
            s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
          return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                              s.error_message());
        }
        ++load_.retries;
      }
      // A client's retry backoff, not a wait for an event.
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Milliseconds(500));
    }
  }

 private:
  v1::Intake::Stub& Stub(const std::string& address) {
    auto& stub = stubs_[address];
    if (stub == nullptr) {
      stub = v1::Intake::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    }
    return *stub;
  }

  ReplicaSet& replicas_;
  Load& load_;
  std::map<std::string, std::unique_ptr<v1::Intake::Stub>> stubs_;
};

// A resubmission names the stored breach the first acknowledgement named.
std::string CheckDuplicate(const v1::Breach& breach, const Ack& first,
                           const v1::SubmitResponse& again) {
  if (again.duplicate() && !again.duplicate_differs() &&
      again.stored_breach_id() == first.stored_breach_id &&
      again.incident_id() == first.incident_id) {
    return "";
  }
  return absl::StrCat("resubmitting ", breach.detector_id(), "/",
                      breach.breach_id(),
                      " answered duplicate=", again.duplicate(), " stored ",
                      again.stored_breach_id(), " incident ",
                      again.incident_id(), "; first ack named ",
                      first.stored_breach_id, " incident ", first.incident_id);
}

// Submits fresh breaches while the phase allows, and otherwise resubmits
// one it had acknowledged to a replica other than the one that did.
void Detector(int index, ReplicaSet& replicas, Load& load) {
  Client client(replicas, load);
  struct Sent {
    v1::Breach breach;
    Ack ack;
    int replica;
  };
  std::vector<Sent> sent;
  std::mt19937 rng(index);
  int turn = index;
  while (!load.stop.load()) {
    if (std::optional<int> n = load.TakeFresh()) {
      const v1::Breach breach = FreshBreach(index, *n);
      load.ledger.Attempt(breach);
      absl::StatusOr<Submitted> r = client.Submit(breach, turn++);
      if (r.ok()) {
        load.ledger.Acknowledge(r->response);
        sent.push_back(
            {breach,
             {r->response.stored_breach_id(), r->response.incident_id()},
             r->replica});
      } else {
        load.Problem(
            absl::StrCat("submitting b", *n, ": ", r.status().ToString()));
      }
      ++load.fresh_done;
      continue;
    }
    if (sent.empty()) {
      WaitFor(
          [&] {
            return load.stop.load() ||
                   load.next_fresh.load() < load.allowed.load();
          },
          absl::Seconds(1));
      continue;
    }
    const Sent& old = sent[rng() % sent.size()];
    absl::StatusOr<Submitted> r =
        client.Submit(old.breach, turn++, old.replica);
    ++load.resubmissions;
    if (!r.ok()) {
      load.Problem(absl::StrCat("resubmitting ", old.breach.breach_id(), ": ",
                                r.status().ToString()));
      continue;
    }
    std::string wrong = CheckDuplicate(old.breach, old.ack, r->response);
    if (!wrong.empty()) load.Problem(std::move(wrong));
  }
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = PgServer::Start({.password = kPassword});
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = std::move(*pg);
    ASSERT_TRUE(pg_->CreateDatabase("riposte").ok());
    dsn_ = absl::StrCat(pg_->Dsn("riposte"), " password=", kPassword);
    WriteFile(dir_.File("dsn"), dsn_ + "\n");

    // Slow enough that kills land mid-call.
    auto cloud = FakeCloud::Start({.delay_ms = 40});
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    WriteFile(dir_.File("policy.yaml"), Policy());
    const std::string tenant =
        cloud_->GraphTenantYaml(dir_.File("graph-secret"));
    for (int i = 0; i < kReplicas; ++i) {
      configs_.push_back(dir_.File(absl::StrCat("riposted-", i, ".yaml")));
      WriteFile(
          configs_.back(),
          absl::StrCat(
              "grpc:\n  listen: 127.0.0.1:0\n"
              "data_dir: ",
              dir_.File(absl::StrCat("replica-", i)),
              "\n"
              "store:\n  engine: postgres\n  postgres:\n"
              "    dsn_file: ",
              dir_.File("dsn"),
              "\n"
              "    pool_size: 2\n    connect_timeout: 2s\n"
              "    statement_timeout: 10s\n    lock_timeout: 5s\n",
              tenant, "policy:\n  path: ", dir_.File("policy.yaml"),
              "\n"
              "execution:\n  workers: 3\n  call_timeout: 2s\n  lease: 6s\n"
              "  backoff: {initial: 100ms, max: 1s}\n"
              "  circuit_breaker: {failures: 1000, open_for: 1s}\n"
              "  expiry_scan_interval: 500ms\n"
              "shutdown:\n  grace: 5s\n"));
    }
  }

  // The replicas' logs outlive the test, for a failure's post-mortem.
  void TearDown() override {
    const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
    if (outputs == nullptr) return;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = e.path().filename().string();
      if (absl::StartsWith(name, "riposted-") &&
          !absl::EndsWith(name, ".yaml")) {
        std::error_code ignored;
        std::filesystem::copy_file(
            e.path(), std::filesystem::path(outputs) / name,
            std::filesystem::copy_options::overwrite_existing, ignored);
      }
    }
  }

  int64_t Count(const std::string& sql) { return PgCount(dsn_, sql); }

  testing::TempDir dir_;
  std::unique_ptr<PgServer> pg_;
  std::string dsn_;
  std::unique_ptr<FakeCloud> cloud_;
  std::vector<std::string> configs_;
};

TEST_F(ReplicasTest, KillsAndADatabaseCrashNeitherLoseNorDoubleAnything) {
  const absl::Time started = absl::Now();
  constexpr int kEvents = kKills + 1;  // the kills and the database crash
  constexpr int kFresh = (kEvents + 1) * kFreshPerPhase;
  for (int n = 0; n < kFresh; n += 2) {
    ASSERT_EQ(cloud_->AddUser(Victim(n)).status, 201);
  }
  auto replicas = ReplicaSet::Start(configs_, dir_.path());
  ASSERT_TRUE(replicas.ok()) << replicas.status();
  ReplicaSet& set = **replicas;

  Load load;
  std::vector<std::thread> detectors;
  for (int t = 0; t < kDetectors; ++t) {
    detectors.emplace_back(Detector, t, std::ref(set), std::ref(load));
  }
  std::mt19937 rng(12);
  int kills = 0;
  int database_crashes = 0;
  for (int event = 0; event < kEvents; ++event) {
    // Half of this phase acknowledged: the event lands with the rest in
    // flight, among resubmissions and the runs of earlier phases.
    ASSERT_TRUE(WaitFor(
        [&] {
          return load.fresh_done.load() >=
                 load.allowed.load() - kFreshPerPhase / 2;
        },
        absl::Seconds(90)))
        << "event " << event << ": only " << load.fresh_done.load()
        << " fresh breaches done";
    if (event == kDatabaseCrashAfter) {
      ASSERT_TRUE(pg_->Crash().ok());
      // Down long enough for the replicas to notice: the witness (replica
      // 0, below) stops serving Intake while it cannot write.
      EXPECT_TRUE(WaitFor(
          [&] {
            return HealthCheck(set.address(0), "riposte.v1.Intake") ==
                   HealthCheckResponse::NOT_SERVING;
          },
          absl::Seconds(30)));
      ASSERT_TRUE(pg_->Restart().ok());
      ++database_crashes;
      load.allowed += kFreshPerPhase;
      continue;
    }
    // Replica 0 lives through the database crash (later kills pick among
    // the others): it must recover by itself.
    const int victim = database_crashes == 0
                           ? static_cast<int>(rng() % kReplicas)
                           : 1 + static_cast<int>(rng() % (kReplicas - 1));
    absl::Status killed = set.Kill(victim);
    ASSERT_TRUE(killed.ok()) << killed;
    ++kills;
    load.allowed += kFreshPerPhase;  // the others carry the load meanwhile
    absl::Status restarted = set.Restart(victim);
    ASSERT_TRUE(restarted.ok()) << restarted;
  }
  ASSERT_TRUE(WaitFor([&] { return load.fresh_done.load() >= kFresh; },
                      absl::Seconds(90)));
  load.stop = true;
  for (auto& d : detectors) d.join();
  {
    absl::MutexLock lock(&load.mu);
    EXPECT_THAT(load.problems, ::testing::IsEmpty());
  }

  // Every run reaches the end of its life: applied, expired, reverted.
  const std::string unfinished =
      "SELECT COUNT(*) FROM action_runs WHERE state IN ('proposed', "
      "'awaiting_approval', 'approved', 'queued', 'running', 'active', "
      "'reverting')";
  EXPECT_TRUE(
      WaitFor([&] { return Count(unfinished) == 0; }, absl::Seconds(90)))
      << Count(unfinished) << " runs unfinished";
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_FALSE(set.Crashed(i)) << set.replica(i).process().Stderr();
    EXPECT_TRUE(WaitFor(
        [&] {
          return HealthCheck(set.address(i), "riposte.v1.Intake") ==
                 HealthCheckResponse::SERVING;
        },
        absl::Seconds(30)))
        << "replica " << i;
  }
  // The witness saw the database go and come back.
  EXPECT_THAT(
      set.replica(0).process().Stderr(),
      ::testing::AllOf(::testing::HasSubstr("store is not writable"),
                       ::testing::HasSubstr("store is writable again")));

  // Every acknowledged breach is stored once, under the ids it was
  // acknowledged with; nothing else is stored.
  const std::map<BreachKey, Ack> acked = load.ledger.Acked();
  EXPECT_EQ(acked.size(), static_cast<size_t>(kFresh));
  auto stored = PgRows(dsn_,
                       "SELECT detector_id, breach_id, id, incident_id FROM "
                       "breaches");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->size(), acked.size());
  for (const auto& row : *stored) {
    auto it = acked.find({row[0], row[1]});
    ASSERT_NE(it, acked.end())
        << row[0] << "/" << row[1] << " not acknowledged";
    EXPECT_EQ(row[2], absl::StrCat(it->second.stored_breach_id)) << row[1];
    EXPECT_EQ(row[3], absl::StrCat(it->second.incident_id)) << row[1];
  }

  // One run per acting breach, each reverted; each account disabled once
  // and enabled again once.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs"), kFresh / 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs WHERE action = "
                  "'disable_user' AND state = 'reverted'"),
            kFresh / 2);
  auto states =
      PgRows(dsn_, "SELECT state, COUNT(*) FROM action_runs GROUP BY state");
  ASSERT_TRUE(states.ok());
  for (const auto& row : *states) RecordProperty("runs_" + row[0], row[1]);
  for (int n = 0; n < kFresh; n += 2) {
    const std::string user = cloud_->User(Victim(n)).body;
    EXPECT_EQ(JsonField(user, "accountEnabled"), "true") << user;
    EXPECT_EQ(JsonField(user, "accountEnabledChanges"), "2") << user;
    EXPECT_EQ(JsonField(user, "patchCount"), "2") << user;
  }
  // The kills did land mid-run: runs were taken over from dead replicas.
  const int64_t takeovers = Count(
      "SELECT COUNT(*) FROM audit_log WHERE details LIKE "
      "'%\"lease_taken_over\":true%'");
  EXPECT_GT(takeovers, 0);

  // Resubmitting every breach once more, now that all is quiet, still
  // names the same stored breach.
  {
    Client client(set, load);
    int turn = 0;
    for (const auto& [key, breach] : load.ledger.Attempted()) {
      absl::StatusOr<Submitted> r = client.Submit(breach, turn++);
      ASSERT_TRUE(r.ok()) << r.status();
      auto first = acked.find(key);
      ASSERT_NE(first, acked.end()) << key.second;
      EXPECT_EQ(CheckDuplicate(breach, first->second, r->response), "");
    }
  }

  // The one chain verifies from every replica, with the same head.
  std::set<int64_t> heads;
  for (int i = 0; i < kReplicas; ++i) {
    auto op = v1::Operator::NewStub(grpc::CreateChannel(
        set.address(i), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::VerifyAuditResponse verified;
    grpc::Status s = op->VerifyAudit(&ctx, v1::VerifyAuditRequest(), &verified);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(verified.ok()) << "replica " << i << ": " << verified.reason();
    heads.insert(verified.head_seq());
  }
  EXPECT_EQ(heads.size(), 1u);
  for (int code : set.Stop()) EXPECT_EQ(code, 0);
  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", configs_[0]},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text << verify.stderr_text;
  EXPECT_THAT(verify.stdout_text, ::testing::HasSubstr("\"ok\":true"));

  // The connection string's password never reached a log.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (absl::StartsWith(e.path().filename().string(), "riposted-") &&
        !absl::EndsWith(e.path().string(), ".yaml")) {
      EXPECT_FALSE(absl::StrContains(ReadFile(e.path().string()), kPassword))
          << e.path();
    }
  }

  RecordProperty("kills", kills);
  RecordProperty("database_crashes", database_crashes);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("resubmissions", load.resubmissions.load());
  RecordProperty("retried_calls", load.retries.load());
  RecordProperty("runs_taken_over", static_cast<int>(takeovers));
  RecordProperty(
      "reverts_taken_over",
      static_cast<int>(Count("SELECT COUNT(*) FROM audit_log WHERE event = "
                             "'action.reverting' AND details LIKE "
                             "'%\"lease_taken_over\":true%'")));
  RecordProperty("seconds",
                 static_cast<int>(absl::ToInt64Seconds(absl::Now() - started)));
}

}  // namespace
}  // namespace riposte::integration
