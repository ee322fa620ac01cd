#include "common/proto_wire.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/text_rules.h"
#include "google/protobuf/io/coded_stream.h"

namespace riposte {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;

// protobuf's own default nesting limit: deeper messages do not parse.
constexpr int kMaxDepth = 100;

std::string Join(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

// Reads one message's fields, recursing into known sub-messages, and stops
// at the first fault.
class Walker {
 public:
  explicit Walker(absl::string_view bytes)
      : in_(reinterpret_cast<const uint8_t*>(bytes.data()),
            static_cast<int>(bytes.size())) {
    in_.PushLimit(static_cast<int>(bytes.size()));
  }

  // `group` is the field number whose end-group tag closes this message, or
  // 0 for a length-delimited (or top-level) message.
  std::optional<WireError> Walk(const Descriptor* type, const std::string& path,
                                int depth, int group) {
    std::map<int, int> seen;  // occurrences of each repeated field
    while (true) {
      if (in_.BytesUntilLimit() == 0) {
        if (group != 0) return Fault(path, "a group is never closed");
        return std::nullopt;
      }
      const size_t at = Offset();
      uint64_t tag = 0;
      if (!in_.ReadVarint64(&tag)) {
        return Fault(path, "truncated or overlong varint in a field tag", at);
      }
      if (tag > UINT32_MAX) return Fault(path, "field tag out of range", at);
      const int number = static_cast<int>(tag >> 3);
      const int wire_type = static_cast<int>(tag & 7);
      if (number == 0) return Fault(path, "field number 0", at);
      const FieldDescriptor* field =
          type == nullptr ? nullptr : type->FindFieldByNumber(number);
      std::string name = path;
      if (field != nullptr) {
        name = Join(path, field->name());
        if (field->is_repeated() && wire_type != 0 && wire_type != 1 &&
            wire_type != 5 && !field->is_packable()) {
          absl::StrAppend(&name, "[", seen[number]++, "]");
        }
      }
      switch (wire_type) {
        case 0: {
          uint64_t v = 0;
          if (!in_.ReadVarint64(&v)) {
            return Fault(name, "truncated or overlong varint", at);
          }
          break;
        }
        case 1: {
          uint64_t v = 0;
          if (!in_.ReadLittleEndian64(&v)) {
            return Fault(name, "truncated 64-bit value", at);
          }
          break;
        }
        case 5: {
          uint32_t v = 0;
          if (!in_.ReadLittleEndian32(&v)) {
            return Fault(name, "truncated 32-bit value", at);
          }
          break;
        }
        case 2: {
          uint32_t length = 0;
          if (!in_.ReadVarint32(&length)) {
            return Fault(name, "truncated or overlong length", at);
          }
          if (static_cast<int64_t>(length) > in_.BytesUntilLimit()) {
            return Fault(name,
                         absl::StrCat("a length of ", length,
                                      " bytes runs past the end of the message"),
                         at);
          }
          if (field != nullptr &&
              field->type() == FieldDescriptor::TYPE_MESSAGE) {
            if (depth + 1 > kMaxDepth) return Fault(name, "nested too deeply", at);
            const auto limit = in_.PushLimit(static_cast<int>(length));
            if (auto fault = Walk(field->message_type(), name, depth + 1, 0)) {
              return fault;
            }
            in_.PopLimit(limit);
          } else if (field != nullptr &&
                     field->type() == FieldDescriptor::TYPE_STRING &&
                     field->file()->syntax() ==
                         google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
            const size_t start = Offset();
            std::string value;
            in_.ReadString(&value, static_cast<int>(length));
            if (Utf8Problem(value).has_value()) {
              return Fault(name, "invalid UTF-8 in a string field", start);
            }
          } else {
            in_.Skip(static_cast<int>(length));
          }
          break;
        }
        case 3: {
          if (depth + 1 > kMaxDepth) return Fault(name, "nested too deeply", at);
          const Descriptor* inner =
              field != nullptr && field->type() == FieldDescriptor::TYPE_GROUP
                  ? field->message_type()
                  : nullptr;
          if (auto fault = Walk(inner, name, depth + 1, number)) return fault;
          break;
        }
        case 4:
          if (number == group) return std::nullopt;
          return Fault(name, "an end-group tag without its start", at);
        default:
          return Fault(name,
                       absl::StrCat("wire type ", wire_type, " does not exist"),
                       at);
      }
    }
  }

 private:
  size_t Offset() const { return static_cast<size_t>(in_.CurrentPosition()); }

  static WireError Fault(const std::string& field, std::string reason,
                         size_t offset) {
    return WireError{field, std::move(reason), offset};
  }
  WireError Fault(const std::string& field, std::string reason) const {
    return WireError{field, std::move(reason), Offset()};
  }

  CodedInputStream in_;
};

}  // namespace

std::optional<WireError> FindWireError(const Descriptor& type,
                                       absl::string_view bytes) {
  return Walker(bytes).Walk(&type, "", 0, 0);
}

absl::Status ParseRequest(const grpc::ByteBuffer& buffer,
                          google::protobuf::Message* message,
                          std::string* field, absl::string_view what) {
  {
    // Deserialize consumes its buffer; the copy shares the slices.
    grpc::ByteBuffer copy(buffer);
    grpc::ProtoBufferReader reader(&copy);
    if (reader.status().ok() && message->ParseFromZeroCopyStream(&reader)) {
      return absl::OkStatus();
    }
  }
  message->Clear();
  const std::string type = message->GetDescriptor()->full_name();
  std::optional<WireError> fault =
      FindWireError(*message->GetDescriptor(), BufferBytes(buffer));
  std::string where = "request";
  std::string why = "not a valid protobuf encoding";
  if (fault.has_value()) {
    if (!fault->field.empty()) where = fault->field;
    why = absl::StrCat(fault->reason, " (byte ", fault->offset, ")");
  }
  if (field != nullptr) *field = where;
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": ", what, " could not be parsed as ", type, ": ", why));
}

std::string BufferBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

absl::Status SerializeReply(const google::protobuf::Message& message,
                            grpc::ByteBuffer* buffer) {
  bool own = false;
  grpc::Status s = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
      message, buffer, &own);
  if (!s.ok()) return absl::InternalError("the reply could not be serialized");
  return absl::OkStatus();
}

}  // namespace riposte
