#ifndef RIPOSTE_POLICIES_CORROBORATION_READER_H_
#define RIPOSTE_POLICIES_CORROBORATION_READER_H_

#include "policies/policy_draft.h"
#include "yaml/map_reader.h"

namespace riposte::policies {

// Reads the optional top-level `corroboration:` section of one policy file
// into out->corroboration, reporting bad fields to the reader's errors:
//
//   corroboration:
//     tolerance: 2m              # observed times this close may be one event
//     evidence_keys: [src_endpoint.ip]   # default: every key both carry
//     families:                  # names of one activity across detectors
//       - name: suspicious sign-in
//         models: ["SaaS / Access / *", "Entra / Risky sign-in"]
void ReadCorroboration(yaml::MapReader& root, int file, PolicyFileDraft* out);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_CORROBORATION_READER_H_
