#include "mcp/service_common.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/principal_proto.h"

namespace mcp_oauth::mcp {

std::shared_ptr<const RequestStateCodec> MakeRequestStateCodec(
    const CatalogServiceOptions& options) {
  return std::make_shared<const RequestStateCodec>(
      options.request_state_key.empty() ? crypto::RandomBytes(32) : options.request_state_key,
      options.request_state_ttl);
}

CallContext ContextFor(const grpc::CallbackServerContext& context,
                       const identity::v1::Principal& caller) {
  absl::Time deadline = absl::InfiniteFuture();
  const auto client = context.deadline();
  // gRPC reports "no deadline" as a far-future time point.
  if (client < std::chrono::system_clock::now() + std::chrono::hours(24 * 365))
    deadline = absl::FromChrono(client);
  return CallContext(PrincipalFromProto(caller), deadline);
}

grpc::Status HandlerFailure(const absl::Status& status, const std::string& what) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(status.message()));
    case absl::StatusCode::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, std::string(status.message()));
    case absl::StatusCode::kPermissionDenied:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(status.message()));
    default:
      log::Warning(absl::StrCat(what, " failed: ", status.ToString()));
      return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat(what, " failed"));
  }
}

}  // namespace mcp_oauth::mcp
