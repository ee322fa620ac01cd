#include "orchestrator/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::server {
namespace {

constexpr char kIntakeServiceName[] = "riposte.v1.Intake";

// "127.0.0.1:0" + 41234 -> "127.0.0.1:41234"; "[::1]:0" -> "[::1]:41234".
std::string WithPort(const std::string& listen, int port) {
  size_t colon = listen.rfind(':');
  return absl::StrCat(listen.substr(0, colon), ":", port);
}

}  // namespace

std::string StorePath(const config::ServerConfig& config) {
  std::filesystem::path file(config.store.sqlite_file);
  if (file.is_absolute()) return file.string();
  return (std::filesystem::path(config.data_dir) / file).string();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const config::ServerConfig& config, Clock* clock) {
  std::unique_ptr<Server> s(new Server(config));

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "data_dir: cannot create ", config.data_dir, ": ", ec.message()));
  }
  store::sqlite::SqliteStoreOptions options;
  options.path = StorePath(config);
  options.max_batch = config.store.group_commit_max_batch;
  RIPOSTE_ASSIGN_OR_RETURN(s->store_,
                           store::sqlite::SqliteStore::Open(options, clock));

  s->metrics_ = std::make_unique<metrics::Registry>();
  s->intake_metrics_ = std::make_unique<intake::IntakeMetrics>(*s->metrics_);
  s->validator_ = std::make_unique<intake::BreachValidator>(config.intake,
                                                            config.tenants);
  s->recorder_ = std::make_unique<intake::BreachRecorder>(
      s->store_.get(), clock, config.correlation_window);
  s->intake_service_ = std::make_unique<intake::IntakeService>(
      s->validator_.get(), s->recorder_.get(), clock, s->intake_metrics_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // TLS and caller authentication arrive with the operator service.
  builder.AddListeningPort(config.grpc_listen,
                           grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(config.grpc_max_receive_message_bytes));
  builder.RegisterService(s->intake_service_.get());
  s->grpc_server_ = builder.BuildAndStart();
  if (s->grpc_server_ == nullptr || port == 0) {
    s->store_->Close();
    return absl::UnavailableError(absl::StrCat(
        "grpc.listen: cannot listen on ", config.grpc_listen,
        " (address in use or not local?)"));
  }
  s->grpc_address_ = WithPort(config.grpc_listen, port);
  auto* health = s->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kIntakeServiceName, true);
  return s;
}

Server::~Server() { Shutdown(); }

void Server::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->Shutdown();
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + config_.shutdown_grace));
    grpc_server_->Wait();
  }
  // Every reply that was sent is durable already; anything still queued is
  // committed before the store closes.
  if (store_ != nullptr) store_->Close();
}

}  // namespace riposte::server
