#include "actions/graph/graph_options.h"

#include <iterator>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::graph {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Expected {
  const char* cloud;
  const char* login_base_url;
  const char* graph_base_url;
  const char* scope;
};

// learn.microsoft.com/graph/deployments: the token service and Graph root
// of each cloud; the scope is the Graph root + "/.default".
constexpr Expected kExpected[] = {
    {"global", "https://login.microsoftonline.com",
     "https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/.default"},
    {"usgov", "https://login.microsoftonline.us",
     "https://graph.microsoft.us/v1.0", "https://graph.microsoft.us/.default"},
    {"usgov-dod", "https://login.microsoftonline.us",
     "https://dod-graph.microsoft.us/v1.0",
     "https://dod-graph.microsoft.us/.default"},
    {"china", "https://login.chinacloudapi.cn",
     "https://microsoftgraph.chinacloudapi.cn/v1.0",
     "https://microsoftgraph.chinacloudapi.cn/.default"},
};

TEST(GraphCloudTest, EachCloudHasItsLoginHostGraphAndAudience) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.cloud);
    const GraphCloud* cloud = FindGraphCloud(e.cloud);
    ASSERT_NE(cloud, nullptr);
    EXPECT_EQ(cloud->name, e.cloud);
    GraphOptions options = GraphOptionsForCloud(*cloud);
    EXPECT_EQ(options.login_base_url, e.login_base_url);
    EXPECT_EQ(options.graph_base_url, e.graph_base_url);
    EXPECT_EQ(options.scope, e.scope);
    // The scope's resource is the host Graph is served from.
    EXPECT_EQ(options.scope.substr(0, options.scope.size() - 9),
              options.graph_base_url.substr(0, options.graph_base_url.size() - 5));
    EXPECT_FALSE(cloud->description.empty());
  }
  EXPECT_EQ(GraphClouds().size(), std::size(kExpected));
  EXPECT_EQ(GraphCloudNames(), "global, usgov, usgov-dod, china");
}

TEST(GraphCloudTest, UnknownNamesAreNotGuessed) {
  EXPECT_EQ(FindGraphCloud("USGov"), nullptr);
  EXPECT_EQ(FindGraphCloud("gcc-high"), nullptr);
  EXPECT_EQ(FindGraphCloud(""), nullptr);
}

TEST(GraphCloudTest, DefaultOptionsAreTheGlobalCloud) {
  GraphOptions defaults;
  GraphOptions global = GraphOptionsForCloud(*FindGraphCloud(kGlobalCloud));
  EXPECT_EQ(defaults.login_base_url, global.login_base_url);
  EXPECT_EQ(defaults.graph_base_url, global.graph_base_url);
  EXPECT_EQ(defaults.scope, global.scope);
}

TEST(GraphOptionsTest, ScopeMustBeOneResourceWithDotDefault) {
  GraphOptions o = GraphOptionsForCloud(*FindGraphCloud("usgov"));
  o.directory_tenant = "contoso.onmicrosoft.us";
  o.client_id = "app";
  o.client_secret = "s3cret";
  EXPECT_TRUE(ValidateGraphOptions(o).ok());
  o.scope = "00000003-0000-0000-c000-000000000000/.default";
  EXPECT_TRUE(ValidateGraphOptions(o).ok());
  for (const char* bad :
       {"", "/.default", "User.Read", "https://graph.microsoft.us/User.Read",
        "https://graph.microsoft.us/.default offline_access"}) {
    SCOPED_TRACE(bad);
    o.scope = bad;
    absl::Status s = ValidateGraphOptions(o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("graph option scope: must be"));
    EXPECT_THAT(s.message(), Not(HasSubstr("s3cret")));
  }
}

}  // namespace
}  // namespace riposte::actions::graph
