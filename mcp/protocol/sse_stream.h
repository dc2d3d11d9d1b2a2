// SSE plumbing. For the MCP GET stream: an SseChannel is one logical stream of
// a session (its id, event numbering and replay buffer); each HTTP GET that
// opens or resumes it gets its own SseConnection (the EventStream handed to
// the gateway). Resuming a channel supersedes (closes) its previous connection.
//
// Event ids are "<channel id>-<sequence>", sequence starting at 1; the
// optional priming event carries "<channel id>-0" and empty data.
// For POST answers that stream: PostResponder over a BufferedEventStream.
// Thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_SSE_STREAM_H_
#define MCP_OAUTH_MCP_PROTOCOL_SSE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "mcp/protocol/mcp_http.h"

namespace mcp_oauth::mcp {

class SseChannel : public std::enable_shared_from_this<SseChannel> {
 public:
  // `max_buffered` events are kept for replay.
  SseChannel(std::string id, size_t max_buffered, bool priming);

  const std::string& id() const { return id_; }

  // Returns a new connection for this channel that, once started, replays the
  // buffered events after `after_sequence` (nullopt: a fresh stream, which
  // starts with the priming event when enabled). Supersedes (closes) any
  // current connection.
  std::shared_ptr<EventStream> Connect(std::optional<uint64_t> after_sequence);

  // Appends a "message" event carrying `data` (one line of JSON), delivering
  // it when a connection is attached. Returns the event's sequence number.
  uint64_t Send(std::string_view data);

  // Ends the channel: the attached connection (if any) is closed and future
  // Connect calls return streams that close immediately.
  void Close();

  // True while a connection is reserved or attached (counts toward the
  // per-session stream limit).
  bool active() const;

  // Sets a callback run (without the channel's lock) whenever a connection
  // stops being active: cancelled by the gateway or closed by Close.
  void set_on_detach(std::function<void()> on_detach);
  bool closed() const;

  // Parses an event id into (channel id, sequence).
  static std::optional<std::pair<std::string, uint64_t>> ParseEventId(std::string_view event_id);

 private:
  friend class SseConnection;

  struct Sink {
    std::function<bool(std::string_view)> write;
    std::function<void()> close;
  };

  void Start(uint64_t generation, std::optional<uint64_t> after_sequence, Sink sink);
  void Cancel(uint64_t generation);
  std::string FormatEvent(uint64_t sequence, std::string_view data) const;
  // Writes through the attached sink; detaches when the sink reports failure.
  void WriteLocked(const std::string& bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string id_;
  const size_t max_buffered_;
  const bool priming_;
  mutable absl::Mutex mu_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<std::pair<uint64_t, std::string>> buffer_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // of the current connection
  bool reserved_ ABSL_GUARDED_BY(mu_) = false;    // connection created, not yet cancelled
  std::optional<Sink> sink_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_detach_ ABSL_GUARDED_BY(mu_);
};

// One HTTP connection's view of an SseChannel.
class SseConnection final : public EventStream {
 public:
  SseConnection(std::shared_ptr<SseChannel> channel, uint64_t generation,
                std::optional<uint64_t> after_sequence)
      : channel_(std::move(channel)), generation_(generation), after_sequence_(after_sequence) {}
  ~SseConnection() override { Cancel(); }

  void Start(std::function<bool(std::string_view)> write, std::function<void()> close) override;
  void Cancel() override { channel_->Cancel(generation_); }

 private:
  const std::shared_ptr<SseChannel> channel_;
  const uint64_t generation_;
  const std::optional<uint64_t> after_sequence_;
};

// An EventStream that buffers events until the gateway starts it (up to
// `max_pending`; then the client is too slow and the stream ends).
class BufferedEventStream final : public EventStream {
 public:
  explicit BufferedEventStream(size_t max_pending) : max_pending_(max_pending) {}

  void Start(std::function<bool(std::string_view)> write, std::function<void()> close) override;
  void Cancel() override;

  // Queues or writes one "message" event with `data` (one line of JSON).
  // Returns false once the client is gone.
  bool Send(std::string_view data);
  // Ends the stream after what was sent.
  void End();
  // True once the connection went away (or the stream was cancelled).
  bool cancelled() const;

 private:
  const size_t max_pending_;
  mutable absl::Mutex mu_;
  std::vector<std::string> pending_ ABSL_GUARDED_BY(mu_);
  std::function<bool(std::string_view)> write_ ABSL_GUARDED_BY(mu_);
  std::function<void()> close_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// The answer to one POST /mcp request that may turn into an SSE stream: a
// handler that has messages to send before its JSON-RPC response (progress,
// log messages, server-to-client requests) calls Send; the first Send answers
// the POST with `text/event-stream` and the messages follow as events, the
// response last, then the stream ends. A handler that sends nothing gets the
// usual single JSON answer (Finish's fallback).
//
// Events carry no ids: a POST stream is not resumable (its requests are
// answered on it, or lost with it).
//
// Thread safe. Send and Finish may be called from any thread; nothing is
// sent after Finish.
class PostResponder {
 public:
  explicit PostResponder(std::function<void(McpResponse)> done, size_t max_pending = 1024)
      : done_(std::move(done)), max_pending_(max_pending) {}

  // Sends one JSON-RPC message (a JSON line) before the answer. Returns false
  // when it cannot reach the client (finished, or the client went away).
  bool Send(std::string_view message);
  // Answers: when streaming, `answer`'s body (if any: a JSON-RPC message) is
  // the last event; otherwise `answer` is the whole answer. Only the first
  // call counts.
  void Finish(McpResponse answer);
  bool streaming() const;

 private:
  std::function<void(McpResponse)> done_;
  const size_t max_pending_;
  mutable absl::Mutex mu_;
  std::shared_ptr<BufferedEventStream> stream_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_SSE_STREAM_H_
