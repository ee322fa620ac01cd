// Starts the real riposted with an OCSF file sink, submits breaches while
// the sink delivers, kills riposted with SIGKILL mid-flight a few times,
// and checks that every acknowledged breach reached the data lake's files
// as a Detection Finding valid against the OCSF schema: repeats allowed
// (same uid, same content), losses not.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_value.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/ledger.h"
#include "integration_tests/testing/riposted_process.h"
#include "ocsf/testing/schema_validator.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

// Every line of every file under `root`, by metadata.uid; fails the test
// on a line that differs from an earlier one with the same uid.
struct Delivered {
  std::map<std::string, std::string> by_uid;  // uid -> line
  std::map<std::string, int> copies;
  std::vector<std::string> files;
};

Delivered ReadLake(const std::string& root) {
  Delivered d;
  if (!std::filesystem::exists(root)) return d;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    d.files.push_back(e.path().string().substr(root.size() + 1));
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      absl::StatusOr<JsonValue> v = JsonValue::Parse(line);
      if (!v.ok()) {
        ADD_FAILURE() << e.path() << ": not JSON: " << line;
        continue;
      }
      const JsonValue* meta = v->Find("metadata");
      const std::string uid =
          meta == nullptr ? "" : meta->GetString("uid").value_or("");
      auto [it, added] = d.by_uid.emplace(uid, line);
      if (!added) EXPECT_EQ(it->second, line) << "uid " << uid;
      ++d.copies[uid];
    }
  }
  return d;
}

class OcsfDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_path_ = dir_.File("riposted.yaml");
    WriteFile(config_path_,
              TestConfig(dir_.File("data")) +
                  "ocsf:\n"
                  "  sinks:\n"
                  "    - name: lake\n"
                  "      file:\n"
                  "        dir: " + dir_.File("lake") + "\n"
                  "        region: eu-west-1\n"
                  "        account_id: \"123456789012\"\n"
                  "        max_file_bytes: 65536\n");
  }

  std::unique_ptr<RiposteServer> StartServer() {
    auto server = RiposteServer::Start(config_path_, dir_.path());
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  testing::TempDir dir_;
  std::string config_path_;
};

TEST_F(OcsfDeliveryTest, SigkillDuringDeliveryLosesNoFinding) {
  Ledger ledger;
  constexpr int kCycles = 3;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto server = StartServer();
    ASSERT_NE(server, nullptr);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 3; ++t) {
      clients.emplace_back([&, t] {
        auto stub = v1::Intake::NewStub(grpc::CreateChannel(
            server->address(), grpc::InsecureChannelCredentials()));
        for (int i = 0; !stop.load(); ++i) {
          v1::SubmitRequest req;
          *req.mutable_breach() =
              UserBreach(absl::StrCat("det-", cycle, "-", t), absl::StrCat("b", i),
                         absl::StrCat("user", i % 9, "@contoso.com"));
          ledger.Attempt(req.breach());
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(20));
          v1::SubmitResponse resp;
          if (!stub->Submit(&ctx, req, &resp).ok()) return;
          ledger.Acknowledge(resp);
        }
      });
    }
    // Kill once the sink is delivering this cycle's findings.
    const size_t before = ReadLake(dir_.File("lake")).by_uid.size();
    ASSERT_TRUE(WaitFor(
        [&] {
          return ledger.AckCount() >= (cycle + 1) * 150u &&
                 ReadLake(dir_.File("lake")).by_uid.size() > before + 20;
        },
        absl::Seconds(120)));
    server->process().Signal(SIGKILL);
    EXPECT_EQ(server->process().Wait(), 128 + SIGKILL);
    stop = true;
    for (auto& c : clients) c.join();
  }

  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::map<BreachKey, Ack> acked = ledger.Acked();
  // Everything acknowledged arrives, with nothing more to come.
  auto findings_of_acked = [&](const Delivered& d) {
    std::set<BreachKey> seen;
    for (const auto& [uid, line] : d.by_uid) {
      const JsonValue v = *JsonValue::Parse(line);
      const JsonValue* u = v.Find("unmapped");
      if (v.GetInt64("class_uid") != 2004 || u == nullptr) continue;
      seen.insert({u->GetString("detector_id").value_or(""),
                   u->GetString("breach_id").value_or("")});
    }
    size_t n = 0;
    for (const auto& [key, ack] : acked) n += seen.count(key);
    return n;
  };
  ASSERT_TRUE(WaitFor(
      [&] { return findings_of_acked(ReadLake(dir_.File("lake"))) == acked.size(); },
      absl::Seconds(60)))
      << findings_of_acked(ReadLake(dir_.File("lake"))) << " of " << acked.size();

  const Delivered lake = ReadLake(dir_.File("lake"));
  auto validator = ocsf::testing::SchemaValidator::Load(
      ocsf::testing::VendoredSchemaDir());
  ASSERT_TRUE(validator.ok()) << validator.status();
  for (const auto& [uid, line] : lake.by_uid) {
    EXPECT_THAT((*validator)->Validate(line).errors, ::testing::IsEmpty()) << line;
  }
  // One class per file, in the custom-source layout.
  for (const std::string& f : lake.files) {
    EXPECT_THAT(f, ::testing::MatchesRegex(
                       "ext/riposte/region=eu-west-1/accountId=123456789012/"
                       "eventDay=[0-9]{8}/2004-[0-9]+\\.jsonl"));
  }
  int repeated = 0;
  for (const auto& [uid, n] : lake.copies) repeated += n > 1;
  RecordProperty("findings", static_cast<int>(lake.by_uid.size()));
  RecordProperty("repeated_after_kill", repeated);
  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().Wait(), 0);
}

}  // namespace
}  // namespace riposte::integration
