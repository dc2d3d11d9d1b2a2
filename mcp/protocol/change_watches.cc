#include "mcp/protocol/change_watches.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/jsonrpc_envelope.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;
namespace rv1 = mcp_oauth::resources::v1;

// Per-session subscriptions beyond this are refused (bounded memory).
constexpr size_t kMaxSubscriptionsPerSession = 1000;
constexpr size_t kMaxSubscribedUriBytes = 2048;

json Notification(const char* method, json params) {
  json message = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message;
}

}  // namespace

ChangeWatches::ChangeWatches(std::shared_ptr<client::ToolClient> tools,
                             std::shared_ptr<client::ResourceClient> resources, absl::Mutex* mu,
                             SessionTable* sessions)
    : tools_(std::move(tools)), resources_(std::move(resources)), mu_(mu), sessions_(sessions) {}

void ChangeWatches::Ensure(const std::weak_ptr<const void>& owner) {
  bool tools = false;
  bool resources = false;
  {
    absl::MutexLock lock(mu_);
    if (shut_down_) return;
    tools = tools_ != nullptr && tool_watch_.context == nullptr && !tool_watch_.unsupported;
    resources =
        resources_ != nullptr && resource_watch_.context == nullptr && !resource_watch_.unsupported;
  }
  if (tools) StartToolWatch(owner);
  if (resources) StartResourceWatch(owner);
}

void ChangeWatches::MaybeStop() {
  std::vector<std::shared_ptr<client::Cancellation>> stop;
  {
    absl::MutexLock lock(mu_);
    if (sessions_->AnyActiveStream()) return;
    for (Watch* watch : {&tool_watch_, &resource_watch_}) {
      if (watch->context) stop.push_back(std::move(watch->context));
      watch->context = nullptr;
    }
  }
  for (auto& watch : stop) watch->Cancel();
}

void ChangeWatches::Shutdown() {
  std::vector<std::shared_ptr<client::Cancellation>> stop;
  {
    absl::MutexLock lock(mu_);
    shut_down_ = true;
    for (Watch* watch : {&tool_watch_, &resource_watch_}) {
      if (watch->context) stop.push_back(std::move(watch->context));
    }
  }
  for (auto& watch : stop) watch->Cancel();
  // The cancelled watches end on gRPC threads; bounded, as a stuck one must
  // not hang the process's shutdown.
  auto done = [](int* live) { return *live == 0; };
  mu_->LockWhenWithTimeout(absl::Condition(+done, &live_), absl::Seconds(2));
  mu_->Unlock();
}

std::shared_ptr<client::Cancellation> ChangeWatches::Claim(Watch* watch) {
  auto context = std::make_shared<client::Cancellation>();
  absl::MutexLock lock(mu_);
  if (shut_down_ || watch->context != nullptr) return nullptr;
  watch->context = context;
  ++live_;
  return context;
}

void ChangeWatches::Ended(Watch* watch, const std::shared_ptr<client::Cancellation>& context,
                          const grpc::Status& status, const char* name) {
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    log::Warning(absl::StrCat(name, " ended: ", status.error_code(), " ", status.error_message(),
                              " (restarted on the next stream or subscription)"));
  }
  absl::MutexLock lock(mu_);
  --live_;
  if (watch->context == context) watch->context = nullptr;
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) watch->unsupported = true;
}

void ChangeWatches::StartToolWatch(const std::weak_ptr<const void>& owner) {
  std::shared_ptr<client::Cancellation> watch = Claim(&tool_watch_);
  if (watch == nullptr) return;
  client::CallOptions options;
  options.timeout = absl::InfiniteDuration();
  options.cancellation = watch;
  tools_->WatchTools(
      options,
      [this, owner](const mcp_oauth::tools::v1::ToolsChanged& event) {
        if (auto alive = owner.lock()) OnToolsChanged(event.version_tag());
      },
      [this, owner, watch](const grpc::Status& status) {
        if (auto alive = owner.lock()) Ended(&tool_watch_, watch, status, "WatchTools");
      });
}

void ChangeWatches::StartResourceWatch(const std::weak_ptr<const void>& owner) {
  std::shared_ptr<client::Cancellation> watch = Claim(&resource_watch_);
  if (watch == nullptr) return;
  client::CallOptions options;
  options.timeout = absl::InfiniteDuration();
  options.cancellation = watch;
  resources_->WatchResources(
      options,
      [this, owner](const rv1::ResourceUpdated& event) {
        if (event.uri().empty()) return;  // the watch is in place
        if (auto alive = owner.lock()) OnResourceUpdated(event.uri());
      },
      [this, owner, watch](const grpc::Status& status) {
        if (auto alive = owner.lock()) Ended(&resource_watch_, watch, status, "WatchResources");
      });
}

void ChangeWatches::OnToolsChanged(const std::string& version_tag) {
  {
    absl::MutexLock lock(mu_);
    const bool first = tools_tag_.empty();
    if (version_tag == tools_tag_) return;
    tools_tag_ = version_tag;
    // The first tag is the baseline; a watch restarted after a change
    // compares with the tag seen before, so the change is not lost.
    if (first) return;
  }
  Broadcast([](const Session&) { return true; },
            Notification("notifications/tools/list_changed", nullptr));
}

void ChangeWatches::OnResourceUpdated(const std::string& uri) {
  Broadcast([&uri](const Session& session) { return session.subscriptions.count(uri) > 0; },
            Notification("notifications/resources/updated", {{"uri", uri}}));
}

void ChangeWatches::Broadcast(const std::function<bool(const Session&)>& wants,
                              const json& message) {
  std::vector<std::shared_ptr<SseChannel>> targets;
  {
    absl::MutexLock lock(mu_);
    sessions_->ForEachOpen([&](const Session& session) {
      if (!wants(session)) return;
      if (std::shared_ptr<SseChannel> newest = SessionTable::NewestOpenStream(session)) {
        targets.push_back(std::move(newest));
      }
    });
  }
  const std::string data = DumpJson(message);
  for (const auto& channel : targets) channel->Send(data);
}

void ChangeWatches::Subscribe(Session& session, const std::string& method, const json& id,
                              const json& params, const Reply& reply) {
  auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string() || uri->get_ref<const std::string&>().empty() ||
      uri->get_ref<const std::string&>().size() > kMaxSubscribedUriBytes) {
    reply(RpcError(id, kInvalidParams, "Invalid params: uri must be a non-empty string"));
    return;
  }
  const std::string& target = uri->get_ref<const std::string&>();
  bool full = false;
  {
    absl::MutexLock lock(mu_);
    if (method == "resources/unsubscribe") {
      session.subscriptions.erase(target);
    } else if (session.subscriptions.size() >= kMaxSubscriptionsPerSession &&
               session.subscriptions.count(target) == 0) {
      full = true;
    } else {
      session.subscriptions.insert(target);
    }
  }
  if (full) {
    reply(RpcError(id, kInvalidParams, "Invalid params: too many subscriptions in this session"));
    return;
  }
  reply(RpcResult(id, json::object()));
}

}  // namespace mcp_oauth::mcp
