#include "orchestrator/entity/normal_form.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"

namespace riposte::entity {
namespace {

bool HasUpperCase(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isupper(static_cast<unsigned char>(c));
  });
}

// The address in RFC 5952's canonical text (IPv6 lower-case, the longest
// run of zero groups compressed) and IPv4 dotted quad; the address as given
// when it does not parse (validation refuses those before this runs).
std::string CanonicalIp(const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  unsigned char bytes[16];
  char text[INET6_ADDRSTRLEN];
  const int family = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, address.c_str(), bytes) != 1 ||
      inet_ntop(family, bytes, text, sizeof(text)) == nullptr) {
    return address;
  }
  return text;
}

// True when NormalizeEntity would change `entity`.
bool NeedsNormalizing(const v1::Entity& entity) {
  if (entity.has_ip() &&
      CanonicalIp(entity.ip().address()) != entity.ip().address()) {
    return true;
  }
  for (const auto& a : entity.email().attachments()) {
    if (HasUpperCase(a.sha256())) return true;
  }
  return false;
}

void NormalizeEntity(v1::Entity& entity) {
  if (entity.has_ip()) {
    entity.mutable_ip()->set_address(CanonicalIp(entity.ip().address()));
  }
  if (!entity.has_email()) return;
  for (auto& a : *entity.mutable_email()->mutable_attachments()) {
    absl::AsciiStrToLower(a.mutable_sha256());
  }
}

}  // namespace

std::optional<v1::Breach> NormalForm(const v1::Breach& breach) {
  if (!NeedsNormalizing(breach.subject()) &&
      std::none_of(breach.related_entities().begin(),
                   breach.related_entities().end(), NeedsNormalizing)) {
    return std::nullopt;
  }
  v1::Breach out = breach;
  if (out.has_subject()) NormalizeEntity(*out.mutable_subject());
  for (auto& e : *out.mutable_related_entities()) NormalizeEntity(e);
  return out;
}

}  // namespace riposte::entity
