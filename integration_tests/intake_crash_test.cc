// Starts the real riposted, submits breaches from concurrent unary and
// streaming clients, kills it with SIGKILL mid-flight, restarts it, and
// checks that every acknowledged breach is there exactly once, that
// resubmission is idempotent, and that the audit chain verifies.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/ledger.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

using Key = BreachKey;

void UnaryClient(const std::string& address, const std::string& detector,
                 std::atomic<bool>& stop, Ledger& ledger) {
  auto stub = v1::Intake::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (int i = 0; !stop.load(); ++i) {
    v1::SubmitRequest req;
    *req.mutable_breach() = UserBreach(detector, absl::StrCat("u", i),
                                       absl::StrCat("user", i % 7, "@contoso.com"));
    ledger.Attempt(req.breach());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::SubmitResponse resp;
    grpc::Status s = stub->Submit(&ctx, req, &resp);
    if (!s.ok()) return;  // the server is gone
    ledger.Acknowledge(resp);
  }
}

void StreamClient(const std::string& address, const std::string& detector,
                  std::atomic<bool>& stop, Ledger& ledger) {
  auto stub = v1::Intake::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto stream = stub->SubmitStream(&ctx);
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      v1::SubmitRequest req;
      *req.mutable_breach() =
          UserBreach(detector, absl::StrCat("s", i),
                     absl::StrCat("user", i % 5, "@contoso.com"));
      ledger.Attempt(req.breach());
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
    writer_done = true;
  });
  v1::StreamSubmitResponse resp;
  while (stream->Read(&resp)) {
    if (resp.has_accepted()) ledger.Acknowledge(resp.accepted());
  }
  ctx.TryCancel();
  writer.join();
  stream->Finish().IgnoreError();
}

class IntakeCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_path_ = dir_.File("riposted.yaml");
    WriteFile(config_path_, TestConfig(dir_.File("data")));
  }

  std::unique_ptr<RiposteServer> StartServer() {
    auto server = RiposteServer::Start(config_path_, dir_.path());
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  int64_t CountRows(const std::string& table) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(dir_.File("data/riposte.db").c_str(), &db,
                    SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &st,
                       nullptr);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  testing::TempDir dir_;
  std::string config_path_;
};

TEST_F(IntakeCrashTest, AcknowledgedBreachesSurviveSigkillExactlyOnce) {
  Ledger ledger;
  constexpr int kCycles = 3;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto server = StartServer();
    ASSERT_NE(server, nullptr);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back(UnaryClient, server->address(),
                           absl::StrCat("unary-", cycle, "-", t),
                           std::ref(stop), std::ref(ledger));
    }
    for (int t = 0; t < 2; ++t) {
      clients.emplace_back(StreamClient, server->address(),
                           absl::StrCat("stream-", cycle, "-", t),
                           std::ref(stop), std::ref(ledger));
    }
    const size_t target = (cycle + 1) * 300;
    ASSERT_TRUE(WaitFor([&] { return ledger.AckCount() >= target; },
                        absl::Seconds(120)))
        << "only " << ledger.AckCount() << " acknowledged";
    // Pull the plug while the clients are still sending.
    server->process().Signal(SIGKILL);
    EXPECT_EQ(server->process().Wait(), 128 + SIGKILL);
    stop = true;
    for (auto& c : clients) c.join();
  }

  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto stub = v1::Intake::NewStub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));

  const std::map<Key, Ack> acked = ledger.Acked();
  const std::map<Key, v1::Breach> attempted = ledger.Attempted();
  ASSERT_GE(acked.size(), kCycles * 300u);

  // Every acknowledged breach is there: resubmitting returns the original
  // outcome. Every attempted one is then stored exactly once.
  int64_t recovered_unacked = 0;
  for (const auto& [key, breach] : attempted) {
    v1::SubmitRequest req;
    *req.mutable_breach() = breach;
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    ASSERT_TRUE(stub->Submit(&ctx, req, &resp).ok());
    auto it = acked.find(key);
    if (it != acked.end()) {
      EXPECT_TRUE(resp.duplicate()) << key.first << "/" << key.second;
      EXPECT_EQ(resp.stored_breach_id(), it->second.stored_breach_id);
      EXPECT_EQ(resp.incident_id(), it->second.incident_id);
      EXPECT_FALSE(resp.duplicate_differs());
    } else if (resp.duplicate()) {
      ++recovered_unacked;  // committed, but the reply was lost in the crash
    }
  }
  // A second resubmission of everything changes nothing.
  for (const auto& [key, breach] : attempted) {
    v1::SubmitRequest req;
    *req.mutable_breach() = breach;
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    ASSERT_TRUE(stub->Submit(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.duplicate());
  }

  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().Wait(), 0) << server->process().Stderr();

  EXPECT_EQ(CountRows("breaches"), static_cast<int64_t>(attempted.size()));
  const int64_t incidents = CountRows("incidents");
  // One record per breach and per incident, and one per server start.
  EXPECT_EQ(CountRows("audit_log"),
            static_cast<int64_t>(attempted.size()) + incidents + kCycles + 1);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("committed_but_unacknowledged",
                 static_cast<int>(recovered_unacked));

  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", config_path_},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text << verify.stderr_text;
  EXPECT_THAT(verify.stdout_text, ::testing::HasSubstr("\"ok\":true"));
}

TEST_F(IntakeCrashTest, SigtermFinishesInFlightSubmitsThenExitsCleanly) {
  Ledger ledger;
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back(UnaryClient, server->address(),
                         absl::StrCat("term-", t), std::ref(stop),
                         std::ref(ledger));
  }
  ASSERT_TRUE(WaitFor([&] { return ledger.AckCount() >= 200; },
                      absl::Seconds(60)));
  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().Wait(), 0) << server->process().Stderr();
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_THAT(server->process().Stderr(),
              ::testing::HasSubstr("\"msg\":\"riposted stopped\""));
  // A clean stop folds the WAL into the database file.
  EXPECT_EQ(ReadFile(dir_.File("data/riposte.db-wal")), "");

  absl::MutexLock lock(&ledger.mu);
  EXPECT_GE(CountRows("breaches"), static_cast<int64_t>(ledger.acked.size()));
  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", config_path_},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text << verify.stderr_text;
}

}  // namespace
}  // namespace riposte::integration
