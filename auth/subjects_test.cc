#include "auth/subjects.h"

#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

AuthOptions Options() {
  AuthOptions o;
  UserConfig alice;
  alice.username = "alice";
  alice.subject = "sub-alice";
  UserConfig bob;  // Subject defaults to the username.
  bob.username = "bob";
  o.users = {alice, bob};
  ClientConfig web;
  web.client_id = "web";
  ClientConfig svc;
  svc.client_id = "svc";
  svc.grant_types = {"client_credentials"};
  o.clients = {web, svc};
  return o;
}

TEST(SubjectDirectoryTest, LocalUsersBySubject) {
  SubjectDirectory d(Options());
  EXPECT_TRUE(d.Exists("sub-alice"));
  EXPECT_TRUE(d.Exists("bob"));
  EXPECT_FALSE(d.Exists("alice"));  // Her username is not her subject.
  EXPECT_FALSE(d.Exists("carol"));
  EXPECT_FALSE(d.Exists(""));
}

TEST(SubjectDirectoryTest, MachineSubjectsNeedAClientCredentialsClient) {
  SubjectDirectory d(Options());
  EXPECT_EQ(MachineSubject("svc"), "client:svc");
  EXPECT_TRUE(d.Exists("client:svc"));
  EXPECT_FALSE(d.Exists("svc"));         // The bare client id is not a machine subject.
  EXPECT_FALSE(d.Exists("client:web"));  // No client_credentials grant.
  EXPECT_FALSE(d.Exists("client:gone"));
  EXPECT_FALSE(d.Exists("client:"));
}

TEST(SubjectDirectoryTest, ProviderSubjectsBelongToTheirProvider) {
  SubjectDirectory d(Options());
  EXPECT_FALSE(d.Exists("google:1234"));  // No such provider configured.
  d.AddProvider("google");
  d.AddProvider("corp", [](std::string_view upstream) { return upstream != "fired"; });
  EXPECT_TRUE(d.Exists("google:1234"));
  EXPECT_TRUE(d.Exists("corp:42"));
  EXPECT_FALSE(d.Exists("corp:fired"));
  EXPECT_FALSE(d.Exists("okta:1234"));  // A provider no longer configured.
  // The machine prefix is not a provider's, whatever is registered.
  d.AddProvider("client");
  EXPECT_FALSE(d.Exists("client:web"));
}

}  // namespace
}  // namespace mcp_oauth::auth
