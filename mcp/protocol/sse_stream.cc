#include "mcp/protocol/sse_stream.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mcp_oauth::mcp {

SseChannel::SseChannel(std::string id, size_t max_buffered, bool priming)
    : id_(std::move(id)), max_buffered_(max_buffered), priming_(priming) {}

std::shared_ptr<EventStream> SseChannel::Connect(std::optional<uint64_t> after_sequence) {
  std::function<void()> close_previous;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    generation = ++generation_;
    if (sink_) {
      close_previous = std::move(sink_->close);
      sink_.reset();
    }
    reserved_ = !closed_;
    // The superseded connection is closed under the lock so that it cannot
    // race with writes to the new one (sinks must not re-enter, see EventStream).
    if (close_previous) close_previous();
  }
  return std::make_shared<SseConnection>(shared_from_this(), generation, after_sequence);
}

std::string SseChannel::FormatEvent(uint64_t sequence, std::string_view data) const {
  if (sequence == 0) return absl::StrCat("id: ", id_, "-0\ndata: \n\n");
  return absl::StrCat("id: ", id_, "-", sequence,
                      "\nevent: message\ndata: ", absl::string_view(data.data(), data.size()),
                      "\n\n");
}

void SseChannel::WriteLocked(const std::string& bytes) {
  if (!sink_) return;
  if (!sink_->write(bytes)) {
    sink_.reset();
    reserved_ = false;
  }
}

void SseChannel::Start(uint64_t generation, std::optional<uint64_t> after_sequence, Sink sink) {
  absl::MutexLock lock(&mu_);
  if (closed_ || generation != generation_ || !reserved_) {
    // Superseded, cancelled or ended before the gateway got to start it.
    sink.close();
    return;
  }
  sink_ = std::move(sink);
  if (!after_sequence) {
    if (priming_) WriteLocked(FormatEvent(0, ""));
    return;
  }
  for (const auto& [sequence, data] : buffer_) {
    if (sequence > *after_sequence) WriteLocked(FormatEvent(sequence, data));
  }
}

void SseChannel::Cancel(uint64_t generation) {
  std::function<void()> on_detach;
  {
    absl::MutexLock lock(&mu_);
    if (generation != generation_) return;
    sink_.reset();
    if (reserved_) on_detach = on_detach_;
    reserved_ = false;
  }
  if (on_detach) on_detach();
}

void SseChannel::set_on_detach(std::function<void()> on_detach) {
  absl::MutexLock lock(&mu_);
  on_detach_ = std::move(on_detach);
}

uint64_t SseChannel::Send(std::string_view data) {
  absl::MutexLock lock(&mu_);
  const uint64_t sequence = next_sequence_++;
  buffer_.emplace_back(sequence, std::string(data));
  while (buffer_.size() > max_buffered_) buffer_.pop_front();
  WriteLocked(FormatEvent(sequence, data));
  return sequence;
}

void SseChannel::Close() {
  std::function<void()> on_detach;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    if (reserved_) on_detach = on_detach_;
    reserved_ = false;
    if (sink_) {
      std::function<void()> close = std::move(sink_->close);
      sink_.reset();
      close();
    }
  }
  if (on_detach) on_detach();
}

bool SseChannel::active() const {
  absl::MutexLock lock(&mu_);
  return reserved_;
}

bool SseChannel::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

std::optional<std::pair<std::string, uint64_t>> SseChannel::ParseEventId(
    std::string_view event_id) {
  const size_t dash = event_id.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  uint64_t sequence = 0;
  if (!absl::SimpleAtoi(absl::string_view(event_id.data() + dash + 1, event_id.size() - dash - 1),
                        &sequence)) {
    return std::nullopt;
  }
  return std::make_pair(std::string(event_id.substr(0, dash)), sequence);
}

void SseConnection::Start(std::function<bool(std::string_view)> write,
                          std::function<void()> close) {
  channel_->Start(generation_, after_sequence_,
                  SseChannel::Sink{std::move(write), std::move(close)});
}

namespace {

std::string FormatPostEvent(std::string_view data) {
  return absl::StrCat("event: message\ndata: ", absl::string_view(data.data(), data.size()),
                      "\n\n");
}

}  // namespace

void BufferedEventStream::Start(std::function<bool(std::string_view)> write,
                                std::function<void()> close) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  for (const std::string& event : pending_) {
    if (!write(event)) {
      cancelled_ = true;
      pending_.clear();
      return;
    }
  }
  pending_.clear();
  if (ended_) {
    close();
    return;
  }
  write_ = std::move(write);
  close_ = std::move(close);
}

void BufferedEventStream::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  pending_.clear();
  write_ = nullptr;
  close_ = nullptr;
}

bool BufferedEventStream::Send(std::string_view data) {
  absl::MutexLock lock(&mu_);
  if (cancelled_ || ended_) return false;
  if (write_) {
    if (write_(FormatPostEvent(data))) return true;
    cancelled_ = true;
    write_ = nullptr;
    close_ = nullptr;
    return false;
  }
  if (pending_.size() >= max_pending_) return false;
  pending_.push_back(FormatPostEvent(data));
  return true;
}

void BufferedEventStream::End() {
  absl::MutexLock lock(&mu_);
  if (ended_) return;
  ended_ = true;
  if (close_) {
    std::function<void()> close = std::move(close_);
    write_ = nullptr;
    close_ = nullptr;
    close();
  }
}

bool BufferedEventStream::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool PostResponder::Send(std::string_view message) {
  std::shared_ptr<BufferedEventStream> stream;
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    if (!stream_) {
      stream_ = std::make_shared<BufferedEventStream>(max_pending_);
      start = true;
    }
    stream = stream_;
  }
  // Queued before the gateway can start the stream, so the first event is
  // never lost.
  const bool sent = stream->Send(message);
  if (start) {
    McpResponse response;
    response.status = 200;
    response.headers.emplace_back("Content-Type", "text/event-stream");
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.stream = stream;
    done_(std::move(response));
  }
  return sent;
}

void PostResponder::Finish(McpResponse answer) {
  std::shared_ptr<BufferedEventStream> stream;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    stream = stream_;
  }
  if (!stream) {
    done_(std::move(answer));
    return;
  }
  if (!answer.body.empty()) stream->Send(answer.body);
  stream->End();
}

bool PostResponder::streaming() const {
  absl::MutexLock lock(&mu_);
  return stream_ != nullptr;
}

}  // namespace mcp_oauth::mcp
