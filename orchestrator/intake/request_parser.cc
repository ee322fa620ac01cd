#include "orchestrator/intake/request_parser.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/text_rules.h"
#include "google/protobuf/unknown_field_set.h"

namespace riposte::intake {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Protobuf nests at most this deep by default; a request deeper than that
// is not parsed at all.
constexpr int kMaxDepth = 100;

std::optional<FieldError> Walk(const UnknownFieldSet& fields,
                               const Descriptor& type,
                               const std::string& prefix, int depth) {
  absl::flat_hash_map<int, int> occurrences;  // for repeated fields' indices
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    const FieldDescriptor* fd = type.FindFieldByNumber(f.number());
    if (fd == nullptr || f.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    std::string path = prefix.empty() ? fd->name()
                                      : absl::StrCat(prefix, ".", fd->name());
    if (fd->is_repeated()) {
      absl::StrAppend(&path, "[", occurrences[f.number()]++, "]");
    }
    if (fd->type() == FieldDescriptor::TYPE_STRING) {
      if (auto problem = Utf8Problem(f.length_delimited())) {
        return FieldError{path, absl::StrCat(path, ": ", *problem)};
      }
    } else if (fd->type() == FieldDescriptor::TYPE_MESSAGE &&
               depth < kMaxDepth) {
      UnknownFieldSet nested;
      if (nested.ParseFromString(f.length_delimited())) {
        if (auto e = Walk(nested, *fd->message_type(), path, depth + 1)) {
          return e;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<FieldError> FindNonUtf8Field(absl::string_view wire,
                                           const Descriptor& type) {
  UnknownFieldSet fields;
  if (!fields.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    return std::nullopt;
  }
  return Walk(fields, type, "", 0);
}

std::optional<FieldError> ParseSubmitRequest(const grpc::ByteBuffer& wire,
                                             v1::SubmitRequest* request) {
  grpc::Slice slice;
  if (!wire.TrySingleSlice(&slice).ok() && !wire.DumpToSingleSlice(&slice).ok()) {
    return FieldError{"request", "request: cannot be read"};
  }
  const absl::string_view bytes(reinterpret_cast<const char*>(slice.begin()),
                                slice.size());
  if (request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  if (auto e = FindNonUtf8Field(bytes, *v1::SubmitRequest::descriptor())) {
    return e;
  }
  return FieldError{"request",
                    "request: is not a riposte.v1.SubmitRequest message"};
}

}  // namespace riposte::intake
