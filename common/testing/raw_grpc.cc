#include "common/testing/raw_grpc.h"

#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/sync_stream.h>

#include "common/proto_wire.h"

namespace riposte::testing {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* reply, grpc::ClientContext* context) {
  grpc::ByteBuffer in = ToBuffer(request);
  grpc::ByteBuffer out;
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel.get(),
          grpc::internal::RpcMethod(method.c_str(),
                                    grpc::internal::RpcMethod::NORMAL_RPC),
          context, in, &out);
  if (reply != nullptr && status.ok()) *reply = BufferBytes(out);
  return status;
}

RawStreamResult RawBidiStream(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const std::vector<std::string>& requests,
                              grpc::ClientContext* context) {
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer, grpc::ByteBuffer>::
                 Create(channel.get(),
                        grpc::internal::RpcMethod(
                            method.c_str(),
                            grpc::internal::RpcMethod::BIDI_STREAMING),
                        context));
  RawStreamResult result;
  for (const std::string& r : requests) {
    if (!stream->Write(ToBuffer(r))) break;
  }
  stream->WritesDone();
  grpc::ByteBuffer reply;
  while (stream->Read(&reply)) result.replies.push_back(BufferBytes(reply));
  result.status = stream->Finish();
  return result;
}

}  // namespace riposte::testing
