#include "common/async_line_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace mcp_oauth {
namespace {

// A pipe whose read end a thread drains into `text` until the write end
// closes.
class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Pipe() {
    CloseWriteEnd();
    StopReading();
    ::close(fds_[0]);
  }

  int write_fd() const { return fds_[1]; }

  void StartReading() {
    reader_ = std::thread([this] {
      char buffer[4096];
      for (;;) {
        ssize_t n = ::read(fds_[0], buffer, sizeof buffer);
        if (n <= 0) return;
        text_.append(buffer, static_cast<size_t>(n));
      }
    });
  }
  // Returns what the pipe holds now, without waiting (no reader thread).
  std::string ReadAvailable() {
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buffer, sizeof buffer)) > 0)
      text.append(buffer, static_cast<size_t>(n));
    ::fcntl(fds_[0], F_SETFL, 0);
    return text;
  }
  void CloseWriteEnd() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Returns everything read once the write end is closed.
  const std::string& ReadAll() {
    CloseWriteEnd();
    StopReading();
    return text_;
  }

 private:
  void StopReading() {
    if (reader_.joinable()) reader_.join();
  }
  int fds_[2] = {-1, -1};
  std::thread reader_;
  std::string text_;
};

std::vector<std::string> Lines(const std::string& text) {
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines.pop_back();  // after the last newline
  return lines;
}

TEST(AsyncLineWriterTest, WritesEveryLineWholeAndInOrderPerThread) {
  Pipe pipe;
  pipe.StartReading();
  {
    // Room for everything: this test is about order, not drops.
    AsyncLineWriter writer({pipe.write_fd(), size_t{64} << 20});
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
      producers.emplace_back([&writer, t] {
        for (int i = 0; i < 5000; ++i) {
          ASSERT_TRUE(writer.Write(
              absl::StrCat("thread ", t, " line ", i, " ", std::string(i % 300, 'x'))));
        }
      });
    }
    for (auto& producer : producers) producer.join();
    writer.Flush();
    EXPECT_EQ(writer.dropped(), 0u);
  }
  std::vector<int> next(4, 0);
  std::vector<std::string> lines = Lines(pipe.ReadAll());
  ASSERT_EQ(lines.size(), 20000u);
  for (const std::string& line : lines) {
    std::vector<std::string> words = absl::StrSplit(line, ' ');
    ASSERT_GE(words.size(), 4u) << line;
    int t = std::stoi(words[1]);
    int i = std::stoi(words[3]);
    ASSERT_EQ(i, next[t]) << line;
    ASSERT_EQ(line, absl::StrCat("thread ", t, " line ", i, " ", std::string(i % 300, 'x')));
    ++next[t];
  }
}

TEST(AsyncLineWriterTest, FlushReturnsAfterTheLinesAreWritten) {
  Pipe pipe;
  AsyncLineWriter writer({pipe.write_fd(), size_t{1} << 20, absl::Seconds(3600)});
  writer.Write("one");
  writer.Write("two");
  writer.Flush();
  EXPECT_EQ(pipe.ReadAvailable(), "one\ntwo\n");
  // Also while the writer lingers after a write.
  writer.Write("three");
  writer.Flush();
  EXPECT_EQ(pipe.ReadAvailable(), "three\n");
}

TEST(AsyncLineWriterTest, DestructorWritesWhatIsQueued) {
  Pipe pipe;
  pipe.StartReading();
  {
    AsyncLineWriter writer({pipe.write_fd(), size_t{1} << 20, absl::Seconds(3600)});
    for (int i = 0; i < 100; ++i) writer.Write(absl::StrCat("line ", i));
  }
  EXPECT_EQ(Lines(pipe.ReadAll()).size(), 100u);
}

TEST(AsyncLineWriterTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  Pipe pipe;  // Not read yet: the writer thread soon blocks in write(2).
  metrics::Counter dropped;
  const std::string line(1000, 'a');
  int written = 0;
  {
    AsyncLineWriter writer({pipe.write_fd(), 8 * 1024, absl::Milliseconds(1), &dropped});
    // Far more than the pipe (64 KiB) and the queue (8 KiB) hold together.
    for (int i = 0; i < 1000; ++i) written += writer.Write(line) ? 1 : 0;
    EXPECT_GT(writer.dropped(), 0u);
    EXPECT_EQ(writer.dropped() + written, 1000u);
    EXPECT_EQ(dropped.value(), static_cast<double>(writer.dropped()));
    pipe.StartReading();  // Unblocks the writer; the destructor drains.
  }
  std::vector<std::string> lines = Lines(pipe.ReadAll());
  EXPECT_EQ(lines.size(), static_cast<size_t>(written));
  for (const auto& l : lines) EXPECT_EQ(l, line);
}

TEST(AsyncLineWriterTest, ALineLongerThanAPipeBufferStaysWhole) {
  Pipe pipe;
  pipe.StartReading();
  const std::string long_line(3 * PIPE_BUF + 17, 'z');
  {
    AsyncLineWriter writer({pipe.write_fd()});
    writer.Write("short");
    writer.Write(long_line);
    writer.Write("after");
  }
  EXPECT_EQ(Lines(pipe.ReadAll()), (std::vector<std::string>{"short", long_line, "after"}));
}

}  // namespace
}  // namespace mcp_oauth
