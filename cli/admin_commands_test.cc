// policy, pause, resume, status, audit and whoami against a fake client:
// requests, output, JSON, exit codes.

#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "audit/audit_record.h"
#include "audit/checkpoint.h"
#include "audit/segment.h"
#include "audit/testing/test_chain.h"
#include "audit/testing/test_keys.h"
#include "cli/app_test_util.h"
#include "cli/time_format.h"
#include "cli/watch.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::CliRunner;
using testing::kTestNow;
using testing::MakeRun;
using testing::ParseJsonAs;
using testing::WriteFile;

// --- policy ------------------------------------------------------------------

TEST(PolicyTest, Show) {
  CliRunner cli;
  cli.fake().get_policy = [](const v1::GetPolicyRequest&) {
    v1::PolicyInfo info;
    info.set_version("abcdef0123456789");
    info.set_path("policies/library");
    info.add_sources("policies/library/a.yaml");
    info.set_rules(3);
    v1::PolicySource* f = info.add_files();
    f->set_name("policies/library/a.yaml");
    f->set_yaml("rules: []");
    return info;
  };
  EXPECT_EQ(cli.Run({"policy", "show"}), 0);
  EXPECT_EQ(cli.out(),
            "Policy version abcdef0123456789\n"
            "Path:     policies/library\n"
            "Rules:    3\n"
            "Files:    policies/library/a.yaml\n"
            "\n"
            "--- policies/library/a.yaml ---\n"
            "rules: []\n");
}

TEST(PolicyTest, ValidateExitCodes) {
  CliRunner cli;
  cli.fake().validate_policy = [](const v1::ValidatePolicyRequest& r) {
    v1::ValidatePolicyResponse resp;
    if (r.policy_size() > 0 && r.policy(0).yaml().find("bad") != std::string::npos) {
      resp.set_errors("p.yaml:1: rules[0].ladder: unknown action \"bad\"\np.yaml:2: x: y\n");
    } else {
      resp.set_valid(true);
      resp.set_version("abc");
    }
    return resp;
  };
  const std::string good = WriteFile(cli, "good.yaml", "rules: []\n");
  const std::string bad = WriteFile(cli, "bad.yaml", "bad\n");
  EXPECT_EQ(cli.Run({"policy", "validate", "-f", good}), 0);
  EXPECT_EQ(cli.out(), "The policy is valid: version abc (1 file).\n");
  EXPECT_EQ(cli.fake().validate_policy_requests[0].policy(0).name(), good);
  EXPECT_EQ(cli.Run({"policy", "validate", "-f", bad}), 1);
  EXPECT_EQ(cli.err(),
            "riposte: the policy is invalid:\n"
            "  p.yaml:1: rules[0].ladder: unknown action \"bad\"\n"
            "  p.yaml:2: x: y\n");
  EXPECT_EQ(cli.Run({"policy", "validate", "--json", "-f", bad}), 1);
  EXPECT_FALSE(ParseJsonAs<v1::ValidatePolicyResponse>(cli.out()).valid());
  // Without -f, the server checks its own files.
  EXPECT_EQ(cli.Run({"policy", "validate"}), 0);
  EXPECT_EQ(cli.fake().validate_policy_requests.back().policy_size(), 0);
}

TEST(PolicyTest, Reload) {
  CliRunner cli;
  cli.fake().reload_policy = [](const v1::ReloadPolicyRequest&) {
    v1::PolicyInfo info;
    info.set_version("v2");
    info.set_rules(4);
    return info;
  };
  EXPECT_EQ(cli.Run({"policy", "reload", "--reason", "new rule for BEC"}), 0);
  EXPECT_EQ(cli.fake().reload_policy_requests[0].reason(), "new rule for BEC");
  EXPECT_THAT(cli.out(), StartsWith("Reloaded the policy.\nPolicy version v2\n"));
}

// --- administration ----------------------------------------------------------

TEST(PauseTest, PauseAndResume) {
  CliRunner cli;
  cli.fake().set_paused = [](const v1::SetPausedRequest& r) {
    v1::PauseState s;
    s.set_paused(r.paused());
    s.set_by("bob");
    s.set_reason(r.reason());
    SetTimestamp(kTestNow, s.mutable_since());
    return s;
  };
  EXPECT_EQ(cli.Run({"pause", "--reason", "incident review"}), 0);
  EXPECT_TRUE(cli.fake().set_paused_requests[0].paused());
  EXPECT_EQ(cli.out(),
            "Autonomy is PAUSED since 2026-11-17 12:00:00 UTC (now) by bob: incident "
            "review.\nNothing runs autonomously until 'riposte resume'.\n");
  EXPECT_EQ(cli.Run({"resume", "--reason", "done"}), 0);
  EXPECT_FALSE(cli.fake().set_paused_requests[1].paused());
  EXPECT_EQ(cli.out(), "Autonomy is on again: autonomous actions run.\n");
}

void FakeStatus(FakeOperatorClient& fake) {
  fake.get_pause = [](const v1::GetPauseRequest&) {
    v1::PauseState s;
    s.set_paused(true);
    s.set_by("bob");
    s.set_reason("maintenance");
    SetTimestamp(kTestNow - absl::Minutes(5), s.mutable_since());
    return s;
  };
  fake.who_am_i = [](const v1::WhoAmIRequest&) {
    v1::WhoAmIResponse r;
    r.set_identity("alice");
    r.set_role("admin");
    return r;
  };
  fake.get_policy = [](const v1::GetPolicyRequest&) {
    v1::PolicyInfo info;
    info.set_version("abcdef0123456789");
    info.set_path("policies/library");
    info.add_sources("a.yaml");
    info.add_sources("b.yaml");
    info.set_rules(12);
    info.add_files()->set_yaml("long text");
    return info;
  };
}

TEST(StatusTest, Summary) {
  CliRunner cli;
  FakeStatus(cli.fake());
  EXPECT_EQ(cli.Run({"status"}), 0);
  EXPECT_EQ(cli.out(),
            "Server:    127.0.0.1:50051 (plaintext)\n"
            "Identity:  alice (admin)\n"
            "Autonomy:  PAUSED since 2026-11-17 11:55:00 UTC (5m ago) by bob: maintenance\n"
            "Policy:    abcdef012345, 12 rules from policies/library (2 files)\n");
}

TEST(StatusTest, JsonIsOneDocument) {
  CliRunner cli;
  FakeStatus(cli.fake());
  EXPECT_EQ(cli.Run({"status", "--json"}), 0);
  google::protobuf::Struct doc = ParseJsonAs<google::protobuf::Struct>(cli.out());
  EXPECT_TRUE(doc.fields().at("pause").struct_value().fields().at("paused").bool_value());
  EXPECT_EQ(doc.fields().at("identity").struct_value().fields().at("role").string_value(),
            "admin");
  const auto& policy = doc.fields().at("policy").struct_value().fields();
  EXPECT_EQ(policy.at("rules").number_value(), 12);
  EXPECT_EQ(policy.at("files").list_value().values_size(), 0);  // summary only
}

TEST(StatusTest, FailsIfAnyCallFails) {
  CliRunner cli;
  FakeStatus(cli.fake());
  cli.fake().who_am_i = [](const v1::WhoAmIRequest&) -> absl::StatusOr<v1::WhoAmIResponse> {
    return absl::UnauthenticatedError("missing bearer token");
  };
  EXPECT_EQ(cli.Run({"status"}), 3);
  EXPECT_EQ(cli.err(), "riposte: UNAUTHENTICATED: missing bearer token\n");
}

// --- audit -------------------------------------------------------------------

v1::AuditEntry Entry(int64_t seq, const std::string& event) {
  v1::AuditEntry e;
  e.set_seq(seq);
  SetTimestamp(kTestNow, e.mutable_time());
  e.set_actor("operator:alice");
  e.set_event(event);
  e.set_subject("run:12");
  e.set_details(R"({"reason":"ok"})");
  return e;
}

TEST(AuditTest, Tail) {
  CliRunner cli;
  cli.fake().audit_entries = {Entry(41, "run.approved"), Entry(42, "run.queued")};
  cli.fake().audit_entries[1].clear_subject();
  EXPECT_EQ(cli.Run({"audit", "tail", "--after", "40", "--follow"}), 0);
  EXPECT_EQ(cli.fake().stream_audit_requests[0].after_seq(), 40);
  EXPECT_TRUE(cli.fake().stream_audit_requests[0].follow());
  EXPECT_EQ(cli.out(),
            "41      2026-11-17 12:00:00 UTC  operator:alice        run.approved            "
            "run:12  {\"reason\":\"ok\"}\n"
            "42      2026-11-17 12:00:00 UTC  operator:alice        run.queued              "
            "-  {\"reason\":\"ok\"}\n");
  EXPECT_EQ(cli.Run({"audit", "tail", "--json"}), 0);
  std::vector<std::string> lines = absl::StrSplit(cli.out(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseJsonAs<v1::AuditEntry>(lines[1]).seq(), 42);
  EXPECT_FALSE(cli.fake().stream_audit_requests[1].follow());
}

TEST(AuditTest, TailErrorAfterSomeRecords) {
  CliRunner cli;
  cli.fake().audit_entries = {Entry(1, "server.started")};
  cli.fake().stream_audit_status = absl::UnavailableError("server shutting down");
  EXPECT_EQ(cli.Run({"audit", "tail", "--follow"}), 4);
  EXPECT_THAT(cli.out(), HasSubstr("server.started"));
}

TEST(AuditTest, VerifyExitCodes) {
  CliRunner cli;
  v1::VerifyAuditResponse result;
  result.set_ok(true);
  result.set_records(120);
  result.set_head_seq(120);
  result.set_head_hash("9f86d081");
  cli.fake().verify_audit = [&](const v1::VerifyAuditRequest&) { return result; };
  EXPECT_EQ(cli.Run({"audit", "verify"}), 0);
  EXPECT_EQ(cli.out(), "The audit chain is intact: 120 records, head 120 9f86d081.\n");
  result.set_ok(false);
  result.set_first_broken_seq(57);
  result.set_reason("hash mismatch");
  EXPECT_EQ(cli.Run({"audit", "verify"}), 5);
  EXPECT_EQ(cli.out(),
            "The audit chain is BROKEN at record 57: hash mismatch (120 records, head 120).\n");
  EXPECT_THAT(cli.err(), IsEmpty());
  EXPECT_EQ(cli.Run({"audit", "verify", "--json"}), 5);
  EXPECT_EQ(ParseJsonAs<v1::VerifyAuditResponse>(cli.out()).first_broken_seq(), 57);
}

// The entries riposted would stream for `chain`.
std::vector<v1::AuditEntry> EntriesOf(const std::vector<audit::AuditRecord>& chain) {
  std::vector<v1::AuditEntry> entries;
  for (const audit::AuditRecord& r : chain) {
    v1::AuditEntry e;
    e.set_seq(r.seq);
    SetTimestamp(r.time, e.mutable_time());
    e.set_actor(r.event.actor);
    e.set_event(r.event.event);
    e.set_subject(r.event.subject);
    e.set_details(r.event.details);
    e.set_policy_version(r.event.policy_version);
    e.set_prev_hash(r.prev_hash);
    e.set_hash(r.hash);
    entries.push_back(e);
  }
  return entries;
}

TEST(AuditTest, VerifyAgainstCheckpointsChecksTheStreamedChainHere) {
  CliRunner cli;
  const audit::testing::TestKeyPair keys = audit::testing::GenerateEd25519KeyPair();
  auto signer = audit::CheckpointSigner::Create(keys.private_pem, "riposte/contoso");
  ASSERT_TRUE(signer.ok());
  const std::vector<audit::AuditRecord> chain = audit::testing::MakeTestChain(5);
  auto note = (*signer)->Sign({"riposte/contoso", 5, chain[4].hash});
  ASSERT_TRUE(note.ok());
  const std::string cp = WriteFile(cli, "audit.checkpoints", absl::StrCat(*note, "\n"));
  const std::string pub = WriteFile(cli, "audit.pub", keys.public_pem);

  cli.fake().audit_entries = EntriesOf(chain);
  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp, "--public-key", pub}), 0)
      << cli.err();
  EXPECT_THAT(cli.out(), HasSubstr("intact: 5 records"));
  EXPECT_THAT(cli.out(), HasSubstr("matches all 1 checkpoints"));
  EXPECT_THAT(cli.fake().calls, ::testing::Not(::testing::Contains("VerifyAudit")));
  EXPECT_FALSE(cli.fake().stream_audit_requests.back().follow());

  // The last two records gone: a valid chain, but shorter than the checkpoint.
  cli.fake().audit_entries.resize(3);
  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp, "--public-key", pub}), 5);
  EXPECT_THAT(cli.out(), HasSubstr("does NOT MATCH"));
  EXPECT_THAT(cli.out(), HasSubstr("checkpoint 1 (line 1: count 5"));
  EXPECT_EQ(cli.Run({"audit", "verify", "--json", "--checkpoint", cp,
                     "--public-key", pub}),
            5);
  EXPECT_THAT(cli.out(), HasSubstr("\"failing_checkpoint\":\"checkpoint 1 (line 1"));

  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--checkpoint and --public-key go together"));
}

TEST(AuditTest, VerifyFromTheLastArchivedSegment) {
  CliRunner cli;
  const audit::testing::TestKeyPair keys = audit::testing::GenerateEd25519KeyPair();
  auto signer = audit::CheckpointSigner::Create(keys.private_pem, "riposte/contoso");
  ASSERT_TRUE(signer.ok());
  const std::vector<audit::AuditRecord> chain = audit::testing::MakeTestChain(8);
  // Records 1-4 archived; 5-8 still stored; checkpoints at 2 (archived) and 8.
  auto at4 = (*signer)->Sign({"riposte/contoso", 4, chain[3].hash});
  auto at2 = (*signer)->Sign({"riposte/contoso", 2, chain[1].hash});
  auto at8 = (*signer)->Sign({"riposte/contoso", 8, chain[7].hash});
  ASSERT_TRUE(at4.ok() && at2.ok() && at8.ok());
  const std::string seg = WriteFile(
      cli, "audit-1-4.jsonl",
      audit::SegmentText({chain.begin(), chain.begin() + 4}, *at4));
  const std::string cp =
      WriteFile(cli, "audit.checkpoints", absl::StrCat(*at2, "\n", *at8, "\n"));
  const std::string pub = WriteFile(cli, "audit.pub", keys.public_pem);
  cli.fake().audit_entries = EntriesOf({chain.begin() + 4, chain.end()});
  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp, "--public-key", pub,
                     "--from-segment", seg}),
            0)
      << cli.out() << cli.err();
  EXPECT_EQ(cli.fake().stream_audit_requests.back().after_seq(), 4);
  // Without the segment the stored chain does not start at record 1.
  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp, "--public-key", pub}),
            5);
  // A tampered segment is refused before anything is streamed.
  std::string text = audit::SegmentText({chain.begin(), chain.begin() + 4}, *at4);
  text.insert(text.find("\"actor\":\"") + 9, "x");
  const std::string bad = WriteFile(cli, "bad.jsonl", text);
  EXPECT_EQ(cli.Run({"audit", "verify", "--checkpoint", cp, "--public-key", pub,
                     "--from-segment", bad}),
            5);
  EXPECT_THAT(cli.out(), HasSubstr("does not verify"));
  EXPECT_EQ(cli.Run({"audit", "verify", "--from-segment", seg}), 2);
}

TEST(AuditTest, ExportToStdoutAndFile) {
  CliRunner cli;
  v1::AuditExportChunk a, b;
  a.set_jsonl("{\"seq\":\"1\"}\n{\"seq\":\"2\"}\n");
  b.set_jsonl("{\"seq\":\"3\"}\n");
  cli.fake().export_chunks = {a, b};
  EXPECT_EQ(cli.Run({"audit", "export", "--after", "0"}), 0);
  EXPECT_EQ(cli.out(), "{\"seq\":\"1\"}\n{\"seq\":\"2\"}\n{\"seq\":\"3\"}\n");
  const std::string path = cli.dir().File("audit.jsonl");
  EXPECT_EQ(cli.Run({"audit", "export", "-o", path}), 0);
  EXPECT_THAT(cli.out(), IsEmpty());
  EXPECT_EQ(cli.err(), absl::StrCat("Exported 3 audit records to ", path, ".\n"));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"seq\":\"1\"}\n{\"seq\":\"2\"}\n{\"seq\":\"3\"}\n");
}

TEST(OcsfTest, ExportPassesItsWindowAndWritesTheEvents) {
  CliRunner cli;
  v1::OcsfExportChunk a;
  a.set_jsonl("{\"class_uid\":2004}\n{\"class_uid\":3001}\n");
  cli.fake().ocsf_chunks = {a};
  EXPECT_EQ(cli.Run({"ocsf", "export", "--since", "2026-11-16T09:00:00Z",
                     "--after", "7"}),
            0);
  EXPECT_EQ(cli.out(), "{\"class_uid\":2004}\n{\"class_uid\":3001}\n");
  ASSERT_EQ(cli.fake().export_ocsf_requests.size(), 1u);
  const v1::ExportOcsfRequest& sent = cli.fake().export_ocsf_requests[0];
  EXPECT_EQ(sent.after_seq(), 7);
  EXPECT_EQ(sent.since().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(
                absl::CivilSecond(2026, 11, 16, 9, 0, 0), absl::UTCTimeZone())));
  const std::string path = cli.dir().File("ocsf.jsonl");
  EXPECT_EQ(cli.Run({"ocsf", "export", "-o", path}), 0);
  EXPECT_EQ(cli.err(), absl::StrCat("Exported 2 OCSF events to ", path, ".\n"));
  EXPECT_FALSE(cli.fake().export_ocsf_requests[1].has_since());
  // A window that is not a time is the caller's mistake, named.
  EXPECT_EQ(cli.Run({"ocsf", "export", "--since", "yesterday"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--since"));
}

TEST(AuditTest, FailedExportLeavesNoFile) {
  CliRunner cli;
  v1::AuditExportChunk a;
  a.set_jsonl("{\"seq\":\"1\"}\n");
  cli.fake().export_chunks = {a};
  cli.fake().export_audit_status = absl::UnavailableError("connection reset");
  const std::string path = cli.dir().File("partial.jsonl");
  EXPECT_EQ(cli.Run({"audit", "export", "-o", path}), 4);
  struct stat st;
  EXPECT_NE(stat(path.c_str(), &st), 0);
  EXPECT_EQ(cli.Run({"audit", "export", "-o", "/nonexistent/dir/x.jsonl"}), 2);
}

TEST(WhoAmITest, TextAndJson) {
  CliRunner cli;
  cli.fake().who_am_i = [](const v1::WhoAmIRequest&) {
    v1::WhoAmIResponse r;
    r.set_identity("spiffe://contoso/ops/alice");
    r.set_role("operator");
    return r;
  };
  EXPECT_EQ(cli.Run({"whoami"}), 0);
  EXPECT_EQ(cli.out(), "spiffe://contoso/ops/alice (operator)\n");
  EXPECT_EQ(cli.Run({"whoami", "--json"}), 0);
  EXPECT_EQ(ParseJsonAs<v1::WhoAmIResponse>(cli.out()).role(), "operator");
}

}  // namespace
}  // namespace riposte::cli
