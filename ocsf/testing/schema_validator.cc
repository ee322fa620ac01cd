#include "ocsf/testing/schema_validator.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace riposte::ocsf::testing {
namespace {

constexpr const char* kBaseTypes[] = {"string_t", "integer_t", "long_t",
                                      "float_t",  "boolean_t", "json_t"};

absl::StatusOr<JsonValue> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  JsonParseOptions options;
  options.max_depth = 128;
  absl::StatusOr<JsonValue> v = JsonValue::Parse(text.str(), options);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", v.status().message()));
  }
  return v;
}

std::set<std::string> EnumKeys(const JsonValue& attr) {
  std::set<std::string> keys;
  if (const JsonValue* e = attr.Find("enum"); e != nullptr && e->is_object()) {
    for (size_t i = 0; i < e->member_count(); ++i) keys.insert(e->member_key(i));
  }
  return keys;
}

std::vector<std::string> Strings(const JsonValue* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const JsonValue& e : v->elements()) {
    if (e.is_string()) out.push_back(e.string_value());
  }
  return out;
}

// The schema's files by role, and the attribute merging they share.
class Loader {
 public:
  explicit Loader(std::string dir) : dir_(std::move(dir)) {}

  absl::Status Index() {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") {
        continue;
      }
      // By prefix: the files may be symlinks (runfiles), which
      // std::filesystem::relative would resolve.
      const std::string rel =
          entry.path().string().substr(dir_.size() + 1);
      RIPOSTE_ASSIGN_OR_RETURN(JsonValue v, ReadJson(entry.path().string()));
      const std::optional<std::string> name = v.GetString("name");
      if (absl::StartsWith(rel, "events/") && name.has_value()) {
        events_[*name] = v;
      } else if (absl::StartsWith(rel, "objects/") && name.has_value()) {
        objects_[*name] = v;
      }
      files_[rel] = std::move(v);
    }
    for (const char* f : {"dictionary.json", "categories.json", "version.json"}) {
      if (files_.count(f) == 0) {
        return absl::NotFoundError(absl::StrCat(dir_, "/", f, " is missing"));
      }
    }
    return absl::OkStatus();
  }

  const JsonValue& File(const std::string& rel) { return files_[rel]; }
  std::map<std::string, JsonValue>& events() { return events_; }
  std::map<std::string, JsonValue>& objects() { return objects_; }

  // Merges `attrs` (a file's "attributes") into `into`: $include first
  // (a profile's attributes tagged with the profile), then the entries,
  // each over the dictionary's definition or what a parent defined.
  void Merge(const JsonValue& attrs, const std::string& profile,
             SchemaValidator::Attributes& into) {
    if (!attrs.is_object()) return;
    if (const JsonValue* inc = attrs.Find("$include")) {
      for (const std::string& path : Strings(inc)) {
        const JsonValue& file = files_[path];
        const std::string tag = absl::StartsWith(path, "profiles/")
                                    ? file.GetString("name").value_or(path)
                                    : profile;
        if (const JsonValue* a = file.Find("attributes")) Merge(*a, tag, into);
      }
    }
    const JsonValue* dictionary = files_["dictionary.json"].Find("attributes");
    for (size_t i = 0; i < attrs.member_count(); ++i) {
      const std::string& key = attrs.member_key(i);
      const JsonValue& v = attrs.member_value(i);
      if (key == "$include" || !v.is_object()) continue;
      auto [it, added] = into.try_emplace(key);
      SchemaValidator::Attribute& a = it->second;
      if (added) {
        if (const JsonValue* d = dictionary->Find(key)) Apply(*d, a);
        if (a.requirement.empty()) a.requirement = "optional";
      }
      // An attribute a class or object lists itself is its own, even if a
      // profile it includes brings it too; one only a profile brings
      // needs that profile.
      if (added || profile.empty()) a.profile = profile;
      Apply(v, a);
    }
  }

 private:
  static void Apply(const JsonValue& v, SchemaValidator::Attribute& a) {
    if (auto t = v.GetString("type")) a.type = *t;
    if (auto arr = v.GetBool("is_array")) a.is_array = *arr;
    if (auto r = v.GetString("requirement")) a.requirement = *r;
    // A class's enum adds to what it inherits (0 Unknown and 99 Other
    // come from the dictionary and base_event).
    std::set<std::string> keys = EnumKeys(v);
    a.enum_keys.insert(keys.begin(), keys.end());
  }

  const std::string dir_;
  std::map<std::string, JsonValue> files_;
  std::map<std::string, JsonValue> events_, objects_;
};

// Resolves a class or object `name` of `defs` through `extends`, parents
// first; `seen` stops a cycle.
void Resolve(Loader& loader, std::map<std::string, JsonValue>& defs,
             const std::string& name, std::set<std::string>& seen,
             SchemaValidator::Shape& shape) {
  auto it = defs.find(name);
  if (it == defs.end() || !seen.insert(name).second) return;
  const JsonValue& def = it->second;
  if (auto parent = def.GetString("extends")) {
    Resolve(loader, defs, *parent, seen, shape);
  }
  shape.name = name;
  if (const JsonValue* a = def.Find("attributes")) {
    loader.Merge(*a, "", shape.attributes);
  }
  if (const JsonValue* c = def.Find("constraints")) {
    shape.at_least_one = Strings(c->Find("at_least_one"));
    shape.just_one = Strings(c->Find("just_one"));
  }
}

std::string Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SchemaValidator>> SchemaValidator::Load(
    const std::string& dir) {
  Loader loader(dir);
  RIPOSTE_RETURN_IF_ERROR(loader.Index());
  std::unique_ptr<SchemaValidator> v(new SchemaValidator());
  v->version_ = loader.File("version.json").GetString("version").value_or("");
  if (const JsonValue* types =
          loader.File("dictionary.json").Find("types")->Find("attributes")) {
    for (size_t i = 0; i < types->member_count(); ++i) {
      v->derived_types_[types->member_key(i)] =
          types->member_value(i).GetString("type").value_or("");
    }
  }
  std::map<std::string, int64_t> categories;
  const JsonValue* cats = loader.File("categories.json").Find("attributes");
  for (size_t i = 0; cats != nullptr && i < cats->member_count(); ++i) {
    categories[cats->member_key(i)] =
        cats->member_value(i).GetInt64("uid").value_or(0);
  }
  for (auto& [name, def] : loader.events()) {
    Shape shape;
    std::set<std::string> seen;
    Resolve(loader, loader.events(), name, seen, shape);
    // The category is the class's own or its nearest parent's.
    std::string category = def.GetString("category").value_or("");
    for (std::string p = def.GetString("extends").value_or("");
         category.empty() && !p.empty();) {
      const JsonValue& parent = loader.events()[p];
      category = parent.GetString("category").value_or("");
      p = parent.GetString("extends").value_or("");
    }
    const int64_t cat = categories.count(category) ? categories[category] : 0;
    const int64_t uid = cat * 1000 + def.GetInt64("uid").value_or(0);
    v->class_category_[uid] = cat;
    v->classes_[uid] = std::move(shape);
  }
  for (auto& [name, def] : loader.objects()) {
    Shape shape;
    std::set<std::string> seen;
    Resolve(loader, loader.objects(), name, seen, shape);
    v->objects_[name] = std::move(shape);
  }
  return v;
}

std::vector<int64_t> SchemaValidator::ClassUids() const {
  std::vector<int64_t> uids;
  for (const auto& [uid, shape] : classes_) uids.push_back(uid);
  return uids;
}

const SchemaValidator::Shape* SchemaValidator::Class(int64_t class_uid) const {
  auto it = classes_.find(class_uid);
  return it == classes_.end() ? nullptr : &it->second;
}

int64_t SchemaValidator::CategoryOf(int64_t class_uid) const {
  auto it = class_category_.find(class_uid);
  return it == class_category_.end() ? -1 : it->second;
}

std::string SchemaValidator::BaseType(const std::string& type) const {
  std::string t = type;
  for (int depth = 0; depth < 8; ++depth) {
    for (const char* base : kBaseTypes) {
      if (t == base) return t;
    }
    auto it = derived_types_.find(t);
    if (it == derived_types_.end() || it->second.empty()) return "";
    t = it->second;
  }
  return "";
}

Findings SchemaValidator::Validate(absl::string_view event_json) const {
  Findings out;
  absl::StatusOr<JsonValue> v = JsonValue::Parse(event_json);
  if (!v.ok()) {
    out.errors.push_back(absl::StrCat("(event): ", v.status().message()));
    return out;
  }
  return Validate(*v);
}

Findings SchemaValidator::Validate(const JsonValue& event) const {
  Findings out;
  if (!event.is_object()) {
    out.errors.push_back("(event): must be a JSON object");
    return out;
  }
  const std::optional<int64_t> class_uid = event.GetInt64("class_uid");
  const Shape* shape = class_uid.has_value() ? Class(*class_uid) : nullptr;
  if (shape == nullptr) {
    out.errors.push_back(
        class_uid.has_value()
            ? absl::StrCat("class_uid: ", *class_uid, " is not an OCSF ",
                           version_, " class")
            : "class_uid: required attribute missing");
    return out;
  }
  if (auto cat = event.GetInt64("category_uid");
      cat.has_value() && *cat != CategoryOf(*class_uid)) {
    out.errors.push_back(absl::StrCat("category_uid: ", *cat, " but class ",
                                      *class_uid, " is in category ",
                                      CategoryOf(*class_uid)));
  }
  auto activity = event.GetInt64("activity_id");
  auto type_uid = event.GetInt64("type_uid");
  if (activity.has_value() && type_uid.has_value() &&
      *type_uid != *class_uid * 100 + *activity) {
    out.errors.push_back(absl::StrCat(
        "type_uid: ", *type_uid, " is not class_uid * 100 + activity_id (",
        *class_uid * 100 + *activity, ")"));
  }
  std::set<std::string> profiles;
  if (const JsonValue* m = event.Find("metadata"); m != nullptr && m->is_object()) {
    for (const std::string& p : Strings(m->Find("profiles"))) profiles.insert(p);
    if (auto ver = m->GetString("version"); ver.has_value() && *ver != version_) {
      out.errors.push_back(absl::StrCat("metadata.version: \"", *ver,
                                        "\", the schema is ", version_));
    }
  }
  ValidateShape(*shape, event, "", profiles, out);
  return out;
}

void SchemaValidator::ValidateShape(const Shape& shape, const JsonValue& value,
                                    const std::string& path,
                                    const std::set<std::string>& profiles,
                                    Findings& out) const {
  for (const auto& [key, attr] : shape.attributes) {
    if (!attr.profile.empty() && profiles.count(attr.profile) == 0) continue;
    if (value.Find(key) != nullptr) continue;
    if (attr.requirement == "required") {
      out.errors.push_back(
          absl::StrCat(Join(path, key), ": required attribute missing"));
    } else if (attr.requirement == "recommended") {
      out.warnings.push_back(
          absl::StrCat(Join(path, key), ": recommended attribute missing"));
    }
  }
  for (size_t i = 0; i < value.member_count(); ++i) {
    const std::string& key = value.member_key(i);
    const std::string at = Join(path, key);
    auto it = shape.attributes.find(key);
    if (it == shape.attributes.end()) {
      out.errors.push_back(absl::StrCat(at, ": not an attribute of ",
                                        shape.name, " (put it in unmapped)"));
      continue;
    }
    if (!it->second.profile.empty() && profiles.count(it->second.profile) == 0) {
      out.errors.push_back(absl::StrCat(at, ": comes with the ",
                                        it->second.profile,
                                        " profile, not named in "
                                        "metadata.profiles"));
      continue;
    }
    ValidateValue(it->second, value.member_value(i), at, profiles, out);
  }
  int present = 0;
  for (const std::string& k : shape.just_one) present += value.Find(k) != nullptr;
  if (!shape.just_one.empty() && present != 1) {
    out.errors.push_back(absl::StrCat(path.empty() ? "(event)" : path,
                                      ": needs exactly one of ",
                                      absl::StrJoin(shape.just_one, ", ")));
  }
  present = 0;
  for (const std::string& k : shape.at_least_one) {
    present += value.Find(k) != nullptr;
  }
  if (!shape.at_least_one.empty() && present == 0) {
    out.errors.push_back(absl::StrCat(path.empty() ? "(event)" : path,
                                      ": needs at least one of ",
                                      absl::StrJoin(shape.at_least_one, ", ")));
  }
}

void SchemaValidator::ValidateValue(const Attribute& attr,
                                    const JsonValue& value,
                                    const std::string& path,
                                    const std::set<std::string>& profiles,
                                    Findings& out) const {
  if (attr.is_array) {
    if (!value.is_array()) {
      out.errors.push_back(absl::StrCat(path, ": must be an array"));
      return;
    }
    Attribute element = attr;
    element.is_array = false;
    for (size_t i = 0; i < value.elements().size(); ++i) {
      ValidateValue(element, value.elements()[i], absl::StrCat(path, "[", i, "]"),
                    profiles, out);
    }
    return;
  }
  auto wrong = [&](absl::string_view what) {
    out.errors.push_back(absl::StrCat(path, ": must be ", what, " (", attr.type,
                                      "), got ",
                                      JsonValue::TypeName(value.type())));
  };
  const std::string base = BaseType(attr.type);
  if (base == "json_t") return;
  if (base == "string_t") {
    if (!value.is_string()) return wrong("a string");
  } else if (base == "integer_t" || base == "long_t") {
    if (!value.is_number() || !value.AsInt64().has_value()) {
      return wrong("an integer");
    }
  } else if (base == "float_t") {
    if (!value.is_number()) return wrong("a number");
  } else if (base == "boolean_t") {
    if (!value.is_bool()) return wrong("a boolean");
  } else {
    if (!value.is_object()) return wrong("an object");
    if (attr.type == "object") return;  // any object, e.g. unmapped
    auto obj = objects_.find(attr.type);
    if (obj == objects_.end()) {
      out.errors.push_back(
          absl::StrCat(path, ": the schema has no type ", attr.type));
      return;
    }
    ValidateShape(obj->second, value, path, profiles, out);
    return;
  }
  // class_uid, category_uid and type_uid have no enum of their own in the
  // source (base_event's placeholder); Validate checks them for
  // consistency instead.
  if (!attr.enum_keys.empty() && path != "class_uid" &&
      path != "category_uid") {
    const std::string key =
        value.is_string() ? value.string_value() : value.number_text();
    if (attr.enum_keys.count(key) == 0) {
      out.errors.push_back(absl::StrCat(path, ": ", key, " is not in its enum (",
                                        absl::StrJoin(attr.enum_keys, ", "),
                                        ")"));
    }
  }
}

std::string VendoredSchemaDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte",
                      "/third_party/ocsf-schema-1.3.0");
}

}  // namespace riposte::ocsf::testing
