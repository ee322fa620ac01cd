#include "yaml/map_reader.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml/error_list.h"
#include "yaml/yaml_document.h"

namespace riposte::yaml {
namespace {

using ::testing::ElementsAre;

Node MustParse(const std::string& text) {
  absl::StatusOr<Node> doc = Parse(text, "t.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status();
  return doc.ok() ? *std::move(doc) : Node();
}

TEST(ErrorListTest, FormatsSortsAndJoins) {
  ErrorList errors("f.yaml");
  EXPECT_TRUE(errors.ToStatus().ok());
  errors.Add(7, "a.b", "second");
  errors.Add(3, "", "first");
  errors.Add(0, "c", "no line");
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors.Messages(),
              ElementsAre("f.yaml: c: no line", "f.yaml:3: first",
                          "f.yaml:7: a.b: second"));
  absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "f.yaml: c: no line\nf.yaml:3: first\nf.yaml:7: a.b: second");
}

TEST(ErrorListTest, CapsTheReport) {
  ErrorList errors("f.yaml");
  for (int i = 1; i <= 105; ++i) errors.Add(i, "k", "bad");
  std::string message(errors.ToStatus().message());
  EXPECT_THAT(message, ::testing::HasSubstr("f.yaml:100: k: bad\n"));
  EXPECT_THAT(message, ::testing::EndsWith("f.yaml: ... and 5 more errors"));
}

TEST(MapReaderTest, ReadsTypedFields) {
  Node doc = MustParse(
      "name: riposte\n"
      "count: 42\n"
      "enabled: true\n"
      "window: 1h30m\n"
      "tags: [a, b]\n"
      "store:\n"
      "  engine: sqlite\n"
      "  sqlite:\n"
      "    file: x.db\n"
      "items:\n"
      "  - id: one\n"
      "  - id: two\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  std::string name;
  int64_t count = 0;
  bool enabled = false;
  absl::Duration window;
  std::vector<std::string> tags;
  std::string engine;
  std::string file;
  std::vector<std::string> ids;
  EXPECT_TRUE(root.RequiredString("name", &name));
  EXPECT_TRUE(root.RequiredInt64("count", &count, IntBounds::Positive()));
  EXPECT_TRUE(root.OptionalBool("enabled", &enabled));
  EXPECT_TRUE(root.OptionalDuration("window", &window));
  EXPECT_TRUE(root.OptionalStringList("tags", &tags));
  EXPECT_TRUE(root.RequiredMap("store", [&](MapReader& store) {
    EXPECT_EQ(store.path(), "store");
    EXPECT_EQ(store.line(), 6);
    store.OptionalString("engine", &engine);
    store.OptionalMap("sqlite", [&](MapReader& sqlite) {
      EXPECT_EQ(sqlite.path(), "store.sqlite");
      sqlite.RequiredString("file", &file);
    });
  }));
  EXPECT_TRUE(root.OptionalSequence(
      "items", [&](const Node& item, const std::string& path) {
        MapReader::ReadMap(item, path, &errors, [&](MapReader& r) {
          std::string id;
          if (r.RequiredString("id", &id)) ids.push_back(absl::StrCat(path, "=", id));
        });
      }));
  EXPECT_TRUE(root.Finish());
  EXPECT_TRUE(errors.empty()) << errors.ToStatus();
  EXPECT_EQ(name, "riposte");
  EXPECT_EQ(count, 42);
  EXPECT_TRUE(enabled);
  EXPECT_EQ(window, absl::Minutes(90));
  EXPECT_THAT(tags, ElementsAre("a", "b"));
  EXPECT_EQ(engine, "sqlite");
  EXPECT_EQ(file, "x.db");
  EXPECT_THAT(ids, ElementsAre("items[0]=one", "items[1]=two"));
}

TEST(MapReaderTest, AbsentOptionalKeysKeepDefaults) {
  Node doc = MustParse("other: 1\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  std::string s = "default";
  int64_t i = 7;
  bool b = true;
  absl::Duration d = absl::Seconds(3);
  bool ran = false;
  EXPECT_FALSE(root.OptionalString("s", &s));
  EXPECT_FALSE(root.OptionalInt64("i", &i));
  EXPECT_FALSE(root.OptionalBool("b", &b));
  EXPECT_FALSE(root.OptionalDuration("d", &d));
  EXPECT_FALSE(root.OptionalMap("m", [&](MapReader&) { ran = true; }));
  EXPECT_TRUE(root.Has("other"));
  EXPECT_TRUE(root.Finish());
  EXPECT_TRUE(errors.empty()) << errors.ToStatus();
  EXPECT_FALSE(ran);
  EXPECT_EQ(s, "default");
  EXPECT_EQ(i, 7);
  EXPECT_TRUE(b);
  EXPECT_EQ(d, absl::Seconds(3));
}

TEST(MapReaderTest, NullMapValueReadsAsEmptyMap) {
  Node doc = MustParse("store:\nnext: 1\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  bool ran = false;
  EXPECT_TRUE(root.OptionalMap("store", [&](MapReader& store) {
    ran = true;
    EXPECT_EQ(store.line(), 1);
    std::string engine = "sqlite";
    store.RequiredString("engine", &engine);
  }));
  root.Has("next");
  root.Finish();
  EXPECT_TRUE(ran);
  EXPECT_THAT(errors.Messages(),
              ElementsAre("t.yaml:1: store.engine: required key is missing"));
}

TEST(MapReaderTest, ReportsEveryErrorWithFileLineAndPath) {
  Node doc = MustParse(
      "name: [not, a, string]\n"         // 1
      "count: 1.5\n"                     // 2
      "limit: 0\n"                       // 3
      "enabled: yes\n"                   // 4
      "correlation:\n"                   // 5
      "  window: 5 minutes\n"            // 6
      "  grace: -5s\n"                   // 7
      "  big: 99999999999999999999\n"    // 8
      "tags: [ok, [nested]]\n"           // 9
      "store: just text\n"               // 10
      "list: {a: 1}\n");                 // 11
  ErrorList errors("riposted.yaml");
  MapReader root(doc, "", &errors);
  std::string name;
  int64_t count = 0, limit = 0, big = 0;
  bool enabled = false;
  absl::Duration window, grace;
  std::vector<std::string> tags;
  EXPECT_FALSE(root.RequiredString("name", &name));
  EXPECT_FALSE(root.OptionalInt64("count", &count));
  EXPECT_FALSE(root.OptionalInt64("limit", &limit, IntBounds::Positive()));
  EXPECT_FALSE(root.OptionalBool("enabled", &enabled));
  root.OptionalMap("correlation", [&](MapReader& c) {
    EXPECT_FALSE(c.OptionalDuration("window", &window));
    EXPECT_FALSE(c.OptionalDuration("grace", &grace));
    EXPECT_FALSE(c.OptionalInt64("big", &big));
  });
  EXPECT_FALSE(root.OptionalStringList("tags", &tags));
  EXPECT_FALSE(root.OptionalMap("store", [](MapReader&) {}));
  EXPECT_FALSE(root.OptionalSequence("list", [](const Node&, const std::string&) {}));
  std::string missing;
  EXPECT_FALSE(root.RequiredString("missing", &missing));
  EXPECT_TRUE(root.Finish());
  EXPECT_THAT(
      errors.Messages(),
      ElementsAre(
          "riposted.yaml:1: name: expected a string, got a sequence",
          "riposted.yaml:1: missing: required key is missing",
          "riposted.yaml:2: count: expected an integer, got \"1.5\"",
          "riposted.yaml:3: limit: must be positive, got 0",
          "riposted.yaml:4: enabled: expected true or false, got \"yes\"",
          "riposted.yaml:6: correlation.window: bad duration \"5 minutes\" "
          "(use e.g. 30s, 5m, 24h)",
          "riposted.yaml:7: correlation.grace: must not be negative, got "
          "\"-5s\"",
          "riposted.yaml:8: correlation.big: integer "
          "\"99999999999999999999\" is out of range",
          "riposted.yaml:9: tags[1]: expected a string, got a sequence",
          "riposted.yaml:10: store: expected a map of keys, got a scalar",
          "riposted.yaml:11: list: expected a sequence (a list of '- ' "
          "items), got a map"));
  EXPECT_THAT(tags, ElementsAre("ok"));  // the good items are kept
}

TEST(MapReaderTest, FinishReportsUnknownKeysWithAllowedList) {
  Node doc = MustParse(
      "grpc:\n"
      "  listen: x\n"
      "  lisen: y\n"
      "stor:\n"
      "  a: 1\n"
      "empty:\n"
      "  surprise: 1\n");
  ErrorList errors("riposted.yaml");
  MapReader root(doc, "", &errors);
  root.OptionalMap("grpc", [&](MapReader& grpc) {
    std::string listen;
    grpc.OptionalString("listen", &listen);
    int64_t max = 0;
    grpc.OptionalInt64("max_receive_message_bytes", &max);
  });
  root.OptionalMap("empty", [](MapReader&) {});
  root.OptionalMap("store", [](MapReader&) {});
  EXPECT_FALSE(root.Finish());
  EXPECT_THAT(
      errors.Messages(),
      ElementsAre("riposted.yaml:3: unknown key 'lisen' in 'grpc' (allowed: "
                  "listen, max_receive_message_bytes)",
                  "riposted.yaml:4: unknown key 'stor' at the top level "
                  "(allowed: grpc, empty, store)",
                  "riposted.yaml:7: unknown key 'surprise' in 'empty' (no "
                  "keys are allowed here)"));
}

TEST(MapReaderTest, NonMapDocumentIsReportedOnce) {
  Node doc = MustParse("- a\n- b\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  std::string s;
  EXPECT_FALSE(root.OptionalString("a", &s));
  EXPECT_TRUE(root.Finish());
  EXPECT_THAT(errors.Messages(),
              ElementsAre("t.yaml:1: the document must be a map of keys, got "
                          "a sequence"));
}

TEST(MapReaderTest, ReadMapRejectsNonMapItems) {
  Node doc = MustParse("items:\n  - id: a\n  - just-a-string\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  int maps = 0;
  root.RequiredSequence("items", [&](const Node& item, const std::string& path) {
    if (MapReader::ReadMap(item, path, &errors, [&](MapReader& r) {
          r.Has("id");
        })) {
      ++maps;
    }
  });
  root.Finish();
  EXPECT_EQ(maps, 1);
  EXPECT_THAT(errors.Messages(),
              ElementsAre("t.yaml:3: items[1]: value must be a map of keys, "
                          "got a scalar"));
}

TEST(MapReaderTest, AddErrorUsesKeyLineAndPath) {
  Node doc = MustParse("a: 1\nsub:\n  b: 2\n");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  root.OptionalMap("sub", [&](MapReader& sub) {
    EXPECT_TRUE(sub.Has("b"));
    EXPECT_EQ(sub.LineOf("b"), 3);
    EXPECT_EQ(sub.LineOf("nope"), 2);
    sub.AddError("b", "too small");
    sub.AddMapError("inconsistent");
  });
  root.Has("a");
  EXPECT_EQ(root.PathOf("x"), "x");
  root.Finish();
  EXPECT_THAT(errors.Messages(), ElementsAre("t.yaml:2: sub: inconsistent",
                                             "t.yaml:3: sub.b: too small"));
}

TEST(MapReaderTest, EmptyDocumentReadsAsEmptyMap) {
  Node doc = MustParse("");
  ErrorList errors("t.yaml");
  MapReader root(doc, "", &errors);
  std::string s;
  EXPECT_FALSE(root.RequiredString("id", &s));
  EXPECT_TRUE(root.Finish());
  EXPECT_THAT(errors.Messages(),
              ElementsAre("t.yaml:1: id: required key is missing"));
}

}  // namespace
}  // namespace riposte::yaml
