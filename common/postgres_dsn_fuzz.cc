// Fuzzes the connection-string reader with arbitrary bytes: it must never
// crash, and redacting twice changes nothing more than redacting once (what
// is shown is itself a DSN with nothing left to hide).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/postgres_dsn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)riposte::DsnSyntaxProblem(text);
  const std::string once = riposte::RedactDsn(text);
  if (once.size() > 4 * size + 64) std::abort();
  if (riposte::RedactDsn(once) != once) std::abort();
  return 0;
}
