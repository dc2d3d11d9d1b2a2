#include "auth/postgres_conninfo.h"

#include <postgresql/libpq-fe.h>  // Debian: /usr/include/postgresql

#include <string>

#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

constexpr char kSecret[] = "s3cret";

void ExpectNoSecret(const std::string& text) {
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr"), std::string::npos) << text;  // nor part of it
}

TEST(RedactConninfoTest, UriUserinfo) {
  std::string shown = RedactConninfo("postgres://app:s3cret@db.example:5433/tokens");
  ExpectNoSecret(shown);
  EXPECT_EQ(shown, "user=app password=*** dbname=tokens host=db.example port=5433");
}

TEST(RedactConninfoTest, UriQuery) {
  std::string shown =
      RedactConninfo("postgresql://db.example/tokens?user=app&password=s3cret&sslmode=require");
  ExpectNoSecret(shown);
  EXPECT_EQ(shown, "user=app password=*** dbname=tokens host=db.example sslmode=require");
  // Percent-encoded, and given twice (the query wins in libpq).
  shown = RedactConninfo("postgres://app:s3cr%65t@h/db?password=%73%33cret&sslpassword=s3cret");
  ExpectNoSecret(shown);
  EXPECT_NE(shown.find("sslpassword=***"), std::string::npos) << shown;
}

TEST(RedactConninfoTest, KeyValue) {
  std::string shown = RedactConninfo("host=db.example dbname=tokens user=app password=s3cret");
  ExpectNoSecret(shown);
  EXPECT_EQ(shown, "user=app password=*** dbname=tokens host=db.example");
  shown = RedactConninfo("host = db password = 's3cret with \\' quote' application_name='my app'");
  ExpectNoSecret(shown);
  EXPECT_EQ(shown, "password=*** host=db application_name='my app'");
}

TEST(RedactConninfoTest, UnparseableStringsHideWhatCouldBeAPassword) {
  for (const char* conninfo :
       {"password=s3cret unterminated='x", "password=my s3cret", "postgres://u:s3cret@[oops",
        "postgres://u:s3cret%zz@h/db", "mysql://root:s3cret@db/x"}) {
    SCOPED_TRACE(conninfo);
    std::string shown = RedactConninfo(conninfo);
    ExpectNoSecret(shown);
    EXPECT_NE(shown.find("not shown"), std::string::npos) << shown;
  }
  // Nowhere for a password to be: shown as it is.
  EXPECT_EQ(RedactConninfo("redis://x"), "redis://x");
}

TEST(RedactLibpqMessageTest, ParseErrorsQuoteTheStringAndAreHidden) {
  // libpq's own messages for these quote the token, the keyword or the whole
  // URI, password included.
  for (const char* conninfo :
       {"password=my s3cret", "postgres://u:s3cret%zz@h/db", "postgres://u:s3cret@[oops",
        "postgres://u:s3\"cret@[oops", "host=x password='s3cret"}) {
    SCOPED_TRACE(conninfo);
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo, &error);
    ASSERT_EQ(options, nullptr);
    ASSERT_NE(error, nullptr);
    std::string raw = error;
    PQfreemem(error);
    std::string shown = RedactLibpqMessage(raw, conninfo);
    ExpectNoSecret(shown);
    EXPECT_EQ(shown.find("cret"), std::string::npos) << shown;
    EXPECT_FALSE(shown.empty());
  }
  // What libpq says, minus the quoted part.
  EXPECT_EQ(RedactLibpqMessage("missing \"=\" after \"s3cret\" in connection info string\n",
                               "password=my s3cret"),
            "missing \"=\" after \"...\" in connection info string\n");
}

TEST(RedactLibpqMessageTest, ConnectionErrorsKeepTheirDetailButNeverThePassword) {
  std::string shown =
      RedactLibpqMessage("connection to server at \"127.0.0.1\", port 1 failed: s3cret",
                         "postgres://u@h/db?password=s3cret");
  EXPECT_EQ(shown, "connection to server at \"127.0.0.1\", port 1 failed: ***");
}

}  // namespace
}  // namespace mcp_oauth::auth
