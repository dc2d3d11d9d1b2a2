#include "mcp/protocol/sse_stream.h"

#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

struct Capture {
  std::string data;
  int closes = 0;
  bool fail_writes = false;

  std::function<bool(std::string_view)> Write() {
    return [this](std::string_view bytes) {
      if (fail_writes) return false;
      data.append(bytes.data(), bytes.size());
      return true;
    };
  }
  std::function<void()> Close() {
    return [this] { ++closes; };
  }
};

TEST(SseChannelTest, PrimesAndDeliversEvents) {
  auto channel = std::make_shared<SseChannel>("abc", 10, /*priming=*/true);
  auto stream = channel->Connect(std::nullopt);
  EXPECT_TRUE(channel->active());
  Capture capture;
  stream->Start(capture.Write(), capture.Close());
  EXPECT_EQ(capture.data, "id: abc-0\ndata: \n\n");
  EXPECT_EQ(channel->Send(R"({"x":1})"), 1u);
  EXPECT_EQ(capture.data, "id: abc-0\ndata: \n\nid: abc-1\nevent: message\ndata: {\"x\":1}\n\n");
  stream->Cancel();
  EXPECT_FALSE(channel->active());
  channel->Send("{}");
  EXPECT_EQ(capture.data.find("abc-2"), std::string::npos);  // not written after Cancel
  EXPECT_EQ(capture.closes, 0);
}

TEST(SseChannelTest, NoPrimingWhenDisabled) {
  auto channel = std::make_shared<SseChannel>("abc", 10, /*priming=*/false);
  Capture capture;
  channel->Connect(std::nullopt)->Start(capture.Write(), capture.Close());
  EXPECT_EQ(capture.data, "");
}

TEST(SseChannelTest, ReplaysAfterLastEventId) {
  auto channel = std::make_shared<SseChannel>("s1", 10, false);
  for (int i = 1; i <= 3; ++i) channel->Send("{\"n\":" + std::to_string(i) + "}");
  Capture capture;
  channel->Connect(1)->Start(capture.Write(), capture.Close());
  EXPECT_EQ(capture.data,
            "id: s1-2\nevent: message\ndata: {\"n\":2}\n\n"
            "id: s1-3\nevent: message\ndata: {\"n\":3}\n\n");
}

TEST(SseChannelTest, ReplayBufferIsBounded) {
  auto channel = std::make_shared<SseChannel>("s1", 2, false);
  for (int i = 1; i <= 5; ++i) channel->Send("{}");
  Capture capture;
  channel->Connect(0)->Start(capture.Write(), capture.Close());
  EXPECT_EQ(capture.data.find("s1-3\n"), std::string::npos);
  EXPECT_NE(capture.data.find("s1-4\n"), std::string::npos);
  EXPECT_NE(capture.data.find("s1-5\n"), std::string::npos);
}

TEST(SseChannelTest, ResumptionSupersedesOldConnection) {
  auto channel = std::make_shared<SseChannel>("s1", 10, false);
  Capture first;
  auto old_stream = channel->Connect(std::nullopt);
  old_stream->Start(first.Write(), first.Close());
  Capture second;
  auto new_stream = channel->Connect(0);
  EXPECT_EQ(first.closes, 1);
  new_stream->Start(second.Write(), second.Close());
  old_stream->Cancel();  // must not detach the new connection
  channel->Send("{}");
  EXPECT_NE(second.data.find("s1-1"), std::string::npos);
  EXPECT_EQ(first.data.find("s1-1"), std::string::npos);
}

TEST(SseChannelTest, CloseEndsTheConnection) {
  auto channel = std::make_shared<SseChannel>("s1", 10, false);
  Capture capture;
  auto stream = channel->Connect(std::nullopt);
  stream->Start(capture.Write(), capture.Close());
  channel->Close();
  EXPECT_EQ(capture.closes, 1);
  EXPECT_TRUE(channel->closed());
  Capture late;
  channel->Connect(std::nullopt)->Start(late.Write(), late.Close());
  EXPECT_EQ(late.closes, 1);  // a closed channel closes new connections at once
}

TEST(SseChannelTest, FailedWriteDetaches) {
  auto channel = std::make_shared<SseChannel>("s1", 10, false);
  Capture capture;
  auto stream = channel->Connect(std::nullopt);
  stream->Start(capture.Write(), capture.Close());
  capture.fail_writes = true;
  channel->Send("{}");
  EXPECT_FALSE(channel->active());
}

TEST(SseChannelTest, DestroyingAnUnstartedStreamReleasesIt) {
  auto channel = std::make_shared<SseChannel>("s1", 10, false);
  {
    auto stream = channel->Connect(std::nullopt);
    EXPECT_TRUE(channel->active());
  }
  EXPECT_FALSE(channel->active());
}

TEST(SseChannelTest, ParsesEventIds) {
  auto parsed = SseChannel::ParseEventId("0a1b-17");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->first, "0a1b");
  EXPECT_EQ(parsed->second, 17u);
  EXPECT_FALSE(SseChannel::ParseEventId("nodash").has_value());
  EXPECT_FALSE(SseChannel::ParseEventId("-5").has_value());
  EXPECT_FALSE(SseChannel::ParseEventId("a-x").has_value());
}

}  // namespace
}  // namespace mcp_oauth::mcp
