// Starts the real riposted with signed audit checkpoints, submits breaches,
// stops it with SIGTERM (the shutdown checkpoint), then tampers with the
// store the way an attacker with the database file could — cutting records
// off the end, deleting all of them, editing one and re-chaining every
// hash after it — and shows that `riposted --verify-audit --checkpoint`
// fails naming the checkpoint, while the intact store passes.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/audit_record.h"
#include "audit/checkpoint.h"
#include "audit/testing/test_keys.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/signed_checkpoints.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kBreaches = 6;

// Runs `sql` on the SQLite file at `path`; fails the test on error.
void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "") << " in " << sql;
  sqlite3_free(error);
  sqlite3_close(db);
}

std::vector<audit::AuditRecord> ReadChain(const std::string& path) {
  std::vector<audit::AuditRecord> chain;
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT seq, time_us, actor, event, subject, details, "
                     "policy_version, prev_hash, hash FROM audit_log ORDER BY seq",
                     -1, &st, nullptr);
  auto text = [&](int col) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, col)));
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    audit::AuditRecord r;
    r.seq = sqlite3_column_int64(st, 0);
    r.time = absl::FromUnixMicros(sqlite3_column_int64(st, 1));
    r.event.actor = text(2);
    r.event.event = text(3);
    r.event.subject = text(4);
    r.event.details = text(5);
    r.event.policy_version = text(6);
    r.prev_hash = text(7);
    r.hash = text(8);
    chain.push_back(r);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return chain;
}

class AuditCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_path_ = dir_.File("riposted.yaml");
    WriteFile(config_path_, absl::StrCat(TestConfig(dir_.File("data")),
                                         SignedCheckpointsConfig(dir_.path())));
  }

  std::string Db() const { return dir_.File("data/riposte.db"); }
  std::string Checkpoints() const { return dir_.File("data/audit.checkpoints"); }

  // Starts riposted, submits kBreaches breaches and stops it with SIGTERM.
  void RunAndStop() {
    auto server = RiposteServer::Start(config_path_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    for (int i = 0; i < kBreaches; ++i) {
      v1::SubmitRequest req;
      *req.mutable_breach() =
          UserBreach("d1", absl::StrCat("b", i), absl::StrCat("user", i % 2, "@contoso.com"));
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      ASSERT_TRUE(stub->Submit(&ctx, req, &resp).ok());
    }
    (*server)->process().Signal(SIGTERM);
    ASSERT_EQ((*server)->process().Wait(), 0) << (*server)->process().Stderr();
    stderr_ = (*server)->process().Stderr();
  }

  // riposted --verify-audit against the store at `db` (copied into place).
  CommandResult Verify(const std::string& db, const std::string& name) {
    std::filesystem::copy_file(db, Db(),
                               std::filesystem::copy_options::overwrite_existing);
    return RunCommand({RunfilePath("orchestrator/server/riposted"),
                       "--verify-audit", "--config", config_path_,
                       "--checkpoint", Checkpoints(), "--public-key",
                       dir_.File("audit-key.pub")},
                      dir_.File(name));
  }

  // A copy of the intact store to tamper with.
  std::string Copy(const std::string& name) {
    const std::string path = dir_.File(name);
    std::filesystem::copy_file(intact_, path);
    return path;
  }

  testing::TempDir dir_;
  std::string config_path_;
  std::string stderr_;
  std::string intact_;
};

TEST_F(AuditCheckpointTest, VerifyNamesTheCheckpointATamperedChainContradicts) {
  RunAndStop();
  intact_ = dir_.File("intact.db");
  std::filesystem::copy_file(Db(), intact_);
  const std::vector<audit::AuditRecord> chain = ReadChain(intact_);
  const int64_t count = static_cast<int64_t>(chain.size());
  ASSERT_GE(count, kBreaches + 2);  // server.started, incidents, breaches

  // One checkpoint at start, one at shutdown covering the whole chain.
  auto notes = audit::ParseCheckpointFile("cp", ReadFile(Checkpoints()));
  ASSERT_TRUE(notes.ok()) << notes.status();
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[1].checkpoint.count, count);
  EXPECT_EQ((*notes)[1].checkpoint.head_hash, chain.back().hash);
  EXPECT_EQ((*notes)[1].checkpoint.origin, "riposte/contoso");
  const std::string last = audit::DescribeCheckpoint((*notes)[1]);
  // Each is logged whole, for a log shipper to carry off the host; the key
  // never is.
  EXPECT_THAT(stderr_, HasSubstr("\"msg\":\"audit checkpoint\""));
  EXPECT_THAT(stderr_, Not(HasSubstr("PRIVATE KEY")));

  {
    CommandResult r = Verify(intact_, "verify-intact");
    EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr("\"ok\":true"));
    EXPECT_THAT(r.stdout_text, HasSubstr("\"checkpoints\":2"));
  }
  {
    // The last two records cut off: the rest is a valid chain.
    const std::string db = Copy("truncated.db");
    Exec(db, absl::StrCat("DELETE FROM audit_log WHERE seq > ", count - 2));
    CommandResult r = Verify(db, "verify-truncated");
    EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr("\"ok\":false"));
    EXPECT_THAT(r.stdout_text,
                HasSubstr(absl::StrCat("\"failing_checkpoint\":\"", last, "\"")));
    EXPECT_THAT(r.stdout_text, HasSubstr(absl::StrCat(count - 2, " intact records")));
  }
  {
    const std::string db = Copy("emptied.db");
    Exec(db, "DELETE FROM audit_log");
    CommandResult r = Verify(db, "verify-emptied");
    EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr("\"failing_checkpoint\":\"checkpoint 1 (line 1"));
    // And the breaches are stored without their records.
    EXPECT_THAT(r.stdout_text, HasSubstr(absl::StrCat("\"rows_without_record\":", kBreaches)));
  }
  {
    // One breach's record edited and every later hash recomputed: the
    // chain verifies on its own, the shutdown checkpoint does not.
    const std::string db = Copy("rechained.db");
    std::vector<audit::AuditRecord> forged;
    bool edited = false;
    for (const audit::AuditRecord& r : chain) {
      audit::AuditRecord copy = r;
      if (!edited && r.event.event == "breach.received") {
        copy.event.actor = "detector:mallory";
        edited = true;
      }
      audit::Seal(forged.empty() ? 0 : forged.back().seq,
                  forged.empty() ? std::string(audit::kGenesisHash)
                                 : forged.back().hash,
                  copy);
      forged.push_back(copy);
    }
    ASSERT_TRUE(edited);
    std::string sql = "DELETE FROM audit_log;";
    for (const audit::AuditRecord& r : forged) {
      absl::StrAppend(&sql, "INSERT INTO audit_log VALUES (", r.seq, ",",
                      absl::ToUnixMicros(r.time), ",'", r.event.actor, "','",
                      r.event.event, "','", r.event.subject, "','",
                      r.event.details, "','", r.event.policy_version, "','",
                      r.prev_hash, "','", r.hash, "');");
    }
    Exec(db, sql);
    CommandResult r = Verify(db, "verify-rechained");
    EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
    EXPECT_THAT(r.stdout_text, Not(HasSubstr("first_broken_seq")));
    EXPECT_THAT(r.stdout_text,
                HasSubstr(absl::StrCat("\"failing_checkpoint\":\"", last, "\"")));
    EXPECT_THAT(r.stdout_text, HasSubstr("rewritten"));

    // riposted says so loudly when it opens that store, and still starts.
    auto server = RiposteServer::Start(config_path_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_TRUE(WaitFor(
        [&] {
          return (*server)->process().Stderr().find("AUDIT CHAIN BROKEN") !=
                 std::string::npos;
        },
        absl::Seconds(30)));
    (*server)->process().Signal(SIGTERM);
    EXPECT_EQ((*server)->process().Wait(), 0);
  }
}

TEST_F(AuditCheckpointTest, CheckpointByAnotherKeyIsRefused) {
  RunAndStop();
  const audit::testing::TestKeyPair other =
      audit::testing::GenerateEd25519KeyPair();
  WriteFile(dir_.File("other.pub"), other.public_pem);
  CommandResult r = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--verify-audit",
       "--config", config_path_, "--checkpoint", Checkpoints(), "--public-key",
       dir_.File("other.pub")},
      dir_.File("verify-other-key"));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("not signed by the given key"));
  CommandResult usage = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--verify-audit",
       "--config", config_path_, "--checkpoint", Checkpoints()},
      dir_.File("verify-no-key"));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.stderr_text, HasSubstr("--public-key"));
}

}  // namespace
}  // namespace riposte::integration
