#include "actions/graph/fake_graph.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "actions/common/json_value.h"
#include "common/json.h"

namespace riposte::actions::graph {
namespace {

using common::JsonValue;

std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        absl::ascii_isxdigit(s[i + 1]) && absl::ascii_isxdigit(s[i + 2])) {
      hi = absl::ascii_isdigit(s[i + 1]) ? s[i + 1] - '0'
                                         : absl::ascii_tolower(s[i + 1]) - 'a' + 10;
      lo = absl::ascii_isdigit(s[i + 2]) ? s[i + 2] - '0'
                                         : absl::ascii_tolower(s[i + 2]) - 'a' + 10;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(absl::string_view query,
                                              bool plus_is_space) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    std::string value(kv.second);
    if (plus_is_space) absl::StrReplaceAll({{"+", " "}}, &value);
    out[PercentDecode(kv.first)] = PercentDecode(value);
  }
  return out;
}

http::HttpResponse Json(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = std::move(body);
  return r;
}

http::HttpResponse NoContent() {
  http::HttpResponse r;
  r.status = 204;
  return r;
}

// "<field> eq '<literal>'" -> literal, with '' unescaped. nullopt if the
// filter has another shape or a lone quote inside the literal.
std::optional<std::string> EqLiteral(absl::string_view filter,
                                     absl::string_view field) {
  if (!absl::ConsumePrefix(&filter, absl::StrCat(field, " eq '")) ||
      !absl::ConsumeSuffix(&filter, "'")) {
    return std::nullopt;
  }
  std::string out;
  for (size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] == '\'') {
      if (i + 1 >= filter.size() || filter[i + 1] != '\'') return std::nullopt;
      ++i;
    }
    out.push_back(filter[i]);
  }
  return out;
}

std::string MessageJson(const FakeGraph::Message& m) {
  return JsonObjectWriter()
      .Add("id", m.id)
      .Add("parentFolderId", m.folder_id)
      .Add("subject", m.subject)
      .Add("internetMessageId", m.internet_message_id)
      .Finish();
}

std::string FolderJson(const FakeGraph::Folder& f) {
  return JsonObjectWriter().Add("id", f.id).Add("displayName", f.display_name).Finish();
}

int64_t ReportedSize(const FakeGraph::Attachment& a) {
  return a.size.value_or(static_cast<int64_t>(a.content.size()));
}

// An attachment as Graph renders it: the properties of its kind only
// (contentBytes and contentId are fileAttachment's), restricted to
// `select` when one is given. A listing leaves out the contentBytes of
// files over 3 MB; GET of the attachment itself has them.
std::string AttachmentJson(const FakeGraph::Attachment& a, bool listing,
                           const std::set<std::string>& select) {
  const bool is_file = a.odata_type == FakeGraph::kFileAttachment;
  auto wanted = [&](const char* property) {
    return select.empty() || select.count(property) > 0;
  };
  JsonObjectWriter w;
  w.Add("@odata.type", a.odata_type).Add("id", a.id);
  if (wanted("lastModifiedDateTime")) w.Add("lastModifiedDateTime", "2024-05-01T09:58:00Z");
  if (wanted("name")) w.Add("name", a.name);
  if (wanted("contentType")) {
    if (a.content_type.empty()) {
      w.AddNull("contentType");
    } else {
      w.Add("contentType", a.content_type);
    }
  }
  if (wanted("size")) w.AddInt("size", ReportedSize(a));
  if (wanted("isInline")) w.AddBool("isInline", a.is_inline);
  if (is_file) {
    if (wanted("contentId")) {
      if (a.content_id.empty()) {
        w.AddNull("contentId");
      } else {
        w.Add("contentId", a.content_id);
      }
    }
    if (wanted("contentLocation")) w.AddNull("contentLocation");
    const bool too_big_to_list =
        listing && ReportedSize(a) > FakeGraph::kListedContentLimit;
    if (wanted("contentBytes") && !too_big_to_list) {
      w.Add("contentBytes", absl::Base64Escape(a.content));
    }
  }
  return w.Finish();
}

std::set<std::string> Selected(const std::map<std::string, std::string>& query) {
  std::set<std::string> out;
  auto it = query.find("$select");
  if (it == query.end()) return out;
  for (absl::string_view p : absl::StrSplit(it->second, ',', absl::SkipEmpty())) {
    out.insert(std::string(absl::StripAsciiWhitespace(p)));
  }
  return out;
}

http::HttpResponse Raw(int status, std::string body, const std::string& content_type) {
  http::HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = content_type;
  r.body = std::move(body);
  return r;
}

}  // namespace

http::HttpResponse GraphError(int status, const std::string& code,
                              const std::string& message,
                              const std::string& request_id) {
  return Json(status,
              JsonObjectWriter()
                  .AddRaw("error",
                          JsonObjectWriter()
                              .Add("code", code)
                              .Add("message", message)
                              .AddRaw("innerError",
                                      JsonObjectWriter()
                                          .Add("date", "2024-05-01T10:00:00")
                                          .Add("request-id", request_id)
                                          .Finish())
                              .Finish())
                  .Finish());
}

FakeGraph::FakeGraph() = default;

void FakeGraph::SetClock(std::function<absl::Time()> now) {
  absl::MutexLock lock(&mu_);
  now_ = std::move(now);
}

void FakeGraph::AddMailbox(const std::string& mailbox) {
  absl::MutexLock lock(&mu_);
  Mailbox& box = mailboxes_[mailbox];
  if (box.folders.empty()) {
    box.folders.push_back({"inbox-" + mailbox, "Inbox", "inbox"});
    box.folders.push_back({"junk-" + mailbox, "Junk Email", "junkemail"});
  }
}

void FakeGraph::AddUser(User user) {
  absl::MutexLock lock(&mu_);
  users_.push_back(std::move(user));
}

void FakeGraph::AddFolder(const std::string& mailbox, Folder folder) {
  absl::MutexLock lock(&mu_);
  mailboxes_[mailbox].folders.push_back(std::move(folder));
}

void FakeGraph::AddMessage(const std::string& mailbox, Message message) {
  absl::MutexLock lock(&mu_);
  mailboxes_[mailbox].messages.push_back(std::move(message));
}

std::optional<FakeGraph::User> FakeGraph::GetUser(const std::string& id_or_upn) const {
  absl::MutexLock lock(&mu_);
  for (const User& u : users_) {
    if (u.id == id_or_upn || absl::EqualsIgnoreCase(u.upn, id_or_upn)) return u;
  }
  return std::nullopt;
}

void FakeGraph::SetUserEnabled(const std::string& id_or_upn, bool enabled) {
  absl::MutexLock lock(&mu_);
  if (User* u = FindUserLocked(id_or_upn)) u->enabled = enabled;
}

std::optional<FakeGraph::Message> FakeGraph::GetMessage(const std::string& mailbox,
                                                        const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(mailbox);
  if (it == mailboxes_.end()) return std::nullopt;
  for (const Message& m : it->second.messages) {
    if (m.id == id) return m;
  }
  return std::nullopt;
}

std::vector<FakeGraph::Message> FakeGraph::FindMessages(
    const std::string& mailbox, const std::string& internet_message_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<Message> out;
  auto it = mailboxes_.find(mailbox);
  if (it == mailboxes_.end()) return out;
  for (const Message& m : it->second.messages) {
    if (m.internet_message_id == internet_message_id) out.push_back(m);
  }
  return out;
}

void FakeGraph::MoveMessage(const std::string& mailbox, const std::string& id,
                            const std::string& folder_id) {
  absl::MutexLock lock(&mu_);
  for (Message& m : mailboxes_[mailbox].messages) {
    if (m.id == id) m.folder_id = folder_id;
  }
}

void FakeGraph::DeleteMessage(const std::string& mailbox, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto& messages = mailboxes_[mailbox].messages;
  messages.erase(std::remove_if(messages.begin(), messages.end(),
                                [&](const Message& m) { return m.id == id; }),
                 messages.end());
}

std::optional<FakeGraph::Folder> FakeGraph::FindFolderByName(
    const std::string& mailbox, const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(mailbox);
  if (it == mailboxes_.end()) return std::nullopt;
  for (const Folder& f : it->second.folders) {
    if (f.display_name == name) return f;
  }
  return std::nullopt;
}

void FakeGraph::RevokeIssuedTokens() {
  absl::MutexLock lock(&mu_);
  valid_tokens_.clear();
}

int FakeGraph::token_requests() const {
  absl::MutexLock lock(&mu_);
  return token_requests_;
}

std::vector<std::string> FakeGraph::violations() const {
  absl::MutexLock lock(&mu_);
  return violations_;
}

void FakeGraph::Inject(const std::string& method, const std::string& path_part,
                       http::HttpResponse response, int times) {
  absl::MutexLock lock(&mu_);
  injected_.push_back({method, path_part, std::move(response), times});
}

void FakeGraph::set_change_ids_on_move(bool v) {
  absl::MutexLock lock(&mu_);
  change_ids_on_move_ = v;
}
void FakeGraph::set_page_size(int v) {
  absl::MutexLock lock(&mu_);
  page_size_ = v;
}
void FakeGraph::set_token_expires_in(int seconds) {
  absl::MutexLock lock(&mu_);
  token_expires_in_ = seconds;
}
void FakeGraph::set_conflict_on_folder_create(bool v) {
  absl::MutexLock lock(&mu_);
  conflict_on_folder_create_ = v;
}

FakeGraph::User* FakeGraph::FindUserLocked(const std::string& id_or_upn) {
  for (User& u : users_) {
    if (u.id == id_or_upn || absl::EqualsIgnoreCase(u.upn, id_or_upn)) return &u;
  }
  return nullptr;
}

FakeGraph::Folder* FakeGraph::ResolveFolder(Mailbox& box,
                                            const std::string& id_or_name) {
  for (Folder& f : box.folders) {
    if (f.id == id_or_name ||
        (!f.well_known.empty() && absl::EqualsIgnoreCase(f.well_known, id_or_name))) {
      return &f;
    }
  }
  return nullptr;
}

std::string FakeGraph::NewId(const std::string& prefix) {
  return absl::StrCat(prefix, "-", ++next_id_);
}

absl::StatusOr<http::HttpResponse> FakeGraph::Handle(const http::HttpRequest& request) {
  if (request.method == "POST" &&
      request.url == absl::StrCat(kGraphBase, "/$batch")) {
    return HandleBatch(request);
  }
  absl::MutexLock lock(&mu_);
  absl::string_view url = request.url;
  absl::string_view raw_query;
  if (size_t q = url.find('?'); q != absl::string_view::npos) {
    raw_query = url.substr(q + 1);
    url = url.substr(0, q);
  }

  for (auto it = injected_.begin(); it != injected_.end(); ++it) {
    if (it->method == request.method && absl::StrContains(url, it->path_part)) {
      http::HttpResponse response = it->response;
      if (--it->times <= 0) injected_.erase(it);
      return response;
    }
  }

  if (absl::ConsumePrefix(&url, kLoginBase)) {
    if (url != absl::StrCat("/", kTenant, "/oauth2/v2.0/token") ||
        request.method != "POST") {
      return Json(404, "{}");
    }
    return Token(request);
  }
  if (!absl::ConsumePrefix(&url, kGraphBase)) {
    violations_.push_back(absl::StrCat("request outside Graph: ", request.url));
    return absl::UnavailableError("connection refused");
  }

  // Headers every Graph call must carry.
  auto header = [&](const char* name) -> std::string {
    auto it = request.headers.find(name);
    return it == request.headers.end() ? "" : it->second;
  };
  const std::string auth = header("Authorization");
  const std::string client_request_id = header("client-request-id");
  if (client_request_id.empty()) {
    violations_.push_back("missing client-request-id");
  } else if (!client_request_ids_.insert(client_request_id).second) {
    violations_.push_back("reused client-request-id " + client_request_id);
  }
  if (header("Prefer") != "IdType=\"ImmutableId\"") {
    violations_.push_back("missing Prefer: IdType=\"ImmutableId\"");
  }
  if (header("Accept") != "application/json") {
    violations_.push_back("missing Accept: application/json");
  }
  if (!request.body.empty() && header("Content-Type") != "application/json") {
    violations_.push_back("body without Content-Type: application/json");
  }
  if (!absl::StartsWith(auth, "Bearer ") ||
      valid_tokens_.count(auth.substr(7)) == 0) {
    return GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");
  }

  std::vector<std::string> segments;
  for (absl::string_view s : absl::StrSplit(url, '/', absl::SkipEmpty())) {
    segments.push_back(PercentDecode(s));
  }
  std::map<std::string, std::string> query = ParseQuery(raw_query, false);
  query["__raw"] = std::string(raw_query);
  http::HttpResponse response = Route(request.method, segments, query, request.body);
  response.headers["request-id"] = NewId("rid");
  return response;
}

http::HttpResponse FakeGraph::Token(const http::HttpRequest& request) {
  ++token_requests_;
  std::map<std::string, std::string> form = ParseQuery(request.body, true);
  if (form["grant_type"] != "client_credentials" ||
      form["scope"] != "https://graph.microsoft.com/.default") {
    return Json(400, R"({"error":"invalid_request","error_codes":[900144]})");
  }
  if (form["client_id"] != kClientId || form["client_secret"] != kClientSecret) {
    return Json(401, absl::StrCat(
                         R"({"error":"invalid_client","error_description":"AADSTS7000215: )",
                         R"(Invalid client secret provided for )", form["client_secret"],
                         R"(","error_codes":[7000215]})"));
  }
  const std::string token = NewId("graph-token");
  valid_tokens_.insert(token);
  return Json(200, JsonObjectWriter()
                       .Add("token_type", "Bearer")
                       .AddInt("expires_in", token_expires_in_)
                       .AddInt("ext_expires_in", token_expires_in_)
                       .Add("access_token", token)
                       .Finish());
}

http::HttpResponse FakeGraph::Route(const std::string& method,
                                    const std::vector<std::string>& segments,
                                    const std::map<std::string, std::string>& query,
                                    const std::string& body) {
  if (segments.size() < 2 || segments[0] != "users") {
    return GraphError(400, "BadRequest", "Resource not found for the segment.");
  }
  const std::string& who = segments[1];
  if (segments.size() == 2 || (segments.size() == 3 && segments[2] == "revokeSignInSessions")) {
    User* user = FindUserLocked(who);
    if (user == nullptr) {
      return GraphError(404, "Request_ResourceNotFound",
                        absl::StrCat("Resource '", who, "' does not exist."));
    }
    if (segments.size() == 3) {
      if (method != "POST") return GraphError(405, "MethodNotAllowed", "");
      ++user->revocations;
      user->sessions_valid_from = now_();
      return Json(200, R"({"@odata.context":"https://graph.test/v1.0/$metadata#Edm.Boolean","value":true})");
    }
    if (method == "GET") {
      JsonObjectWriter w;
      w.Add("id", user->id).AddBool("accountEnabled", user->enabled);
      if (user->sessions_valid_from == absl::InfinitePast()) {
        w.AddNull("signInSessionsValidFromDateTime");
      } else {
        w.Add("signInSessionsValidFromDateTime",
              absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", user->sessions_valid_from,
                               absl::UTCTimeZone()));
      }
      return Json(200, w.Finish());
    }
    if (method == "PATCH") {
      absl::StatusOr<JsonValue> patch = JsonValue::Parse(body);
      if (!patch.ok() || !patch->GetBool("accountEnabled").has_value() ||
          patch->member_count() != 1) {
        return GraphError(400, "Request_BadRequest", "Invalid PATCH body.");
      }
      user->enabled = *patch->GetBool("accountEnabled");
      return NoContent();
    }
    return GraphError(405, "MethodNotAllowed", "");
  }
  auto box = mailboxes_.find(who);
  if (box == mailboxes_.end()) {
    return GraphError(404, "ErrorInvalidUser",
                      absl::StrCat("The requested user '", who, "' is invalid."));
  }
  return Mail(method, box->second, who, segments, query, body);
}

http::HttpResponse FakeGraph::ListMessages(
    const std::vector<const Message*>& matches, const std::string& next_base,
    const std::map<std::string, std::string>& query) {
  int skip = 0;
  if (auto it = query.find("$skip"); it != query.end()) {
    (void)absl::SimpleAtoi(it->second, &skip);
  }
  JsonArrayWriter values;
  const int end = std::min<int>(matches.size(), skip + page_size_);
  for (int i = skip; i < end; ++i) values.AddRaw(MessageJson(*matches[i]));
  JsonObjectWriter out;
  out.AddRaw("value", values.Finish());
  if (end < static_cast<int>(matches.size())) {
    std::string raw = query.at("__raw");
    if (size_t p = raw.find("&$skip="); p != std::string::npos) raw.resize(p);
    out.Add("@odata.nextLink",
            absl::StrCat(kGraphBase, next_base, "?", raw, "&$skip=", end));
  }
  return Json(200, out.Finish());
}

http::HttpResponse FakeGraph::Mail(const std::string& method, Mailbox& box,
                                   const std::string& mailbox,
                                   const std::vector<std::string>& segments,
                                   const std::map<std::string, std::string>& query,
                                   const std::string& body) {
  auto q = [&](const char* key) -> std::string {
    auto it = query.find(key);
    return it == query.end() ? "" : it->second;
  };
  const std::string base = "/users/" + mailbox;
  if (segments.size() == 3 && segments[2] == "mailFolders") {
    if (method == "GET") {
      std::optional<std::string> name = EqLiteral(q("$filter"), "displayName");
      if (!name.has_value()) return GraphError(400, "BadRequest", "Invalid filter clause");
      JsonArrayWriter values;
      for (const Folder& f : box.folders) {
        if (f.display_name == *name) values.AddRaw(FolderJson(f));
      }
      return Json(200, JsonObjectWriter().AddRaw("value", values.Finish()).Finish());
    }
    if (method == "POST") {
      absl::StatusOr<JsonValue> request = JsonValue::Parse(body);
      if (!request.ok() || !request->GetString("displayName").has_value()) {
        return GraphError(400, "ErrorInvalidRequest", "displayName is required");
      }
      const std::string name = *request->GetString("displayName");
      if (conflict_on_folder_create_) {
        conflict_on_folder_create_ = false;
        box.folders.push_back({NewId("folder"), name, ""});
      }
      for (const Folder& f : box.folders) {
        if (f.display_name == name) {
          return GraphError(409, "ErrorFolderExists",
                            "A folder with the specified name already exists.");
        }
      }
      box.folders.push_back({NewId("folder"), name, ""});
      return Json(201, FolderJson(box.folders.back()));
    }
  }
  if (segments.size() >= 4 && segments[2] == "mailFolders") {
    Folder* folder = ResolveFolder(box, segments[3]);
    if (folder == nullptr) {
      return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    }
    if (segments.size() == 4 && method == "GET") return Json(200, FolderJson(*folder));
    if (segments.size() == 5 && segments[4] == "messages" && method == "GET") {
      std::optional<std::string> imid = EqLiteral(q("$filter"), "internetMessageId");
      if (!imid.has_value()) return GraphError(400, "BadRequest", "Invalid filter clause");
      std::vector<const Message*> matches;
      for (const Message& m : box.messages) {
        if (m.internet_message_id == *imid && m.folder_id == folder->id) {
          matches.push_back(&m);
        }
      }
      return ListMessages(matches, base + "/mailFolders/" + segments[3] + "/messages",
                          query);
    }
  }
  if (segments.size() == 3 && segments[2] == "messages" && method == "GET") {
    std::optional<std::string> imid = EqLiteral(q("$filter"), "internetMessageId");
    if (!imid.has_value()) return GraphError(400, "BadRequest", "Invalid filter clause");
    std::vector<const Message*> matches;
    for (const Message& m : box.messages) {
      if (m.internet_message_id == *imid) matches.push_back(&m);
    }
    return ListMessages(matches, base + "/messages", query);
  }
  if (segments.size() >= 4 && segments[2] == "messages") {
    auto message = std::find_if(box.messages.begin(), box.messages.end(),
                                [&](const Message& m) { return m.id == segments[3]; });
    if (message == box.messages.end()) {
      return GraphError(404, "ErrorItemNotFound",
                        "The specified object was not found in the store.");
    }
    if (segments.size() == 4 && method == "GET") return Json(200, MessageJson(*message));
    if (segments.size() == 5 && segments[4] == "move" && method == "POST") {
      absl::StatusOr<JsonValue> request = JsonValue::Parse(body);
      if (!request.ok() || !request->GetString("destinationId").has_value()) {
        return GraphError(400, "ErrorInvalidRequest", "destinationId is required");
      }
      Folder* destination = ResolveFolder(box, *request->GetString("destinationId"));
      if (destination == nullptr) {
        return GraphError(404, "ErrorItemNotFound", "The specified folder could not be found in the store.");
      }
      message->folder_id = destination->id;
      if (change_ids_on_move_) message->id = NewId("moved");
      return Json(201, MessageJson(*message));
    }
    if (segments.size() == 5 && segments[4] == "attachments" && method == "GET") {
      JsonArrayWriter values;
      for (const Attachment& a : message->attachments) {
        values.AddRaw(AttachmentJson(a, /*listing=*/true, Selected(query)));
      }
      return Json(200, JsonObjectWriter().AddRaw("value", values.Finish()).Finish());
    }
    if ((segments.size() == 6 || segments.size() == 7) && segments[4] == "attachments") {
      auto attachment =
          std::find_if(message->attachments.begin(), message->attachments.end(),
                       [&](const Attachment& a) { return a.id == segments[5]; });
      if (attachment == message->attachments.end()) {
        return GraphError(404, "ErrorItemNotFound",
                          "The specified object was not found in the store.");
      }
      if (segments.size() == 7) {
        if (segments[6] != "$value" || method != "GET") {
          return GraphError(400, "BadRequest", "Unsupported request in FakeGraph");
        }
        // Raw contents: a file's bytes, an item's MIME; none for a link.
        if (attachment->odata_type == kReferenceAttachment) {
          return GraphError(405, "ErrorInvalidRequest",
                            "The raw contents of a reference attachment are not available.");
        }
        if (attachment->odata_type == kItemAttachment) {
          return Raw(200, attachment->content, "message/rfc822");
        }
        return Raw(200, attachment->content,
                   attachment->content_type.empty() ? "application/octet-stream"
                                                    : attachment->content_type);
      }
      if (method == "GET") {
        return Json(200, AttachmentJson(*attachment, /*listing=*/false, Selected(query)));
      }
      if (method == "DELETE") {
        message->attachments.erase(attachment);
        return NoContent();
      }
    }
  }
  return GraphError(400, "BadRequest", "Unsupported request in FakeGraph");
}

}  // namespace riposte::actions::graph
