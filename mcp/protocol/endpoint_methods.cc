// The MCP methods of both eras in one table: name -> the eras that have it
// -> its handler. Adding a method is one entry here (plus its handler).
// A handler returns false when its capability is not offered (the method is
// then "not found", as when it does not exist).
#include "absl/container/flat_hash_map.h"
#include "mcp/protocol/endpoint_internal.h"

namespace mcp_oauth::mcp {
namespace {

enum Eras : unsigned {
  kSessionEra = 1,
  kStatelessEra = 2,
  kBothEras = kSessionEra | kStatelessEra
};

unsigned EraBit(ProtocolEra era) {
  return era == ProtocolEra::kSessions ? kSessionEra : kStatelessEra;
}

}  // namespace

struct McpEndpoint::Impl::Method {
  unsigned eras;
  bool (*handle)(Impl& self, RpcCall& call);
};

const absl::flat_hash_map<std::string, McpEndpoint::Impl::Method>& McpEndpoint::Impl::Methods() {
  using Call = RpcCall;
  static const auto* const kMethods = new absl::flat_hash_map<std::string, Method>{
      {"ping",
       {kSessionEra,
        [](Impl&, Call& c) {
          c.reply(RpcResult(*c.id, json::object()));
          return true;
        }}},
      {"initialize",
       {kSessionEra,
        [](Impl&, Call& c) {
          c.reply(RpcError(*c.id, kInvalidRequest,
                           "Invalid Request: initialize must be sent on its own"));
          return true;
        }}},
      {"server/discover",
       {kStatelessEra,
        [](Impl& self, Call& c) {
          c.reply(RpcResult(*c.id, self.DiscoverResult()));
          return true;
        }}},
      {"logging/setLevel", {kSessionEra, [](Impl& self, Call& c) { return self.SetLogLevel(c); }}},
      {"tools/list",
       {kBothEras,
        [](Impl& self, Call& c) {
          self.ListTools(*c.id, *c.params, *c.request_id, std::move(c.reply));
          return true;
        }}},
      {"tools/call",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (c.era == ProtocolEra::kStateless) {
            self.CallToolStateless(*c.id, *c.params, *c.principal, *c.headers, *c.request_id,
                                   std::move(c.reply), std::move(c.post), std::move(c.cancel));
          } else {
            self.session_calls_.Call(self.weak_from_this(), c.session, *c.id, *c.params,
                                     *c.principal, *c.request_id, std::move(c.reply),
                                     std::move(c.post));
          }
          return true;
        }}},
      {"resources/list",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_resources()) return false;
          self.catalog_.ListResources(*c.id, *c.params, *c.request_id, std::move(c.reply));
          return true;
        }}},
      {"resources/templates/list",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_resources()) return false;
          self.catalog_.ListResourceTemplates(*c.id, *c.params, *c.request_id, std::move(c.reply));
          return true;
        }}},
      {"resources/read",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_resources()) return false;
          self.catalog_.ReadResource(*c.id, *c.params, *c.principal, *c.request_id,
                                     std::move(c.reply), c.era == ProtocolEra::kStateless);
          return true;
        }}},
      {"resources/subscribe", {kSessionEra, &Impl::SubscribeMethod}},
      {"resources/unsubscribe", {kSessionEra, &Impl::SubscribeMethod}},
      {"prompts/list",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_prompts()) return false;
          self.catalog_.ListPrompts(*c.id, *c.params, *c.request_id, std::move(c.reply));
          return true;
        }}},
      {"prompts/get",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_prompts()) return false;
          self.catalog_.GetPrompt(*c.id, *c.params, *c.principal, *c.request_id, std::move(c.reply),
                                  c.era == ProtocolEra::kStateless);
          return true;
        }}},
      {"completion/complete",
       {kBothEras,
        [](Impl& self, Call& c) {
          if (!self.catalog_.serves_completions()) return false;
          self.catalog_.Complete(*c.id, *c.params, *c.principal, *c.request_id, std::move(c.reply));
          return true;
        }}},
      {"tasks/get", {kStatelessEra, &Impl::TaskMethod}},
      {"tasks/update", {kStatelessEra, &Impl::TaskMethod}},
      {"tasks/cancel", {kStatelessEra, &Impl::TaskMethod}},
  };
  return *kMethods;
}

void McpEndpoint::Impl::DispatchMethod(RpcCall& call) {
  const auto& methods = Methods();
  auto it = methods.find(*call.method);
  if (it == methods.end() || (it->second.eras & EraBit(call.era)) == 0 ||
      !it->second.handle(*this, call)) {
    call.reply(RpcError(*call.id, kMethodNotFound, "Method not found: " + *call.method));
  }
}

bool McpEndpoint::Impl::SetLogLevel(RpcCall& call) {
  auto level = call.params->find("level");
  if (level == call.params->end() || !level->is_string() ||
      LogLevels().count(level->get<std::string>()) == 0) {
    call.reply(
        RpcError(*call.id, kInvalidParams,
                 "Invalid params: level must be one of " + absl::StrJoin(LogLevels(), ", ")));
    return true;
  }
  {
    absl::MutexLock lock(&mu_);
    call.session->log_level = level->get<std::string>();
    call.session->log_level_set = true;
  }
  call.reply(RpcResult(*call.id, json::object()));
  return true;
}

bool McpEndpoint::Impl::SubscribeMethod(Impl& self, RpcCall& call) {
  if (!self.options_.offer_resources) return false;
  self.watches_.Subscribe(*call.session, *call.method, *call.id, *call.params, call.reply);
  return true;
}

bool McpEndpoint::Impl::TaskMethod(Impl& self, RpcCall& call) {
  if (self.tasks_ == nullptr) return false;
  self.HandleTaskMethod(*call.method, *call.id, *call.params, *call.principal,
                        std::move(call.reply));
  return true;
}

}  // namespace mcp_oauth::mcp
