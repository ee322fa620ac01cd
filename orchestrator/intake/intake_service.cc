#include "orchestrator/intake/intake_service.h"

#include <deque>
#include <optional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/proto_wire.h"

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

// What one unary call owns until its reply is written.
struct IntakeService::UnaryCall {
  v1::SubmitRequest request;
  absl::Time start;
};

grpc::ServerUnaryReactor* IntakeService::Submit(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw,
    grpc::ByteBuffer* out) {
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
  auto call = std::make_unique<UnaryCall>();
  {
    std::string field;
    if (absl::Status parsed = ParseRequest(*raw, &call->request, &field);
        !parsed.ok()) {
      metrics_->Invalid(field);
      reactor->Finish(ToGrpcStatus(parsed));
      return reactor;
    }
  }
  const v1::SubmitRequest& request = call->request;
  if (caller.has_value()) {
    if (absl::Status own = OwnDetectorId(*caller, request); !own.ok()) {
      reactor->Finish(ToGrpcStatus(own));
      return reactor;
    }
  }
  if (auto error = Check(request)) {
    metrics_->Invalid(error->field);
    reactor->Finish(ToGrpcStatus(ToStatus(*error)));
    return reactor;
  }
  call->start = clock_->Now();
  UnaryCall* owned = call.release();
  recorder_->Record(
      owned->request.breach(),
      [this, reactor, owned, out](absl::StatusOr<v1::SubmitResponse> r) {
        std::unique_ptr<UnaryCall> call(owned);
        if (!r.ok()) {
          metrics_->Failed();
          reactor->Finish(ToGrpcStatus(r.status()));
          return;
        }
        metrics_->Recorded(call->request.breach(), *r,
                           clock_->Now() - call->start);
        absl::Status serialized = SerializeReply(*r, out);
        reactor->Finish(ToGrpcStatus(serialized));
      });
  return reactor;
}

// One bidirectional stream. Requests are parsed and validated as they
// arrive and recorded concurrently; replies go out strictly in request
// order. A message that cannot be parsed gets its own error reply, naming
// its position on the stream, and the stream goes on. At most
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
    StartRead(&read_buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finisher finish(this);
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      reads_done_ = true;
      finish.status = MaybeFinishLocked();
      return;
    }
    // Take the bytes before the next read can overwrite the buffer.
    grpc::ByteBuffer raw;
    raw.Swap(&read_buffer_);
    const int64_t position = ++messages_read_;
    v1::SubmitRequest request;
    auto slot = std::make_unique<Slot>();
    Slot* const reply_slot = slot.get();
    std::optional<FieldError> error;
    absl::StatusCode code = absl::StatusCode::kInvalidArgument;
    std::string parse_field;
    if (absl::Status parsed = ParseRequest(
            raw, &request, &parse_field,
            absl::StrCat("message ", position, " of the stream"));
        !parsed.ok()) {
      error = FieldError{parse_field, std::string(parsed.message())};
    }
    if (!error) error = service_->Check(request);
    if (!error && caller_.has_value()) {
      if (absl::Status own = OwnDetectorId(*caller_, request); !own.ok()) {
        error = FieldError{"breach.detector_id", std::string(own.message())};
        code = own.code();
      }
    }
    if (error) {
      service_->metrics_->Invalid(error->field);
      v1::StreamSubmitResponse reply;
      auto* e = reply.mutable_error();
      e->set_detector_id(request.breach().detector_id());
      e->set_breach_id(request.breach().breach_id());
      e->set_code(static_cast<int>(code));
      e->set_message(error->message);
      e->set_field(error->field);
      reply_slot->Set(reply);
    }
    {
      Finisher finish(this);
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      slots_.push_back(std::move(slot));
      if (!error) ++pending_records_;
      MaybeReadLocked();
      MaybeWriteLocked();
      finish.status = MaybeFinishLocked();
    }
    if (error) return;
    const absl::Time start = service_->clock_->Now();
    auto source = std::make_shared<v1::Breach>();
    source->set_detector_id(request.breach().detector_id());
    source->set_model_name(request.breach().model_name());
    service_->recorder_->Record(
        std::move(*request.mutable_breach()),
        [this, reply_slot, start, source](absl::StatusOr<v1::SubmitResponse> r) {
          v1::StreamSubmitResponse reply;
          if (r.ok()) {
            service_->metrics_->Recorded(*source, *r,
                                         service_->clock_->Now() - start);
            *reply.mutable_accepted() = std::move(*r);
          } else {
            service_->metrics_->Failed();
            auto* e = reply.mutable_error();
            e->set_code(static_cast<int>(r.status().code()));
            e->set_message(std::string(r.status().message()));
          }
          Finisher finish(this);
          absl::MutexLock lock(&mu_);
          reply_slot->Set(reply);
          --pending_records_;
          MaybeWriteLocked();
          finish.status = MaybeFinishLocked();
        });
  }

  void OnWriteDone(bool ok) override {
    Finisher finish(this);
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) broken_ = true;  // the client is gone; drain and finish
    MaybeReadLocked();
    MaybeWriteLocked();
    finish.status = MaybeFinishLocked();
  }

  void OnCancel() override {
    Finisher finish(this);
    absl::MutexLock lock(&mu_);
    broken_ = true;
    finish.status = MaybeFinishLocked();
  }

  void OnDone() override { delete this; }

 private:
  struct Slot {
    // Sets the reply; it is then ready to be written.
    void Set(const v1::StreamSubmitResponse& reply) {
      ready = SerializeReply(reply, &bytes).ok();
      if (!ready) {
        v1::StreamSubmitResponse failed;
        failed.mutable_error()->set_code(
            static_cast<int>(absl::StatusCode::kInternal));
        failed.mutable_error()->set_message("the reply could not be encoded");
        ready = SerializeReply(failed, &bytes).ok();
      }
    }
    grpc::ByteBuffer bytes;
    bool ready = false;
  };

  // Calls Finish, when a status was chosen under the lock, after the lock is
  // released: once Finish is called, OnDone may delete this reactor on
  // another thread, so nothing of it may be touched afterwards, including
  // its mutex. Declare before the MutexLock so it runs after the unlock.
  struct Finisher {
    explicit Finisher(StreamReactor* r) : reactor(r) {}
    ~Finisher() {
      if (status.has_value()) reactor->Finish(*status);
    }
    StreamReactor* const reactor;
    std::optional<grpc::Status> status;
  };

  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (read_outstanding_ || reads_done_ || broken_) return;
    if (static_cast<int64_t>(slots_.size()) >= max_in_flight_) return;
    read_outstanding_ = true;
    StartRead(&read_buffer_);
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!writing_ && !slots_.empty() && slots_.front()->ready) {
      current_ = std::move(slots_.front());
      slots_.pop_front();
      if (broken_) continue;  // nobody to write to; drop it
      writing_ = true;
      StartWrite(&current_->bytes);
    }
  }

  // The status to finish with, once nothing is outstanding: no read, no
  // write, no breach being recorded (its callback points at this reactor),
  // and every reply sent, or the client gone. Returns it once only.
  std::optional<grpc::Status> MaybeFinishLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_ || read_outstanding_ || pending_records_ > 0) {
      return std::nullopt;
    }
    if (broken_) {
      slots_.clear();
    } else if (!reads_done_ || !slots_.empty()) {
      return std::nullopt;
    }
    finished_ = true;
    return broken_ ? grpc::Status::CANCELLED : grpc::Status::OK;
  }

  IntakeService* const service_;
  const std::optional<auth::Caller> caller_;
  const int64_t max_in_flight_;

  absl::Mutex mu_;
  grpc::ByteBuffer read_buffer_;  // see OnReadDone
  int64_t messages_read_ = 0;     // only OnReadDone touches it: one at a time
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
