#include "mcp/protocol/reply.h"

#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

RpcReply RpcReply::Rendered(std::string message) {
  RpcReply reply;
  reply.rendered_ = std::move(message);
  return reply;
}

std::string RpcReply::TakeBody() {
  if (rendered_) return *std::move(rendered_);
  if (dom_) return DumpJson(*dom_);
  return "";
}

}  // namespace mcp_oauth::mcp
