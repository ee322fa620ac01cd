#include "actions/registry.h"

#include <cstdlib>

#include "actions/gateway/registration.h"
#include "actions/graph/registration.h"
#include "actions/webhook/registration.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions {
namespace {

using ::testing::HasSubstr;

TEST(ActionRegistryTest, DuplicateKindIsAnError) {
  ActionRegistry registry;
  ASSERT_TRUE(graph::RegisterGraphAdapter(registry).ok());
  absl::Status again = graph::RegisterGraphAdapter(registry);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("graph"));
}

TEST(ActionRegistryTest, FactoriesBuildWhatTheTenantConfigures) {
  ActionRegistry registry;
  ASSERT_TRUE(graph::RegisterGraphAdapter(registry).ok());
  ASSERT_TRUE(gateway::RegisterGatewayAdapter(registry).ok());
  ASSERT_TRUE(webhook::RegisterWebhookAdapter(registry).ok());
  http::FakeHttpClient http([](const http::HttpRequest&) {
    return http::JsonResponse(200, "{}");
  });
  AdapterContext ctx{&http, Clock::Real(), absl::Seconds(5)};

  setenv("RIPOSTE_TEST_GRAPH_SECRET", "s3cr3t-value", 1);
  config::TenantConfig t;
  t.id = "contoso";
  t.graph.enabled = true;
  t.graph.directory_tenant = "contoso.onmicrosoft.com";
  t.graph.client_id = "app";
  t.graph.client_secret.env = "RIPOSTE_TEST_GRAPH_SECRET";
  config::WebhookConfig w;
  w.name = "soar";
  w.url = "http://127.0.0.1:9/hook";
  w.body_template = "{\"a\":\"{{action}}\"}";
  t.webhooks.push_back(w);

  std::vector<std::string> names;
  for (const auto& [kind, factory] : registry.factories()) {
    auto built = factory(t, ctx);
    ASSERT_TRUE(built.ok()) << kind << ": " << built.status();
    for (const auto& [name, adapter] : *built) names.push_back(name);
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("graph", "webhook:soar"));

  // A secret that cannot be read names the key, never a value.
  t.graph.client_secret.env = "RIPOSTE_TEST_MISSING_SECRET";
  auto broken = registry.factories().at("graph")(t, ctx);
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(),
              HasSubstr("tenants.contoso.graph.client_secret"));
  EXPECT_THAT(broken.status().message(), ::testing::Not(HasSubstr("s3cr3t")));
}

}  // namespace
}  // namespace riposte::actions
