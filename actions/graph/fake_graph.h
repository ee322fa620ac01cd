#ifndef RIPOSTE_ACTIONS_GRAPH_FAKE_GRAPH_H_
#define RIPOSTE_ACTIONS_GRAPH_FAKE_GRAPH_H_

// An in-memory Microsoft Graph (and Entra ID token endpoint) for unit
// tests: users, mail folders, messages and attachments, answering the
// requests the Graph adapter makes the way the documented API does, and
// checking that every call carries the headers it must. Plug Handle() into
// http::FakeHttpClient. Thread-safe. For tests only.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http/http_client.h"

namespace riposte::actions::graph {

class FakeGraph {
 public:
  static constexpr char kLoginBase[] = "https://login.test";
  static constexpr char kGraphBase[] = "https://graph.test/v1.0";
  static constexpr char kTenant[] = "contoso.example";
  static constexpr char kClientId[] = "app-1";
  static constexpr char kClientSecret[] = "Q~s3cret.VALUE_xyz";

  struct User {
    std::string id;
    std::string upn;
    bool enabled = true;
    int revocations = 0;
    // signInSessionsValidFromDateTime: set to the fake's time by a revoke.
    absl::Time sessions_valid_from = absl::InfinitePast();
  };
  // The time a revoke stamps on the user (Graph's own clock). Default: the
  // real time.
  void SetClock(std::function<absl::Time()> now);
  // Graph's three kinds of attachment, as its @odata.type names them.
  static constexpr char kFileAttachment[] = "#microsoft.graph.fileAttachment";
  static constexpr char kItemAttachment[] = "#microsoft.graph.itemAttachment";
  static constexpr char kReferenceAttachment[] =
      "#microsoft.graph.referenceAttachment";
  // Larger file attachments come without contentBytes in a listing.
  static constexpr int64_t kListedContentLimit = 3 << 20;

  struct Attachment {
    std::string id;
    std::string name;
    // Empty answers null (Graph's default for item and reference
    // attachments).
    std::string content_type = "application/octet-stream";
    std::string odata_type = kFileAttachment;
    // A file's bytes, or the MIME rendering of an attached item: what
    // GET .../$value answers. Reference attachments have none ($value is
    // 405).
    std::string content;
    bool is_inline = false;
    // fileAttachment only: the cid an inline image is referenced by.
    std::string content_id;
    // The reported size when it is not content.size(): a reference
    // attachment reports the size of its link metadata.
    std::optional<int64_t> size;
  };
  struct Message {
    std::string id;
    std::string internet_message_id;
    std::string folder_id;
    std::string subject;
    std::vector<Attachment> attachments;
  };
  struct Folder {
    std::string id;
    std::string display_name;
    std::string well_known;  // "inbox", "junkemail", or empty
  };

  FakeGraph();

  // The handler for http::FakeHttpClient. Serves JSON batches too (POST
  // {kGraphBase}/$batch, at most 20 requests, each served as if sent alone
  // with the batch's token, answered in reverse order).
  absl::StatusOr<http::HttpResponse> Handle(const http::HttpRequest& request);

  // JSON batches served so far, and the requests they carried.
  int batches() const;
  int batched_requests() const;

  // Each mailbox starts with "inbox-<mailbox>" and "junk-<mailbox>".
  void AddMailbox(const std::string& mailbox);
  void AddUser(User user);
  void AddFolder(const std::string& mailbox, Folder folder);
  void AddMessage(const std::string& mailbox, Message message);

  std::optional<User> GetUser(const std::string& id_or_upn) const;
  void SetUserEnabled(const std::string& id_or_upn, bool enabled);
  std::optional<Message> GetMessage(const std::string& mailbox,
                                    const std::string& id) const;
  // Every message in the mailbox with this internetMessageId.
  std::vector<Message> FindMessages(const std::string& mailbox,
                                    const std::string& internet_message_id) const;
  void MoveMessage(const std::string& mailbox, const std::string& id,
                   const std::string& folder_id);
  void DeleteMessage(const std::string& mailbox, const std::string& id);
  std::optional<Folder> FindFolderByName(const std::string& mailbox,
                                         const std::string& name) const;

  // Makes every token issued so far invalid (Graph answers 401).
  void RevokeIssuedTokens();
  int token_requests() const;
  // Problems with requests that a real Graph would reject or that break
  // the adapter's contract (missing headers, reused client-request-id).
  std::vector<std::string> violations() const;

  // The next `times` requests whose method matches and whose path contains
  // `path_part` get `response` instead of the normal answer.
  void Inject(const std::string& method, const std::string& path_part,
              http::HttpResponse response, int times = 1);

  // Knobs.
  void set_change_ids_on_move(bool v);
  void set_page_size(int v);
  void set_token_expires_in(int seconds);
  // When set, the mail folder list ignores the next create (simulating a
  // concurrent creator): the POST answers 409 and the folder appears.
  void set_conflict_on_folder_create(bool v);

 private:
  struct Injected {
    std::string method;
    std::string path_part;
    http::HttpResponse response;
    int times;
  };
  struct Mailbox {
    std::vector<Folder> folders;
    std::vector<Message> messages;
  };

  // Serves POST /$batch; takes mu_ per request inside (see fake_graph_batch.cc).
  absl::StatusOr<http::HttpResponse> HandleBatch(const http::HttpRequest& request)
      ABSL_LOCKS_EXCLUDED(mu_);
  http::HttpResponse Token(const http::HttpRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  http::HttpResponse Route(const std::string& method,
                           const std::vector<std::string>& segments,
                           const std::map<std::string, std::string>& query,
                           const std::string& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  http::HttpResponse Mail(const std::string& method, Mailbox& box,
                          const std::string& mailbox,
                          const std::vector<std::string>& segments,
                          const std::map<std::string, std::string>& query,
                          const std::string& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  http::HttpResponse ListMessages(const std::vector<const Message*>& matches,
                                  const std::string& next_base,
                                  const std::map<std::string, std::string>& query)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  User* FindUserLocked(const std::string& id_or_upn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Folder* ResolveFolder(Mailbox& box, const std::string& id_or_name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NewId(const std::string& prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<User> users_ ABSL_GUARDED_BY(mu_);
  std::function<absl::Time()> now_ ABSL_GUARDED_BY(mu_) = [] { return absl::Now(); };
  std::map<std::string, Mailbox> mailboxes_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> valid_tokens_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> client_request_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> violations_ ABSL_GUARDED_BY(mu_);
  std::deque<Injected> injected_ ABSL_GUARDED_BY(mu_);
  int token_requests_ ABSL_GUARDED_BY(mu_) = 0;
  int batches_ ABSL_GUARDED_BY(mu_) = 0;
  int batched_requests_ ABSL_GUARDED_BY(mu_) = 0;
  int next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool change_ids_on_move_ ABSL_GUARDED_BY(mu_) = false;
  int page_size_ ABSL_GUARDED_BY(mu_) = 10;
  int token_expires_in_ ABSL_GUARDED_BY(mu_) = 3599;
  bool conflict_on_folder_create_ ABSL_GUARDED_BY(mu_) = false;
};

// Graph's error body.
http::HttpResponse GraphError(int status, const std::string& code,
                              const std::string& message,
                              const std::string& request_id = "rid-error");

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_FAKE_GRAPH_H_
