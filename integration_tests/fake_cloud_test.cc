// Exercises the fake cloud (integration_tests/fakes/fake_cloud.py) over
// HTTP, so that tests of riposted can trust it to behave like Entra ID,
// Microsoft Graph and a Mimecast-style gateway: tokens and their expiry,
// users, mail search/move/attachments with Graph's id rules, gateway holds
// and remediations with failures under HTTP 200, fault injection, and a
// request log that never holds credentials.

#include "integration_tests/testing/fake_cloud.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kAlice[] = "alice@contoso.com";
constexpr char kPhish[] = "<CAF+phish.1@mail.evil.example>";

TEST(JsonFieldTest, FirstMemberAtAnyDepthInDocumentOrder) {
  const std::string json =
      R"({"a": {"id": "x\u00e9\"q"}, "list": [{"id": 7}, {"id": [1, 2]}],)"
      R"( "id": null, "n": -1.50e3, "t": true, "o": {"k": {}}})";
  EXPECT_EQ(JsonField(json, "id"), "x\xC3\xA9\"q");  // unescaped
  EXPECT_THAT(JsonFields(json, "id"),
              ::testing::ElementsAre("x\xC3\xA9\"q", "7", "[1, 2]", "null"));
  EXPECT_EQ(JsonField(json, "n"), "-1.50e3");  // as written
  EXPECT_EQ(JsonField(json, "t"), "true");
  EXPECT_EQ(JsonField(json, "o"), R"({"k": {}})");  // raw JSON text
  EXPECT_EQ(JsonField(json, "missing"), "");
  // A key inside a string value is not a member.
  EXPECT_EQ(JsonField(R"({"s": "{\"id\": 1}"})", "id"), "");
}

TEST(JsonFieldTest, JsonLinesAndNonJson) {
  EXPECT_THAT(JsonFields("{\"runId\": \"1\"}\n\n{\"runId\": \"2\"}\n", "runId"),
              ::testing::ElementsAre("1", "2"));
  EXPECT_EQ(JsonField("not json: {\"id\": 1}", "id"), "");
  EXPECT_TRUE(JsonFields("{\"id\": 1", "id").empty());
}

// Polls `condition` until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pace = absl::Milliseconds(5);
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(pace);
    pace = std::min(pace * 2, absl::Milliseconds(200));
  }
  return true;
}

class FakeCloudTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = cloud->release();
  }
  static void TearDownTestSuite() {
    delete cloud_;
    cloud_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(cloud_, nullptr);
    ASSERT_EQ(cloud_->Reset().status, 200);
    ASSERT_EQ(cloud_->AddUser(kAlice).status, 201);
    auto token = cloud_->GraphToken();
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
  }

  void TearDown() override {
    EXPECT_TRUE(cloud_->Running()) << cloud_->Stderr();
  }

  // A Graph call with this test's token.
  HttpReply Graph(const std::string& method, const std::string& path,
                  const std::string& json = "", HeaderList headers = {}) {
    headers.push_back({"Authorization", "Bearer " + token_});
    if (!json.empty()) headers.push_back({"Content-Type", "application/json"});
    return cloud_->Send(method, "/graph/v1.0" + path, headers, json);
  }

  std::string AddPhish(const std::string& mailbox,
                       const std::string& folder = "inbox") {
    HttpReply r = cloud_->AddMessage(absl::StrCat(
        R"({"mailbox":)", JsonQuote(mailbox), R"(,"internetMessageId":)",
        JsonQuote(kPhish), R"(,"subject":"Credit Transfer","folder":)",
        JsonQuote(folder),
        R"(,"attachments":[{"name":"Credit Transfer Copy.html",)"
        R"("contentType":"text/html","content_base64":"PGh0bWw+cGhpc2g8L2h0bWw+"}]})"));
    EXPECT_EQ(r.status, 201) << r.body;
    return JsonField(r.body, "id");
  }

  std::string SearchPath(const std::string& mailbox,
                         const std::string& internet_message_id) {
    return absl::StrCat("/users/", UrlEncode(mailbox), "/messages?$filter=",
                        UrlEncode(absl::StrCat("internetMessageId eq '",
                                               internet_message_id, "'")));
  }

  static FakeCloud* cloud_;
  std::string token_;
};

FakeCloud* FakeCloudTest::cloud_ = nullptr;

TEST_F(FakeCloudTest, IssuesTokensAndRejectsBadCredentials) {
  const std::string path = "/login/contoso-tenant-id/oauth2/v2.0/token";
  const HeaderList form = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  HttpReply ok = cloud_->Send(
      "POST", path, form,
      "client_id=riposte-app&client_secret=fake-graph-secret&scope=https%3A%2F"
      "%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(JsonField(ok.body, "token_type"), "Bearer");
  EXPECT_EQ(JsonField(ok.body, "expires_in"), "3599");
  EXPECT_EQ(JsonField(ok.body, "ext_expires_in"), "3599");
  EXPECT_FALSE(JsonField(ok.body, "access_token").empty());

  HttpReply bad_secret = cloud_->Send(
      "POST", path, form,
      "client_id=riposte-app&client_secret=nope&scope=https%3A%2F%2Fgraph."
      "microsoft.com%2F.default&grant_type=client_credentials");
  EXPECT_EQ(bad_secret.status, 401);
  EXPECT_EQ(JsonField(bad_secret.body, "error"), "invalid_client");
  EXPECT_THAT(JsonField(bad_secret.body, "error_description"),
              HasSubstr("AADSTS7000215"));

  HttpReply no_secret = cloud_->Send(
      "POST", path, form,
      "client_id=riposte-app&scope=https%3A%2F%2Fgraph.microsoft.com%2F."
      "default&grant_type=client_credentials");
  EXPECT_EQ(no_secret.status, 401);
  EXPECT_EQ(JsonField(no_secret.body, "error"), "invalid_client");

  HttpReply bad_scope = cloud_->Send(
      "POST", path, form,
      "client_id=riposte-app&client_secret=fake-graph-secret&scope=User.Read"
      "&grant_type=client_credentials");
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_EQ(JsonField(bad_scope.body, "error"), "invalid_scope");

  HttpReply bad_grant = cloud_->Send(
      "POST", path, form,
      "client_id=riposte-app&client_secret=fake-graph-secret&scope=https%3A"
      "%2F%2Fgraph.microsoft.com%2F.default&grant_type=password");
  EXPECT_EQ(bad_grant.status, 400);
  EXPECT_EQ(JsonField(bad_grant.body, "error"), "unsupported_grant_type");

  HttpReply no_grant = cloud_->Send("POST", path, form, "client_id=x");
  EXPECT_EQ(no_grant.status, 400);
  EXPECT_EQ(JsonField(no_grant.body, "error"), "invalid_request");

  EXPECT_EQ(cloud_->GraphToken("other-tenant").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(cloud_->Post("/_fake/apps", R"({"service":"login",)"
                                        R"("tenant":"fabrikam","client_id":)"
                                        R"("app2","client_secret":"s2"})")
                .status,
            201);
  EXPECT_TRUE(cloud_->GraphToken("fabrikam", "app2", "s2").ok());
}

TEST_F(FakeCloudTest, GraphRejectsMissingWrongAndExpiredTokens) {
  HttpReply none = cloud_->Get("/graph/v1.0/users/" + UrlEncode(kAlice));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(JsonField(none.body, "code"), "InvalidAuthenticationToken");
  EXPECT_FALSE(none.Header("request-id").empty());
  EXPECT_THAT(none.Header("www-authenticate"), HasSubstr("Bearer"));

  auto gateway_token = cloud_->GatewayToken();
  ASSERT_TRUE(gateway_token.ok()) << gateway_token.status();
  HttpReply wrong = cloud_->Send(
      "GET", "/graph/v1.0/users/" + UrlEncode(kAlice),
      {{"Authorization", "Bearer " + *gateway_token}});
  EXPECT_EQ(wrong.status, 401);

  EXPECT_EQ(Graph("GET", "/users/" + UrlEncode(kAlice)).status, 200);
  HttpReply expired = cloud_->Post("/_fake/tokens/expire", "{}");
  ASSERT_EQ(expired.status, 200) << expired.body;
  HttpReply after = Graph("GET", "/users/" + UrlEncode(kAlice));
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(JsonField(after.body, "message"),
            "Access token has expired or is not yet valid.");

  // A short lifetime runs out by itself.
  ASSERT_EQ(cloud_->Post("/_fake/token-ttl", R"({"seconds":1})").status, 200);
  auto short_lived = cloud_->GraphToken();
  ASSERT_TRUE(short_lived.ok());
  token_ = *short_lived;
  EXPECT_TRUE(Eventually(
      [&] { return Graph("GET", "/users/" + UrlEncode(kAlice)).status == 401; },
      absl::Seconds(10)));
}

// Entra mints a token for the audience its scope names, and each cloud's
// Graph accepts only its own audience (or Graph's application id).
TEST_F(FakeCloudTest, GraphAcceptsOnlyTokensForItsCloudsAudience) {
  auto token_for = [&](const std::string& scope) {
    HttpReply r = cloud_->Send(
        "POST", absl::StrCat("/login/", kFakeTenant, "/oauth2/v2.0/token"),
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        absl::StrCat("client_id=", kFakeGraphClientId, "&client_secret=",
                     kFakeGraphSecret, "&scope=", UrlEncode(scope),
                     "&grant_type=client_credentials"));
    EXPECT_EQ(r.status, 200) << scope << ": " << r.body;
    return JsonField(r.body, "access_token");
  };
  const std::string global = token_;
  const std::string usgov = token_for("https://graph.microsoft.us/.default");
  const std::string app_id =
      token_for("00000003-0000-0000-c000-000000000000/.default");
  auto get_alice = [&](const std::string& token) {
    return cloud_->Send("GET", "/graph/v1.0/users/" + UrlEncode(kAlice),
                        {{"Authorization", "Bearer " + token}});
  };

  EXPECT_EQ(JsonField(cloud_->Get("/_fake/graph/audience").body, "audience"),
            "https://graph.microsoft.com");
  HttpReply foreign = get_alice(usgov);
  EXPECT_EQ(foreign.status, 401);
  EXPECT_EQ(JsonField(foreign.body, "code"), "InvalidAuthenticationToken");
  EXPECT_EQ(JsonField(foreign.body, "message"),
            "Access token validation failure. Invalid audience.");
  EXPECT_EQ(get_alice(global).status, 200);
  EXPECT_EQ(get_alice(app_id).status, 200);

  HttpReply set = cloud_->Post("/_fake/graph/audience",
                               R"({"audience":"https://graph.microsoft.us"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(get_alice(usgov).status, 200);
  EXPECT_EQ(get_alice(global).status, 401);
  EXPECT_EQ(get_alice(app_id).status, 200);

  // The token request is logged with its scope (not a secret).
  EXPECT_THAT(cloud_->Requests("login").body,
              HasSubstr(R"("scope":"https://graph.microsoft.us/.default")"));

  EXPECT_EQ(cloud_->Post("/_fake/graph/audience",
                         R"({"audience":"https://graph.example"})")
                .status,
            400);
  ASSERT_EQ(cloud_->Reset().status, 200);
  EXPECT_EQ(JsonField(cloud_->Get("/_fake/graph/audience").body, "audience"),
            "https://graph.microsoft.com");
}

TEST_F(FakeCloudTest, UsersPatchGetAndRevoke) {
  const std::string user = "/users/" + UrlEncode("ALICE@Contoso.com");
  HttpReply get = Graph("GET", user, "", {{"client-request-id", "abc-123"}});
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.Header("client-request-id"), "abc-123");
  EXPECT_FALSE(get.Header("request-id").empty());
  // accountEnabled is not among the default properties.
  EXPECT_EQ(JsonField(get.body, "accountEnabled"), "");
  const std::string id = JsonField(get.body, "id");

  HttpReply selected = Graph("GET", user + "?$select=id,accountEnabled");
  EXPECT_EQ(JsonField(selected.body, "accountEnabled"), "true");
  EXPECT_EQ(JsonField(selected.body, "displayName"), "");

  HttpReply no_type = cloud_->Send("PATCH", "/graph/v1.0" + user,
                                   {{"Authorization", "Bearer " + token_}},
                                   R"({"accountEnabled":false})");
  EXPECT_EQ(no_type.status, 400);
  HttpReply not_bool = Graph("PATCH", user, R"({"accountEnabled":"no"})");
  EXPECT_EQ(not_bool.status, 400);
  HttpReply garbage = Graph("PATCH", user, "{not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(JsonField(garbage.body, "code"), "BadRequest");

  HttpReply patch = Graph("PATCH", user, R"({"accountEnabled":false})");
  EXPECT_EQ(patch.status, 204);
  EXPECT_TRUE(patch.body.empty());
  HttpReply by_id = Graph("GET", "/users/" + id + "?$select=accountEnabled");
  EXPECT_EQ(JsonField(by_id.body, "accountEnabled"), "false");

  HttpReply revoke = Graph("POST", user + "/revokeSignInSessions", "{}");
  EXPECT_EQ(revoke.status, 200);
  EXPECT_EQ(JsonField(revoke.body, "value"), "true");

  HttpReply state = cloud_->User(kAlice);
  EXPECT_EQ(JsonField(state.body, "accountEnabled"), "false");
  EXPECT_EQ(JsonField(state.body, "sessionsRevokedCount"), "1");

  HttpReply unknown = Graph("GET", "/users/nobody%40contoso.com");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(JsonField(unknown.body, "code"), "Request_ResourceNotFound");

  // A POST without Content-Length meets HTTP.sys's 411, as at Graph.
  HttpCall bare;
  bare.method = "POST";
  bare.target = "/graph/v1.0" + user + "/revokeSignInSessions";
  bare.headers = {{"Authorization", "Bearer " + token_}};
  bare.send_content_length = false;
  EXPECT_EQ(HttpExchange(cloud_->port(), bare).status, 411);
}

TEST_F(FakeCloudTest, FindsEveryCopyByInternetMessageIdAndPages) {
  ASSERT_EQ(cloud_->AddUser("bob@contoso.com").status, 201);
  for (int i = 0; i < 12; ++i) AddPhish(kAlice);
  AddPhish("bob@contoso.com");
  ASSERT_EQ(cloud_->AddMessage(R"({"mailbox":"alice@contoso.com",)"
                               R"("internetMessageId":"<o'brien@x.example>",)"
                               R"("subject":"other"})")
                .status,
            201);

  HttpReply first =
      Graph("GET", SearchPath(kAlice, kPhish) + "&$select=id,subject");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_THAT(JsonFields(first.body, "id"), SizeIs(10));
  EXPECT_EQ(JsonField(first.body, "parentFolderId"), "");  // not selected
  const std::string next = JsonField(first.body, "@odata.nextLink");
  ASSERT_THAT(next, HasSubstr("%24skip=10"));
  HttpReply second = cloud_->Send(
      "GET", next.substr(cloud_->base_url().size()),
      {{"Authorization", "Bearer " + token_}});
  EXPECT_THAT(JsonFields(second.body, "id"), SizeIs(2));
  EXPECT_EQ(JsonField(second.body, "@odata.nextLink"), "");

  // Quotes inside the literal are doubled.
  HttpReply quoted = Graph("GET", SearchPath(kAlice, "<o''brien@x.example>"));
  EXPECT_THAT(JsonFields(quoted.body, "internetMessageId"), SizeIs(1));
  // An unescaped '+' is a space to OData: nothing matches.
  HttpReply plus = Graph(
      "GET", "/users/" + UrlEncode(kAlice) +
                 "/messages?$filter=internetMessageId%20eq%20'%3CCAF+phish.1"
                 "%40mail.evil.example%3E'");
  EXPECT_EQ(plus.status, 200);
  EXPECT_THAT(JsonFields(plus.body, "id"), SizeIs(0));
  HttpReply bad = Graph("GET", "/users/" + UrlEncode(kAlice) +
                                   "/messages?$filter=" +
                                   UrlEncode("internetMessageId eq 'x"));
  EXPECT_EQ(bad.status, 400);
}

TEST_F(FakeCloudTest, MoveChangesTheIdUnlessImmutableIdsAreAsked) {
  const std::string id = AddPhish(kAlice);
  const std::string base = "/users/" + UrlEncode(kAlice) + "/messages/";
  HttpReply junk = Graph("GET", "/users/" + UrlEncode(kAlice) +
                                    "/mailFolders/junkemail");
  ASSERT_EQ(junk.status, 200) << junk.body;
  const std::string junk_id = JsonField(junk.body, "id");

  HttpReply moved = Graph("POST", base + UrlEncode(id) + "/move",
                          R"({"destinationId":"junkemail"})");
  ASSERT_EQ(moved.status, 201) << moved.body;
  const std::string new_id = JsonField(moved.body, "id");
  EXPECT_NE(new_id, id);
  EXPECT_EQ(JsonField(moved.body, "parentFolderId"), junk_id);
  EXPECT_EQ(moved.Header("preference-applied"), "");
  HttpReply old = Graph("GET", base + UrlEncode(id));
  EXPECT_EQ(old.status, 404);
  EXPECT_EQ(JsonField(old.body, "code"), "ErrorItemNotFound");
  EXPECT_EQ(Graph("GET", base + UrlEncode(new_id)).status, 200);
  EXPECT_EQ(JsonField(cloud_->Mailbox(kAlice).body, "folder"), "junkemail");
  EXPECT_EQ(Graph("GET", base + "not-an-id").status, 400);

  // With Prefer: IdType="ImmutableId" the id survives moves.
  const HeaderList prefer = {{"Prefer", "IdType=\"ImmutableId\""}};
  HttpReply immutable = Graph("GET", base + UrlEncode(new_id), "", prefer);
  ASSERT_EQ(immutable.status, 200);
  EXPECT_EQ(immutable.Header("preference-applied"), "IdType=\"ImmutableId\"");
  const std::string immutable_id = JsonField(immutable.body, "id");
  EXPECT_NE(immutable_id, new_id);
  HttpReply back = Graph("POST", base + UrlEncode(immutable_id) + "/move",
                         R"({"destinationId":"inbox"})", prefer);
  ASSERT_EQ(back.status, 201) << back.body;
  EXPECT_EQ(JsonField(back.body, "id"), immutable_id);
  EXPECT_EQ(Graph("GET", base + UrlEncode(immutable_id)).status, 200);
  // The REST id still changed underneath.
  EXPECT_EQ(Graph("GET", base + UrlEncode(new_id)).status, 404);
  EXPECT_EQ(JsonField(cloud_->Mailbox(kAlice).body, "folder"), "inbox");
}

TEST_F(FakeCloudTest, CreatesFoldersOnceAndFindsThemByName) {
  const std::string folders = "/users/" + UrlEncode(kAlice) + "/mailFolders";
  HttpReply created =
      Graph("POST", folders, R"({"displayName":"Riposte Quarantine"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string folder_id = JsonField(created.body, "id");
  HttpReply again =
      Graph("POST", folders, R"({"displayName":"riposte quarantine"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(JsonField(again.body, "code"), "ErrorFolderExists");

  HttpReply found = Graph(
      "GET", folders + "?$filter=" +
                 UrlEncode("displayName eq 'Riposte Quarantine'"));
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(JsonFields(found.body, "id"),
            std::vector<std::string>{folder_id});
  HttpReply inbox = Graph("GET", folders + "/Inbox");
  EXPECT_EQ(JsonField(inbox.body, "displayName"), "Inbox");
  EXPECT_EQ(Graph("GET", folders + "/nosuchfolder").status, 400);

  const std::string id = AddPhish(kAlice);
  HttpReply moved = Graph("POST", "/users/" + UrlEncode(kAlice) +
                                      "/messages/" + UrlEncode(id) + "/move",
                          "{\"destinationId\":" + JsonQuote(folder_id) + "}");
  EXPECT_EQ(moved.status, 201);
  EXPECT_EQ(JsonField(cloud_->Mailbox(kAlice).body, "folder"),
            "Riposte Quarantine");
}

TEST_F(FakeCloudTest, ListsGetsAndDeletesAttachments) {
  const std::string id = AddPhish(kAlice);
  const std::string attachments =
      "/users/" + UrlEncode(kAlice) + "/messages/" + UrlEncode(id) +
      "/attachments";
  HttpReply list = Graph("GET", attachments);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(JsonField(list.body, "name"), "Credit Transfer Copy.html");
  EXPECT_EQ(JsonField(list.body, "@odata.type"),
            "#microsoft.graph.fileAttachment");
  // As documented, a listing carries the bytes of files up to 3 MB.
  EXPECT_EQ(JsonField(list.body, "contentBytes"), "PGh0bWw+cGhpc2g8L2h0bWw+");
  EXPECT_EQ(JsonField(list.body, "isInline"), "false");
  EXPECT_EQ(JsonField(list.body, "contentId"), "null");
  const std::string attachment_id = JsonField(list.body, "id");
  HttpReply raw =
      Graph("GET", attachments + "/" + UrlEncode(attachment_id) + "/$value");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.body, "<html>phish</html>");
  EXPECT_EQ(raw.Header("Content-Type"), "text/html");

  HttpReply one = Graph("GET", attachments + "/" + UrlEncode(attachment_id));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(JsonField(one.body, "contentBytes"), "PGh0bWw+cGhpc2g8L2h0bWw+");
  EXPECT_EQ(JsonField(one.body, "size"), "18");

  EXPECT_EQ(Graph("DELETE", attachments + "/" + UrlEncode(attachment_id))
                .status,
            204);
  HttpReply repeat =
      Graph("DELETE", attachments + "/" + UrlEncode(attachment_id));
  EXPECT_EQ(repeat.status, 404);
  EXPECT_EQ(JsonField(repeat.body, "code"), "ErrorItemNotFound");
  EXPECT_THAT(JsonFields(Graph("GET", attachments).body, "id"), SizeIs(0));
  HttpReply mailbox = cloud_->Mailbox(kAlice);
  EXPECT_THAT(JsonField(mailbox.body, "removedAttachments"),
              HasSubstr("Credit Transfer Copy.html"));
}

TEST_F(FakeCloudTest, AttachmentsOfEveryKindAsGraphDocumentsThem) {
  const std::string id = AddPhish(kAlice);
  const std::string attachments =
      "/users/" + UrlEncode(kAlice) + "/messages/" + UrlEncode(id) +
      "/attachments";
  HttpReply item = Graph(
      "POST", attachments,
      R"({"@odata.type":"#microsoft.graph.itemAttachment","name":"Fwd: invoice",)"
      R"("item":{"@odata.type":"microsoft.graph.message","subject":"invoice",)"
      R"("body":{"contentType":"text","content":"see link"}}})");
  ASSERT_EQ(item.status, 201) << item.body;
  EXPECT_EQ(JsonField(item.body, "@odata.type"),
            "#microsoft.graph.itemAttachment");
  EXPECT_EQ(JsonField(item.body, "contentType"), "null");
  EXPECT_EQ(JsonField(item.body, "contentBytes"), "");
  HttpReply link = Graph(
      "POST", attachments,
      R"({"@odata.type":"#microsoft.graph.referenceAttachment",)"
      R"("name":"Statement.docx","sourceUrl":"https://contoso-my.sharepoint.com/x"})");
  ASSERT_EQ(link.status, 201) << link.body;
  HttpReply image = Graph(
      "POST", attachments,
      R"({"@odata.type":"#microsoft.graph.fileAttachment","name":"image001.png",)"
      R"("contentType":"image/png","isInline":true,"contentId":"img1@x",)"
      R"("contentBytes":"UE5HREFUQQ=="})");
  ASSERT_EQ(image.status, 201) << image.body;
  EXPECT_EQ(JsonField(image.body, "contentId"), "img1@x");
  EXPECT_EQ(JsonField(image.body, "isInline"), "true");

  HttpReply list = Graph("GET", attachments);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_THAT(JsonFields(list.body, "@odata.type"),
              ::testing::ElementsAre("#microsoft.graph.fileAttachment",
                                     "#microsoft.graph.itemAttachment",
                                     "#microsoft.graph.referenceAttachment",
                                     "#microsoft.graph.fileAttachment"));
  // Only the two files carry contentBytes and contentId.
  EXPECT_THAT(JsonFields(list.body, "contentBytes"), SizeIs(2));
  EXPECT_THAT(JsonFields(list.body, "contentId"), SizeIs(2));

  const std::string item_path =
      attachments + "/" + UrlEncode(JsonField(item.body, "id"));
  HttpReply mime = Graph("GET", item_path + "/$value");
  ASSERT_EQ(mime.status, 200);
  EXPECT_THAT(mime.body, HasSubstr("Subject: invoice"));
  const std::string link_path =
      attachments + "/" + UrlEncode(JsonField(link.body, "id"));
  EXPECT_EQ(Graph("GET", link_path + "/$value").status, 405);
  EXPECT_EQ(Graph("DELETE", link_path).status, 204);
  HttpReply again = Graph("DELETE", link_path);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(JsonField(again.body, "code"), "ErrorItemNotFound");
}

TEST_F(FakeCloudTest, ListingsLeaveOutTheBytesOfFilesOver3MB) {
  const std::string id = AddPhish(kAlice);
  const std::string attachments =
      "/users/" + UrlEncode(kAlice) + "/messages/" + UrlEncode(id) +
      "/attachments";
  // 3 MiB + 3 bytes of "AAAA" after decoding: base64 of 0x00 bytes.
  const std::string zeros((3 << 20) / 3 * 4 + 4, 'A');
  HttpReply big = Graph(
      "POST", attachments,
      absl::StrCat(R"({"@odata.type":"#microsoft.graph.fileAttachment",)",
                   R"("name":"archive.zip","contentBytes":")", zeros, R"("})"));
  ASSERT_EQ(big.status, 201) << big.body.substr(0, 200);
  EXPECT_EQ(JsonField(big.body, "size"), std::to_string((3 << 20) + 3));
  HttpReply list = Graph("GET", attachments);
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(JsonFields(list.body, "contentBytes"), SizeIs(1));  // the small one
  HttpReply raw = Graph(
      "GET", attachments + "/" + UrlEncode(JsonField(big.body, "id")) + "/$value");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.body, std::string((3 << 20) + 3, '\0'));
}

TEST_F(FakeCloudTest, GatewayHoldsReleasesAndRemediates) {
  HttpReply unauthorized = cloud_->Post(
      "/gateway/api/gateway/get-hold-message-list", R"({"data":[]})");
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(cloud_->GatewayToken("riposte-gw", "wrong").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto token = cloud_->GatewayToken();
  ASSERT_TRUE(token.ok()) << token.status();
  auto gateway = [&](const std::string& endpoint, const std::string& json) {
    return cloud_->Send("POST", "/gateway/api/" + endpoint,
                        {{"Authorization", "Bearer " + *token},
                         {"Content-Type", "application/json"}},
                        json);
  };

  ASSERT_EQ(cloud_->AddHeld(R"({"messageId":"<held-1@evil.example>",)"
                            R"("subject":"Invoice","from":"x@evil.example",)"
                            R"("to":["alice@contoso.com"]})")
                .status,
            201);
  HttpReply held = gateway(
      "gateway/get-hold-message-list",
      R"({"data":[{"admin":true,"searchBy":{"fieldName":"messageId",)"
      R"("value":"<held-1@evil.example>"}}]})");
  ASSERT_EQ(held.status, 200) << held.body;
  const std::string hold_id = JsonField(held.body, "id");
  ASSERT_FALSE(hold_id.empty());
  EXPECT_EQ(JsonField(held.body, "subject"), "Invoice");

  const std::string release =
      "{\"data\":[{\"id\":" + JsonQuote(hold_id) + "}]}";
  HttpReply released = gateway("gateway/hold-release", release);
  EXPECT_EQ(released.status, 200);
  EXPECT_EQ(JsonField(released.body, "release"), "true");
  HttpReply twice = gateway("gateway/hold-release", release);
  EXPECT_EQ(twice.status, 200);
  EXPECT_EQ(JsonField(twice.body, "code"), "err_hold_not_found");
  // Released mail is delivered to the recipient's mailbox.
  EXPECT_THAT(JsonFields(Graph("GET", SearchPath(kAlice,
                                                 "<held-1@evil.example>"))
                             .body,
                         "id"),
              SizeIs(1));

  // Threat remediation, as the Mimecast API 2.0 reference documents it: the
  // answer is the incident (id, code, counts), not a "remediationId".
  AddPhish(kAlice);
  const std::string reason = "Riposte quarantine_email " + std::string(kPhish);
  const std::string create = "{\"data\":[{\"reason\":" + JsonQuote(reason) +
                             ",\"searchBy\":\"messageId\",\"hashOrMessageId\":" +
                             JsonQuote(kPhish) + "}]}";
  HttpReply quarantined = gateway("ttp/remediation/create", create);
  ASSERT_EQ(quarantined.status, 200) << quarantined.body;
  EXPECT_EQ(JsonField(quarantined.body, "fail"), "[]");
  const std::string incident = JsonField(quarantined.body, "data");
  const std::string incident_id = JsonField(incident, "id");
  const std::string code = JsonField(incident, "code");
  ASSERT_FALSE(incident_id.empty()) << quarantined.body;
  EXPECT_THAT(code, StartsWith("TR-"));
  EXPECT_EQ(JsonField(incident, "remediationId"), "");
  EXPECT_EQ(JsonField(incident, "successful"), "1");
  EXPECT_EQ(JsonField(incident, "type"), "manual");
  EXPECT_EQ(JsonField(JsonField(incident, "searchCriteria"), "messageId"), kPhish);
  EXPECT_THAT(JsonFields(Graph("GET", SearchPath(kAlice, kPhish)).body, "id"),
              SizeIs(0));
  // Nothing is left to remove: a second create fails under HTTP 200.
  HttpReply twice_created = gateway("ttp/remediation/create", create);
  EXPECT_EQ(twice_created.status, 200);
  EXPECT_EQ(JsonField(twice_created.body, "code"),
            "err_remediation_no_messages_found");
  HttpReply unknown = gateway(
      "ttp/remediation/create",
      R"({"data":[{"reason":"x","searchBy":"messageId","hashOrMessageId":"<never@seen>"}]})");
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(JsonField(unknown.body, "code"), "err_message_not_found");
  EXPECT_EQ(JsonField(JsonField(unknown.body, "fail"), "hashOrMessageId"),
            "<never@seen>");
  HttpReply no_reason = gateway(
      "ttp/remediation/create",
      "{\"data\":[{\"searchBy\":\"messageId\",\"hashOrMessageId\":" +
          JsonQuote(kPhish) + "}]}");
  EXPECT_EQ(JsonField(no_reason.body, "code"), "err_validation_missing");

  // The incident can be read back by id, and found by its reason.
  HttpReply got = gateway("ttp/remediation/get-incident",
                          "{\"data\":[{\"id\":" + JsonQuote(incident_id) + "}]}");
  EXPECT_EQ(JsonField(JsonField(got.body, "data"), "code"), code);
  HttpReply found = gateway(
      "ttp/remediation/find-incidents",
      "{\"data\":[{\"searchBy\":[{\"fieldName\":\"reason\",\"value\":" +
          JsonQuote(reason) + "}]}]}");
  EXPECT_EQ(JsonField(JsonField(found.body, "data"), "id"), incident_id);
  HttpReply none = gateway(
      "ttp/remediation/find-incidents",
      R"({"data":[{"searchBy":[{"fieldName":"reason","value":"nobody"}]}]})");
  EXPECT_EQ(JsonField(none.body, "data"), "[]");
  HttpReply missing = gateway("ttp/remediation/get-incident",
                              R"({"data":[{"id":"eNoNope"}]})");
  EXPECT_EQ(JsonField(missing.body, "code"), "err_remediation_incident_not_found");

  // The API has no restore: only the console restores an incident.
  HttpReply restore = gateway(
      "ttp/remediation/restore",
      "{\"data\":[{\"id\":" + JsonQuote(incident_id) + "}]}");
  EXPECT_EQ(restore.status, 404);
  EXPECT_EQ(cloud_->Post("/_fake/gateway/incidents/" + code + "/restore", "").status,
            200);
  EXPECT_THAT(JsonFields(Graph("GET", SearchPath(kAlice, kPhish)).body, "id"),
              SizeIs(1));
  got = gateway("ttp/remediation/get-incident",
                "{\"data\":[{\"id\":" + JsonQuote(incident_id) + "}]}");
  EXPECT_EQ(JsonField(JsonField(got.body, "data"), "type"), "restored");
  EXPECT_EQ(JsonField(JsonField(got.body, "data"), "restored"), "1");
  EXPECT_EQ(cloud_->Post("/_fake/gateway/incidents/TR-NONE/restore", "").status, 404);

  HttpReply state = cloud_->Gateway();
  EXPECT_THAT(JsonField(state.body, "released"), HasSubstr(hold_id));
  EXPECT_THAT(JsonField(state.body, "incidents"), HasSubstr("restored"));
}

TEST_F(FakeCloudTest, InjectsThrottlingThenServes) {
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","method":"POST",)"
                             R"("path_regex":"/revokeSignInSessions$",)"
                             R"("status":429,"retry_after":"2","count":1})")
                .status,
            201);
  const std::string revoke =
      "/users/" + UrlEncode(kAlice) + "/revokeSignInSessions";
  HttpReply throttled = Graph("POST", revoke, "{}");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.Header("retry-after"), "2");
  EXPECT_EQ(JsonField(throttled.body, "code"), "TooManyRequests");
  EXPECT_FALSE(throttled.Header("request-id").empty());
  EXPECT_EQ(JsonField(cloud_->User(kAlice).body, "sessionsRevokedCount"), "0");
  EXPECT_EQ(Graph("POST", revoke, "{}").status, 200);

  // Every second matching request fails with 503 and an HTTP-date.
  ASSERT_EQ(cloud_->AddFault(R"({"service":"gateway","status":503,)"
                             R"("every":2,"retry_after_date_in":3})")
                .status,
            201);
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    HttpReply r = cloud_->Post("/gateway/oauth/token", "");
    statuses.push_back(r.status);
    if (r.status == 503) {
      EXPECT_THAT(r.Header("retry-after"), HasSubstr("GMT"));
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{400, 503, 400, 503}));

  ASSERT_EQ(cloud_->ClearFaults().status, 200);
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","drop":true})").status,
            201);
  HttpReply dropped = Graph("GET", "/users/" + UrlEncode(kAlice));
  EXPECT_EQ(dropped.status, 0);
  EXPECT_EQ(Graph("GET", "/users/" + UrlEncode(kAlice)).status, 200);

  HttpReply bad = cloud_->AddFault(R"({"status":429,"path_regex":"("})");
  EXPECT_EQ(bad.status, 400);
}

// The response to request `id` in a $batch answer, as JSON text, or "".
std::string SubResponse(const std::string& batch, const std::string& id) {
  absl::StatusOr<JsonValue> answer = JsonValue::Parse(batch);
  if (!answer.ok()) return "";
  for (const JsonValue& response : answer->GetArray("responses")) {
    if (response.GetString("id") == id) {
      return std::string(response.SourceText(batch));
    }
  }
  return "";
}

int SubStatus(const std::string& batch, const std::string& id) {
  const std::string sub = SubResponse(batch, id);
  int status = 0;
  if (!sub.empty() && absl::SimpleAtoi(JsonField(sub, "status"), &status)) {
    return status;
  }
  return 0;
}

TEST_F(FakeCloudTest, BatchServesEachRequestAndAnswersById) {
  const std::string id = AddPhish(kAlice);
  const std::string mailbox = "/users/" + UrlEncode(kAlice);
  const std::string batch = absl::StrCat(
      R"({"requests":[)",
      R"({"id":"1","method":"GET","url":")", mailbox,
      R"(/mailFolders/junkemail?$select=id"},)",
      R"({"id":"2","method":"POST","url":")", mailbox, "/messages/",
      UrlEncode(id), R"(/move","headers":{"Content-Type":"application/json",)",
      R"("Prefer":"IdType=\"ImmutableId\""},"body":{"destinationId":"junkemail"}},)",
      R"({"id":"3","method":"GET","url":"https://graph.microsoft.com/v1.0/users"},)",
      R"({"id":"4","method":"POST","url":")", mailbox,
      R"(/mailFolders","body":{"displayName":"x"}}]})");
  HttpReply reply = Graph("POST", "/$batch", batch);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(SubStatus(reply.body, "1"), 200);
  EXPECT_EQ(SubStatus(reply.body, "2"), 201);
  EXPECT_EQ(JsonField(SubResponse(reply.body, "2"), "Preference-Applied"),
            R"(IdType="ImmutableId")");
  EXPECT_EQ(SubStatus(reply.body, "3"), 400);  // URLs are relative
  EXPECT_EQ(SubStatus(reply.body, "4"), 400);  // a body needs Content-Type
  // Answered in another order than asked: clients match by id.
  EXPECT_LT(reply.body.find(R"({"id":"4")"), reply.body.find(R"({"id":"1")"));
  EXPECT_EQ(JsonField(cloud_->Mailbox(kAlice).body, "moveCount"), "1");
  HttpReply limits = cloud_->GraphLimits();
  EXPECT_EQ(JsonField(limits.body, "batches"), "1");
  EXPECT_EQ(JsonField(limits.body, "batched_requests"), "4");
  // Each request is in the log too, naming its batch.
  HttpReply log = cloud_->Requests("graph");
  EXPECT_THAT(log.body, HasSubstr(R"("path":"/graph/v1.0/$batch")"));
  EXPECT_THAT(log.body, HasSubstr("/move"));
  EXPECT_THAT(log.body, HasSubstr(R"("batch":")"));
}

TEST_F(FakeCloudTest, BatchNeedsATokenAndAtMostTwentyRequests) {
  std::string many = R"({"requests":[)";
  for (int i = 1; i <= 21; ++i) {
    absl::StrAppend(&many, i > 1 ? "," : "", R"({"id":")", i,
                    R"(","method":"GET","url":"/users"})");
  }
  many += "]}";
  EXPECT_EQ(Graph("POST", "/$batch", many).status, 400);
  EXPECT_EQ(Graph("POST", "/$batch", R"({"requests":[]})").status, 400);
  EXPECT_EQ(Graph("POST", "/$batch",
                  R"({"requests":[{"id":"1","method":"GET","url":"/users"},)"
                  R"({"id":"1","method":"GET","url":"/users"}]})")
                .status,
            400);  // ids are unique
  HttpReply anonymous = cloud_->Send(
      "POST", "/graph/v1.0/$batch", {{"Content-Type", "application/json"}},
      R"({"requests":[{"id":"1","method":"GET","url":"/users"}]})");
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(FakeCloudTest, AThrottledRequestInABatchHasItsOwnRetryAfter) {
  const std::string id = AddPhish(kAlice);
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","method":"POST",)"
                             R"("path_regex":"/move$","status":429,)"
                             R"("retry_after":"3"})")
                .status,
            201);
  const std::string mailbox = "/users/" + UrlEncode(kAlice);
  HttpReply reply = Graph(
      "POST", "/$batch",
      absl::StrCat(R"({"requests":[{"id":"a","method":"POST","url":")",
                   mailbox, "/messages/", UrlEncode(id),
                   R"(/move","headers":{"Content-Type":"application/json"},)",
                   R"("body":{"destinationId":"junkemail"}},)",
                   R"({"id":"b","method":"GET","url":")", mailbox,
                   R"(/mailFolders/inbox?$select=id"}]})"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(SubStatus(reply.body, "a"), 429);
  EXPECT_EQ(JsonField(SubResponse(reply.body, "a"), "Retry-After"), "3");
  EXPECT_EQ(JsonField(SubResponse(reply.body, "a"), "code"), "TooManyRequests");
  EXPECT_EQ(SubStatus(reply.body, "b"), 200);
  EXPECT_EQ(JsonField(cloud_->Mailbox(kAlice).body, "moveCount"), "0");
}

TEST_F(FakeCloudTest, EnforcesOutlooksLimitsPerAppAndMailbox) {
  ASSERT_EQ(cloud_->AddUser("bob@contoso.com").status, 201);
  ASSERT_EQ(cloud_->GraphLimits(R"({"enabled":true,"latency_ms":20,)"
                                R"("concurrency_retry_after":2})")
                .status,
            200);
  // Six requests at once into one mailbox: four are served, two are over
  // the MailboxConcurrency limit; another mailbox is not affected.
  std::string batch = R"({"requests":[)";
  for (int i = 1; i <= 6; ++i) {
    absl::StrAppend(&batch, R"({"id":")", i, R"(","method":"GET","url":"/users/)",
                    UrlEncode(kAlice), R"(/mailFolders/inbox?$select=id"},)");
  }
  absl::StrAppend(&batch, R"({"id":"7","method":"GET","url":"/users/)",
                  UrlEncode("bob@contoso.com"),
                  R"(/mailFolders/inbox?$select=id"}]})");
  HttpReply reply = Graph("POST", "/$batch", batch);
  ASSERT_EQ(reply.status, 200) << reply.body;
  int served = 0, throttled = 0;
  for (int i = 1; i <= 6; ++i) {
    const int status = SubStatus(reply.body, absl::StrCat(i));
    if (status == 200) ++served;
    if (status == 429) {
      ++throttled;
      EXPECT_EQ(JsonField(SubResponse(reply.body, absl::StrCat(i)), "Retry-After"), "2");
      EXPECT_THAT(SubResponse(reply.body, absl::StrCat(i)),
                  HasSubstr("MailboxConcurrency"));
    }
  }
  EXPECT_EQ(served, 4);
  EXPECT_EQ(throttled, 2);
  EXPECT_EQ(SubStatus(reply.body, "7"), 200);
  HttpReply limits = cloud_->GraphLimits();
  EXPECT_EQ(JsonField(limits.body, "peak_mailbox_concurrency"), "4");
  EXPECT_EQ(JsonField(limits.body, "throttled_concurrency"), "2");
  EXPECT_EQ(JsonField(limits.body, "in_flight"), "0");

  // The request limit per 10 minutes (3 here), counted per mailbox.
  ASSERT_EQ(cloud_->GraphLimits(R"({"mailbox_requests":3,"latency_ms":0,)"
                                R"("reset_counts":true})")
                .status,
            200);
  const std::string inbox = "/users/" + UrlEncode(kAlice) + "/mailFolders/inbox";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Graph("GET", inbox).status, 200);
  HttpReply over = Graph("GET", inbox);
  EXPECT_EQ(over.status, 429);
  int retry_after = 0;
  EXPECT_TRUE(absl::SimpleAtoi(over.Header("retry-after"), &retry_after));
  EXPECT_GT(retry_after, 500);  // the window is 600 s
  EXPECT_EQ(Graph("GET", "/users/" + UrlEncode("bob@contoso.com") +
                             "/mailFolders/inbox")
                .status,
            200);
  EXPECT_EQ(cloud_->GraphLimits(R"({"mailbox_concurrency":0})").status, 400);
}

TEST_F(FakeCloudTest, RequestLogNeverHoldsCredentials) {
  ASSERT_EQ(cloud_->ClearRequests().status, 200);
  auto token = cloud_->GraphToken();
  ASSERT_TRUE(token.ok());
  token_ = *token;
  Graph("PATCH", "/users/" + UrlEncode(kAlice), R"({"accountEnabled":false})",
        {{"client-request-id", "req-42"},
         {"Prefer", "IdType=\"ImmutableId\""}});
  cloud_->Send("POST", "/webhook/soar",
               {{"Authorization", "Bearer webhook-secret"},
                {"Content-Type", "application/json"}},
               R"({"action":"disable_user"})");

  HttpReply log = cloud_->Requests();
  ASSERT_EQ(log.status, 200);
  EXPECT_THAT(log.body, Not(HasSubstr(token_)));
  EXPECT_THAT(log.body, Not(HasSubstr("fake-graph-secret")));
  EXPECT_THAT(log.body, Not(HasSubstr("webhook-secret")));
  EXPECT_THAT(log.body, HasSubstr("Bearer <redacted>"));

  HttpReply graph = cloud_->Requests("graph");
  EXPECT_EQ(JsonField(graph.body, "method"), "PATCH");
  EXPECT_EQ(JsonField(graph.body, "status"), "204");
  EXPECT_EQ(JsonField(graph.body, "client-request-id"), "req-42");
  EXPECT_EQ(JsonField(graph.body, "prefer"), "IdType=\"ImmutableId\"");
  EXPECT_EQ(JsonField(graph.body, "content-type"), "application/json");
  EXPECT_EQ(JsonField(graph.body, "has_authorization"), "true");
  EXPECT_EQ(JsonField(graph.body, "body"), R"({"accountEnabled":false})");

  HttpReply login = cloud_->Requests("login");
  EXPECT_EQ(JsonField(login.body, "client_id"), "riposte-app");
  EXPECT_EQ(JsonField(login.body, "body"), "");

  HttpReply hook = cloud_->Webhook("soar");
  const std::string received = JsonField(hook.body, "requests");
  EXPECT_EQ(JsonField(received, "body"), R"({"action":"disable_user"})");
  EXPECT_EQ(JsonField(received, "authorization"), "Bearer <redacted>");
  EXPECT_FALSE(JsonField(received, "authorization-sha256").empty());
}

TEST_F(FakeCloudTest, WebhookAnswersWhatItIsTold) {
  ASSERT_EQ(cloud_->Post("/_fake/webhooks/soar",
                         R"({"status":503,"count":1,)"
                         R"("headers":{"Retry-After":"1"}})")
                .status,
            200);
  HttpReply first = cloud_->Post("/webhook/soar", R"({"n":1})");
  EXPECT_EQ(first.status, 503);
  EXPECT_EQ(first.Header("retry-after"), "1");
  EXPECT_EQ(cloud_->Post("/webhook/soar", R"({"n":2})").status, 200);
  EXPECT_THAT(JsonFields(cloud_->Webhook("soar").body, "seq"), SizeIs(2));
}

TEST_F(FakeCloudTest, SurvivesBadInput) {
  EXPECT_EQ(cloud_->Post("/_fake/users", "{oops").status, 400);
  EXPECT_EQ(cloud_->Post("/_fake/users", "[1,2]").status, 400);
  EXPECT_EQ(cloud_->Post("/_fake/messages", R"({"mailbox":5})").status, 400);
  EXPECT_EQ(cloud_->Post("/_fake/faults", R"({"status":"x"})").status, 400);
  EXPECT_EQ(cloud_->Get("/nowhere").status, 404);
  HttpCall huge;
  huge.method = "POST";
  huge.target = "/_fake/users";
  huge.headers = {{"Content-Length", "999999999"}};
  EXPECT_EQ(HttpExchange(cloud_->port(), huge).status, 413);
  auto token = cloud_->GatewayToken();
  ASSERT_TRUE(token.ok()) << token.status();
  HttpReply gateway = cloud_->Send(
      "POST", "/gateway/api/ttp/remediation/create",
      {{"Authorization", "Bearer " + *token}}, "not json");
  EXPECT_EQ(gateway.status, 400);
  EXPECT_EQ(cloud_->Get("/_fake/health").status, 200);
}

TEST_F(FakeCloudTest, ServesConcurrentClientsWithADelay) {
  ASSERT_EQ(cloud_->SetDelay(50).status, 200);
  std::vector<std::thread> threads;
  std::vector<int> statuses(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = Graph("GET", "/users/" + UrlEncode(kAlice)).status;
    });
  }
  for (auto& t : threads) t.join();
  for (int status : statuses) EXPECT_EQ(status, 200);
  EXPECT_EQ(cloud_->SetDelay(0).status, 200);
}

}  // namespace
}  // namespace riposte::integration
