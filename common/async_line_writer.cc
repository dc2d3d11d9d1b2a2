#include "common/async_line_writer.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace mcp_oauth {

AsyncLineWriter::AsyncLineWriter(AsyncLineWriterOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

AsyncLineWriter::~AsyncLineWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  thread_.join();
}

bool AsyncLineWriter::Write(std::string_view line) {
  {
    absl::MutexLock lock(&mu_);
    if (pending_.size() + line.size() + 1 <= options_.max_pending_bytes) {
      pending_.append(line.data(), line.size());
      pending_.push_back('\n');
      ++queued_;
      if (idle_) {
        idle_ = false;
        wake_.Signal();
      }
      return true;
    }
    ++dropped_;
  }
  if (options_.dropped_counter != nullptr) options_.dropped_counter->Increment();
  return false;
}

void AsyncLineWriter::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_;
  ++flushing_;  // The writer does not linger while someone waits here.
  wake_.Signal();
  auto written = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ >= target; };
  mu_.Await(absl::Condition(&written));
  --flushing_;
}

uint64_t AsyncLineWriter::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void AsyncLineWriter::Run() {
  std::string batch;
  for (;;) {
    uint64_t lines = 0;
    uint64_t newly_dropped = 0;
    {
      absl::MutexLock lock(&mu_);
      while (pending_.empty() && !stopping_) {
        idle_ = true;
        wake_.Wait(&mu_);
      }
      idle_ = false;
      if (pending_.empty()) return;  // stopping, nothing left
      batch.swap(pending_);          // pending_ keeps the old buffer's capacity
      lines = queued_ - done_;
      newly_dropped = dropped_ - dropped_reported_;
      dropped_reported_ = dropped_;
    }
    WriteOut(batch);
    batch.clear();
    if (newly_dropped > 0) {
      log::Warning(absl::StrCat("log writer: ", newly_dropped,
                                " lines dropped: their output is not read fast enough"));
    }
    absl::MutexLock lock(&mu_);
    done_ += lines;
    // Let lines gather, so that the next write carries many of them.
    if (!stopping_ && flushing_ == 0) wake_.WaitWithTimeout(&mu_, options_.linger);
  }
}

void AsyncLineWriter::WriteOut(std::string_view batch) {
  while (!batch.empty()) {
    // Whole lines up to PIPE_BUF bytes (a longer line goes alone).
    size_t size = batch.size();
    if (size > PIPE_BUF) {
      size_t end = batch.rfind('\n', PIPE_BUF - 1);
      size = end == std::string_view::npos ? batch.find('\n') + 1 : end + 1;
    }
    std::string_view piece = batch.substr(0, size);
    batch.remove_prefix(size);
    while (!piece.empty()) {
      ssize_t n = ::write(options_.fd, piece.data(), piece.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // Nowhere to write: the rest is lost.
      piece.remove_prefix(static_cast<size_t>(n));
    }
  }
}

}  // namespace mcp_oauth
