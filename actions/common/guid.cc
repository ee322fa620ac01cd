#include "actions/common/guid.h"

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace riposte::actions::common {
namespace {

class RandomGuids {
 public:
  std::string Next() {
    uint64_t hi = 0;
    uint64_t lo = 0;
    {
      absl::MutexLock lock(&mu_);
      hi = absl::Uniform<uint64_t>(gen_);
      lo = absl::Uniform<uint64_t>(gen_);
    }
    hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};            // version 4
    lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
    return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                           (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                           lo & 0xFFFFFFFFFFFFull);
  }

 private:
  absl::Mutex mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

GuidSource RandomGuidSource() {
  static RandomGuids* const guids = new RandomGuids();
  return [] { return guids->Next(); };
}

}  // namespace riposte::actions::common
