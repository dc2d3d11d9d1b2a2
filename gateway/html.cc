#include "gateway/html.h"

namespace mcp_oauth::gateway {
namespace {

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}"
    "main{max-width:380px;margin:10vh auto;background:#fff;padding:2em;border-radius:8px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
    "h1{font-size:1.4em;margin-top:0}label{display:block;margin:.8em 0 .2em}"
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5em}"
    "button{margin-top:1.2em;width:100%;padding:.6em;font-size:1em}"
    ".error{color:#a00;background:#fee;padding:.5em;border-radius:4px}"
    ".meta{color:#555;font-size:.9em}";

std::string Page(std::string_view title, const std::string& body) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
         HtmlEscape(title) + "</title><style>" + kStyle + "</style></head><body><main>" + body +
         "</main></body></html>";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

HttpResponse HtmlResponse(int status, std::string html) {
  HttpResponse response = MakeResponse(status, "text/html; charset=utf-8", std::move(html));
  // No scripts at all; inline styles only; never framed (clickjacking).
  response.SetHeader("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                     "base-uri 'none'");
  response.SetHeader("X-Frame-Options", "DENY");
  response.SetHeader("Referrer-Policy", "no-referrer");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("Pragma", "no-cache");
  return response;
}

std::string RenderLoginPage(const LoginPage& page) {
  std::string scopes;
  for (const auto& scope : page.scopes) {
    if (!scopes.empty()) scopes += ", ";
    scopes += scope;
  }
  std::string name = page.client_name.empty() ? page.client_id : page.client_name;
  std::string body = "<h1>Sign in</h1><p><strong>" + HtmlEscape(name) +
                     "</strong> is asking to access this server";
  if (!scopes.empty()) body += " with scope <code>" + HtmlEscape(scopes) + "</code>";
  body += ".</p><p class=\"meta\">Client ID: <code>" + HtmlEscape(page.client_id) +
          "</code><br>After signing in you will return to <strong>" +
          HtmlEscape(page.redirect_host) + "</strong>.</p>";
  if (!page.error_message.empty()) {
    body += "<p class=\"error\" role=\"alert\">" + HtmlEscape(page.error_message) + "</p>";
  }
  // One button per identity provider; each posts to /login/oidc/start.
  for (const auto& [id, display_name] : page.identity_providers) {
    body +=
        "<form method=\"post\" action=\"/login/oidc/start\">"
        "<input type=\"hidden\" name=\"authorization_id\" value=\"" +
        HtmlEscape(page.authorization_id) +
        "\"><input type=\"hidden\" name=\"csrf_token\" value=\"" + HtmlEscape(page.csrf_token) +
        "\"><input type=\"hidden\" name=\"provider\" value=\"" + HtmlEscape(id) +
        "\"><button type=\"submit\">Sign in with " + HtmlEscape(display_name) + "</button></form>";
  }
  if (!page.password_login) return Page("Sign in", body);
  if (!page.identity_providers.empty()) body += "<p class=\"meta\">Or with a local account:</p>";
  body +=
      "<form method=\"post\" action=\"/login\">"
      "<input type=\"hidden\" name=\"authorization_id\" value=\"" +
      HtmlEscape(page.authorization_id) + "\"><input type=\"hidden\" name=\"csrf_token\" value=\"" +
      HtmlEscape(page.csrf_token) +
      "\"><label for=\"username\">Username</label>"
      "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" "
      "required autofocus value=\"" +
      HtmlEscape(page.username) +
      "\"><label for=\"password\">Password</label>"
      "<input type=\"password\" id=\"password\" name=\"password\" "
      "autocomplete=\"current-password\" required>"
      "<button type=\"submit\">Sign in</button></form>";
  return Page("Sign in", body);
}

std::string RenderErrorPage(std::string_view title, std::string_view message) {
  return Page(title, "<h1>" + HtmlEscape(title) + "</h1><p>" + HtmlEscape(message) + "</p>");
}

}  // namespace mcp_oauth::gateway
