#include "client/auth_client.h"

#include <utility>

#include "client/uniform_auth_client.h"

namespace mcp_oauth::client {
namespace {

class MeteredAuthClient final : public UniformAuthClient<MeteredAuthClient> {
 public:
  explicit MeteredAuthClient(std::shared_ptr<AuthClient> inner) : inner_(std::move(inner)) {}

  template <typename Request, typename Response>
  void Call(AuthMethod<Request, Response> method, const CallOptions& options,
            const Request& request, UnaryDone<Response> done) {
    ((*inner_).*method.method)(options, request, Observed(method.name, std::move(done)));
  }

 private:
  const std::shared_ptr<AuthClient> inner_;
};

}  // namespace

std::shared_ptr<AuthClient> Metered(std::shared_ptr<AuthClient> inner) {
  return std::make_shared<MeteredAuthClient>(std::move(inner));
}

}  // namespace mcp_oauth::client
