#include "orchestrator/intake/intake_service.h"

#include <deque>
#include <optional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "orchestrator/intake/request_parser.h"

namespace riposte::intake {

absl::Status OwnDetectorId(const auth::Caller& caller,
                           const v1::SubmitRequest& request) {
  // A detector reports as itself only; admins (and the local development
  // caller) may submit for any detector, e.g. to replay.
  if (caller.role != auth::Role::kDetector) return absl::OkStatus();
  if (request.breach().detector_id() == caller.identity) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "breach.detector_id: detector \"", caller.identity,
      "\" may only submit breaches as itself"));
}

std::optional<FieldError> IntakeService::Check(
    const v1::SubmitRequest& request) const {
  if (!request.has_breach()) {
    return FieldError{"breach", "breach: is required"};
  }
  return validator_->Validate(request.breach(), clock_->Now(),
                              request.breach().ByteSizeLong());
}

namespace {

void Serialize(const google::protobuf::Message& message, grpc::ByteBuffer* out) {
  bool own_buffer = false;
  // Serializing a message in memory fails only past 2 GiB.
  grpc::SerializationTraits<google::protobuf::Message>::Serialize(
      message, out, &own_buffer)
      .IgnoreError();
}

}  // namespace

// Bytes in, so that a request protobuf cannot parse (a string that is not
// UTF-8) is refused naming its field, as every other bad input is.
grpc::ServerUnaryReactor* IntakeService::Submit(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire,
    grpc::ByteBuffer* wire_response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Caller> caller;
  if (auth_ != nullptr) {
    auto authorized =
        auth_->AuthorizeCall(*context, "/riposte.v1.Intake/Submit");
    if (!authorized.ok()) {
      reactor->Finish(ToGrpcStatus(authorized.status()));
      return reactor;
    }
    caller = *std::move(authorized);
  }
  auto request = std::make_shared<v1::SubmitRequest>();
  std::optional<FieldError> error = ParseSubmitRequest(*wire, request.get());
  if (!error && caller.has_value()) {
    if (absl::Status own = OwnDetectorId(*caller, *request); !own.ok()) {
      reactor->Finish(ToGrpcStatus(own));
      return reactor;
    }
  }
  if (!error) error = Check(*request);
  if (error) {
    metrics_->Invalid(error->field);
    reactor->Finish(ToGrpcStatus(ToStatus(*error)));
    return reactor;
  }
  const absl::Time start = clock_->Now();
  recorder_->Record(
      request->breach(),
      [this, reactor, request, wire_response,
       start](absl::StatusOr<v1::SubmitResponse> r) {
        if (!r.ok()) {
          metrics_->Failed();
          reactor->Finish(ToGrpcStatus(r.status()));
          return;
        }
        metrics_->Recorded(request->breach(), *r, clock_->Now() - start);
        Serialize(*r, wire_response);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

// One bidirectional stream. Requests are validated as they arrive and
// recorded concurrently; replies go out strictly in request order. At most
// `stream_max_in_flight` requests may await their reply; past that, reading
// pauses, which pushes back on the client through flow control.
class IntakeService::StreamReactor
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamReactor(IntakeService* service, std::optional<auth::Caller> caller)
      : service_(service),
        caller_(std::move(caller)),
        max_in_flight_(service->validator_->limits().stream_max_in_flight) {
    absl::MutexLock lock(&mu_);
    read_outstanding_ = true;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      reads_done_ = true;
      MaybeFinishLocked();
      return;
    }
    // Parse the request before the next read can overwrite the buffer.
    v1::SubmitRequest request;
    std::optional<FieldError> error = ParseSubmitRequest(request_, &request);
    request_.Clear();
    auto slot = std::make_unique<Slot>();
    Slot* raw = slot.get();
    if (!error) error = service_->Check(request);
    absl::StatusCode code = absl::StatusCode::kInvalidArgument;
    if (!error && caller_.has_value()) {
      if (absl::Status own = OwnDetectorId(*caller_, request); !own.ok()) {
        error = FieldError{"breach.detector_id", std::string(own.message())};
        code = own.code();
      }
    }
    if (error) {
      service_->metrics_->Invalid(error->field);
      auto* e = raw->reply.mutable_error();
      e->set_detector_id(request.breach().detector_id());
      e->set_breach_id(request.breach().breach_id());
      e->set_code(static_cast<int>(code));
      e->set_message(error->message);
      e->set_field(error->field);
      raw->ready = true;
    }
    {
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      slots_.push_back(std::move(slot));
      if (!error) ++pending_records_;
      MaybeReadLocked();
      MaybeWriteLocked();
      MaybeFinishLocked();
    }
    if (error) return;
    const absl::Time start = service_->clock_->Now();
    auto source = std::make_shared<v1::Breach>();
    source->set_detector_id(request.breach().detector_id());
    source->set_model_name(request.breach().model_name());
    service_->recorder_->Record(
        std::move(*request.mutable_breach()),
        [this, raw, start, source](absl::StatusOr<v1::SubmitResponse> r) {
          if (r.ok()) {
            service_->metrics_->Recorded(*source, *r,
                                         service_->clock_->Now() - start);
            *raw->reply.mutable_accepted() = std::move(*r);
          } else {
            service_->metrics_->Failed();
            auto* e = raw->reply.mutable_error();
            e->set_code(static_cast<int>(r.status().code()));
            e->set_message(std::string(r.status().message()));
          }
          absl::MutexLock lock(&mu_);
          raw->ready = true;
          --pending_records_;
          MaybeWriteLocked();
          MaybeFinishLocked();
        });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) broken_ = true;  // the client is gone; drain and finish
    MaybeReadLocked();
    MaybeWriteLocked();
    MaybeFinishLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    broken_ = true;
    MaybeFinishLocked();
  }

  void OnDone() override { delete this; }

 private:
  struct Slot {
    v1::StreamSubmitResponse reply;
    grpc::ByteBuffer wire;  // `reply` as written
    bool ready = false;
  };

  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (read_outstanding_ || reads_done_ || broken_) return;
    if (static_cast<int64_t>(slots_.size()) >= max_in_flight_) return;
    read_outstanding_ = true;
    StartRead(&request_);
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!writing_ && !slots_.empty() && slots_.front()->ready) {
      current_ = std::move(slots_.front());
      slots_.pop_front();
      if (broken_) continue;  // nobody to write to; drop it
      writing_ = true;
      Serialize(current_->reply, &current_->wire);
      StartWrite(&current_->wire);
    }
  }

  // Finishes once nothing is outstanding: no read, no write, no breach
  // being recorded (its callback points at this reactor), and every reply
  // sent, or the client gone.
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_ || read_outstanding_ || pending_records_ > 0) {
      return;
    }
    if (broken_) {
      slots_.clear();
    } else if (!reads_done_ || !slots_.empty()) {
      return;
    }
    finished_ = true;
    Finish(broken_ ? grpc::Status::CANCELLED : grpc::Status::OK);
  }

  IntakeService* const service_;
  const std::optional<auth::Caller> caller_;
  const int64_t max_in_flight_;

  absl::Mutex mu_;
  grpc::ByteBuffer request_;  // the read buffer; see OnReadDone
  std::deque<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Slot> current_ ABSL_GUARDED_BY(mu_);
  int64_t pending_records_ ABSL_GUARDED_BY(mu_) = 0;
  bool read_outstanding_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
IntakeService::SubmitStream(grpc::CallbackServerContext* context) {
  if (auth_ != nullptr) {
    auto caller =
        auth_->AuthorizeCall(*context, "/riposte.v1.Intake/SubmitStream");
    if (!caller.ok()) {
      class Refused
          : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
       public:
        explicit Refused(grpc::Status s) { Finish(s); }
        void OnDone() override { delete this; }
      };
      return new Refused(ToGrpcStatus(caller.status()));
    }
    return new StreamReactor(this, *caller);
  }
  return new StreamReactor(this, std::nullopt);
}

}  // namespace riposte::intake
