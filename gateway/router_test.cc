#include "gateway/router.h"

#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

HttpRequest Request(std::string method, std::string path) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.target = request.path;
  return request;
}

HttpResponse Call(Router& router, HttpRequest request) {
  HttpResponse captured;
  captured.status = -1;
  router.Handle(std::move(request), [&](HttpResponse response) { captured = std::move(response); });
  return captured;
}

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return "";
}

TEST(RouterTest, DispatchesByPathAndMethod) {
  Router router;
  router.Add("GET", "/a", [](HttpRequest, Responder respond) {
    respond(MakeResponse(200, "text/plain", "get a"));
  });
  router.Add("POST", "/a", [](HttpRequest, Responder respond) {
    respond(MakeResponse(201, "text/plain", "post a"));
  });
  EXPECT_EQ(Call(router, Request("GET", "/a")).body, "get a");
  EXPECT_EQ(Call(router, Request("POST", "/a")).status, 201);
}

TEST(RouterTest, UnknownPathIs404) {
  Router router;
  router.Add("GET", "/a", [](HttpRequest, Responder respond) { respond(HttpResponse{}); });
  EXPECT_EQ(Call(router, Request("GET", "/b")).status, 404);
  EXPECT_EQ(Call(router, Request("GET", "/a/")).status, 404);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/a", [](HttpRequest, Responder respond) { respond(HttpResponse{}); });
  router.Add("POST", "/a", [](HttpRequest, Responder respond) { respond(HttpResponse{}); });
  HttpResponse response = Call(router, Request("DELETE", "/a"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Header(response, "Allow"), "GET, POST");
}

TEST(RouterTest, CorsRouteAnswersPreflightAndAddsHeaders) {
  Router router;
  router.Add("POST", "/token",
             [](HttpRequest, Responder respond) { respond(JsonResponse(200, "{}")); });
  router.SetOptions("/token", {std::nullopt, CorsPolicy{true, "Authorization, Content-Type",
                                                        "WWW-Authenticate"}});
  HttpRequest preflight = Request("OPTIONS", "/token");
  preflight.headers.Add("Origin", "https://app.example");
  HttpResponse response = Call(router, preflight);
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(Header(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(response, "Access-Control-Allow-Methods"), "POST, OPTIONS");

  HttpRequest cross_origin = Request("POST", "/token");
  cross_origin.headers.Add("Origin", "https://app.example");
  response = Call(router, cross_origin);
  EXPECT_EQ(Header(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(response, "Access-Control-Expose-Headers"), "WWW-Authenticate");
}

TEST(RouterTest, NonCorsRouteHasNoCorsHeaders) {
  Router router;
  router.Add("GET", "/authorize",
             [](HttpRequest, Responder respond) { respond(MakeResponse(302, "text/plain", "")); });
  HttpRequest request = Request("GET", "/authorize");
  request.headers.Add("Origin", "https://evil.example");
  EXPECT_EQ(Header(Call(router, request), "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(Call(router, Request("OPTIONS", "/authorize")).status, 405);
}

// The server asks the route for its body limit: set per path, whatever the
// method; unset or unknown paths fall back to the server's default.
TEST(RouterTest, RoutesOwnTheirBodyLimits) {
  Router router;
  auto ok = [](HttpRequest, Responder respond) { respond(JsonResponse(200, "{}")); };
  router.Add("POST", "/token", ok);
  router.Add("POST", "/mcp", ok);
  router.Add("GET", "/mcp", ok);
  router.Add("GET", "/healthz", ok);
  EXPECT_EQ(router.LargestBodyLimit(), 0u);
  router.SetOptions("/token", {100, CorsPolicy()});
  router.SetOptions("/mcp", {5000, CorsPolicy()});
  EXPECT_EQ(router.BodyLimit("/token"), 100u);
  EXPECT_EQ(router.BodyLimit("/mcp"), 5000u);
  EXPECT_EQ(router.BodyLimit("/healthz"), std::nullopt);
  EXPECT_EQ(router.BodyLimit("/nowhere"), std::nullopt);
  EXPECT_EQ(router.LargestBodyLimit(), 5000u);
}

}  // namespace
}  // namespace mcp_oauth::gateway
