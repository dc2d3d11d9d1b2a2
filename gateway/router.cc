#include "gateway/router.h"

#include <algorithm>
#include <utility>

namespace mcp_oauth::gateway {
namespace {

std::string AllowedMethods(const std::map<std::string, RouteHandler>& by_method, bool cors) {
  std::string allow;
  for (const auto& entry : by_method) {
    if (!allow.empty()) allow += ", ";
    allow += entry.first;
  }
  if (cors) allow += ", OPTIONS";
  return allow;
}

void AddCorsHeaders(const CorsPolicy& cors, HttpResponse& response) {
  response.SetHeader("Access-Control-Allow-Origin", "*");
  if (!cors.expose_headers.empty()) {
    response.SetHeader("Access-Control-Expose-Headers", cors.expose_headers);
  }
}

}  // namespace

void Router::Add(const std::string& method, const std::string& path, RouteHandler handler) {
  routes_[path].by_method[method] = std::move(handler);
}

void Router::SetOptions(const std::string& path, RouteOptions options) {
  routes_[path].options = std::move(options);
}

bool Router::HasRoute(const std::string& path) const { return routes_.count(path) > 0; }

std::optional<size_t> Router::BodyLimit(std::string_view path) const {
  auto route = routes_.find(path);
  if (route == routes_.end()) return std::nullopt;
  return route->second.options.max_body_bytes;
}

size_t Router::LargestBodyLimit() const {
  size_t largest = 0;
  for (const auto& [path, route] : routes_) {
    largest = std::max(largest, route.options.max_body_bytes.value_or(0));
  }
  return largest;
}

void Router::Handle(HttpRequest request, Responder respond) {
  auto route = routes_.find(request.path);
  if (route == routes_.end()) {
    return respond(
        JsonResponse(404, R"({"error":"not_found","error_description":"no such endpoint"})"));
  }
  const Route& entry = route->second;
  const CorsPolicy& cors = entry.options.cors;
  if (request.method == "OPTIONS" && cors.enabled) {
    HttpResponse preflight;
    preflight.status = 204;
    preflight.SetHeader("Access-Control-Allow-Origin", "*");
    preflight.SetHeader("Access-Control-Allow-Methods", AllowedMethods(entry.by_method, true));
    preflight.SetHeader("Access-Control-Allow-Headers", cors.allow_headers);
    preflight.SetHeader("Access-Control-Max-Age", "86400");
    return respond(std::move(preflight));
  }
  auto handler = entry.by_method.find(request.method);
  if (handler == entry.by_method.end()) {
    HttpResponse response = JsonResponse(
        405,
        R"({"error":"method_not_allowed","error_description":"method not allowed on this endpoint"})");
    response.SetHeader("Allow", AllowedMethods(entry.by_method, cors.enabled));
    return respond(std::move(response));
  }
  if (!cors.enabled || !request.headers.Has("origin")) {
    return handler->second(std::move(request), std::move(respond));
  }
  // A cross-origin request to a CORS route: add the headers to whatever the
  // handler answers.
  handler->second(std::move(request), [cors, respond = std::move(respond)](HttpResponse response) {
    AddCorsHeaders(cors, response);
    respond(std::move(response));
  });
}

}  // namespace mcp_oauth::gateway
