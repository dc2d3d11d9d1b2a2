// The HTML pages of the OAuth flow (sign-in form, error page), with every
// reflected value escaped, and the security headers every page carries.
#ifndef MCP_OAUTH_GATEWAY_HTML_H_
#define MCP_OAUTH_GATEWAY_HTML_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

// Escapes & < > " ' for use in HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

struct LoginPage {
  std::string authorization_id;
  std::string csrf_token;
  std::string client_id;
  std::string client_name;
  std::string redirect_host;
  std::vector<std::string> scopes;
  std::string username;        // pre-filled after a failed attempt
  std::string error_message;   // shown above the form when not empty
  bool password_login = true;  // show the username/password form
  // Upstream identity providers offered as buttons: (id, display name).
  std::vector<std::pair<std::string, std::string>> identity_providers;
};

// An HTML response (no-store, CSP, X-Frame-Options DENY, no referrer, nosniff).
HttpResponse HtmlResponse(int status, std::string html);

std::string RenderLoginPage(const LoginPage& page);
std::string RenderErrorPage(std::string_view title, std::string_view message);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTML_H_
