#ifndef RIPOSTE_OCSF_TESTING_SCHEMA_VALIDATOR_H_
#define RIPOSTE_OCSF_TESTING_SCHEMA_VALIDATOR_H_

// Checks an OCSF event against the schema's own source files (events/,
// objects/, profiles/, includes/, dictionary.json, categories.json), for
// tests: what a consumer validating against OCSF 1.3.0 would refuse.
//
// What it resolves: a class by class_uid (category uid * 1000 + the class's
// uid) through its `extends` chain up to base_event; every "$include" of a
// class or object (includes/ and profiles/); an object type through its
// `extends` chain; attribute types through the dictionary and its derived
// types (email_t -> string_t, timestamp_t -> long_t, ...).
//
// What it refuses, each naming the JSON path:
//  - an unknown class_uid, or category_uid / type_uid that do not match it
//    (type_uid = class_uid * 100 + activity_id);
//  - a required attribute missing, at the top and in every nested object;
//  - an attribute the class or object does not define (such data belongs
//    under `unmapped`), or one that comes from a profile the event does not
//    name in metadata.profiles;
//  - a value of the wrong JSON type (strings, integers, floats, booleans,
//    arrays where is_array, objects);
//  - an integer outside its enum (a class's or object's enum values add to
//    those it inherits and the dictionary's);
//  - an object's at_least_one / just_one constraint broken;
//  - metadata.version other than the schema's version.
// Recommended attributes left out are warnings, not errors.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/json_value.h"

namespace riposte::ocsf::testing {

struct Findings {
  std::vector<std::string> errors;    // "path: what is wrong"
  std::vector<std::string> warnings;  // recommended attributes missing
};

class SchemaValidator {
 public:
  // Loads the schema source tree at `dir`. Errors name the file.
  static absl::StatusOr<std::unique_ptr<SchemaValidator>> Load(
      const std::string& dir);

  Findings Validate(absl::string_view event_json) const;
  Findings Validate(const JsonValue& event) const;

  // Class uids the schema defines, and the schema's version.
  std::vector<int64_t> ClassUids() const;
  const std::string& version() const { return version_; }

  // One attribute of a class or object, resolved.
  struct Attribute {
    std::string type;          // a dictionary type or an object name
    bool is_array = false;
    std::string requirement;   // required | recommended | optional
    std::set<std::string> enum_keys;  // empty: no enum
    std::string profile;       // non-empty: only with this profile
  };
  using Attributes = std::map<std::string, Attribute>;
  struct Shape {
    std::string name;
    Attributes attributes;
    std::vector<std::string> at_least_one, just_one;
  };
  // The resolved class with this uid, or nullptr.
  const Shape* Class(int64_t class_uid) const;
  int64_t CategoryOf(int64_t class_uid) const;

 private:
  SchemaValidator() = default;
  void ValidateShape(const Shape& shape, const JsonValue& value,
                     const std::string& path,
                     const std::set<std::string>& profiles,
                     Findings& out) const;
  void ValidateValue(const Attribute& attr, const JsonValue& value,
                     const std::string& path,
                     const std::set<std::string>& profiles,
                     Findings& out) const;
  // The dictionary base type of `type` (string_t, integer_t, long_t,
  // float_t, boolean_t, json_t), or "" for an object type.
  std::string BaseType(const std::string& type) const;

  std::string version_;
  std::map<std::string, std::string> derived_types_;  // email_t -> string_t
  std::map<int64_t, Shape> classes_;
  std::map<int64_t, int64_t> class_category_;
  std::map<std::string, Shape> objects_;
};

// The schema vendored at third_party/ocsf-schema-1.3.0, found in a test's
// runfiles.
std::string VendoredSchemaDir();

}  // namespace riposte::ocsf::testing

#endif  // RIPOSTE_OCSF_TESTING_SCHEMA_VALIDATOR_H_
