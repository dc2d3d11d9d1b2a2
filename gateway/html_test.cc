#include "gateway/html.h"

#include <map>

#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

TEST(HtmlTest, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape(R"(<script>alert("x" & 'y')</script>)"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
}

TEST(HtmlTest, LoginPageEscapesReflectedValues) {
  LoginPage page;
  page.authorization_id = "id\"><script>";
  page.csrf_token = "csrf";
  page.client_id = "<b>client</b>";
  page.redirect_host = "evil\"host";
  page.username = "<img src=x>";
  page.error_message = "<i>bad</i>";
  std::string html = RenderLoginPage(page);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>client"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<i>bad"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;client&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf_token\" value=\"csrf\""), std::string::npos);
  EXPECT_NE(html.find("action=\"/login\""), std::string::npos);
}

TEST(HtmlTest, LoginPageOffersIdentityProviders) {
  LoginPage page;
  page.authorization_id = "auth-1";
  page.csrf_token = "csrf";
  page.client_id = "c";
  page.identity_providers = {{"corp", "Corp <SSO>"}, {"g", "Google"}};
  std::string html = RenderLoginPage(page);
  EXPECT_NE(html.find("action=\"/login/oidc/start\""), std::string::npos);
  EXPECT_NE(html.find("name=\"provider\" value=\"corp\""), std::string::npos);
  EXPECT_NE(html.find("Sign in with Corp &lt;SSO&gt;"), std::string::npos);
  EXPECT_NE(html.find("Sign in with Google"), std::string::npos);
  EXPECT_NE(html.find("action=\"/login\""), std::string::npos);  // local users too
  page.password_login = false;
  html = RenderLoginPage(page);
  EXPECT_EQ(html.find("action=\"/login\""), std::string::npos);
  EXPECT_EQ(html.find("type=\"password\""), std::string::npos);
}

TEST(HtmlTest, ResponsesCarrySecurityHeaders) {
  HttpResponse response = HtmlResponse(200, "<p>x</p>");
  std::map<std::string, std::string> headers(response.headers.begin(), response.headers.end());
  EXPECT_EQ(headers["X-Frame-Options"], "DENY");
  EXPECT_EQ(headers["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["Cache-Control"], "no-store");
  EXPECT_NE(headers["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
}

}  // namespace
}  // namespace mcp_oauth::gateway
