#include "gateway/http_server.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/status/status.h"
#include "common/log.h"
#include "gateway/http_codec.h"

namespace mcp_oauth::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session;

// The last bytes of a streamed (SSE) response when the server stops: a comment
// (ignored by SSE parsers, visible to people and tests), then the final chunk.
constexpr char kShutdownComment[] = ": server shutting down\n\n";

// Shared by the listener and all sessions; outlives them (owned by the server,
// which joins the IO threads before destroying it).
struct ServerState {
  HttpServerOptions options;
  HttpHandler* handler;
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // Every live connection, so that Stop can drain each on its strand.
  std::mutex sessions_mutex;
  std::map<Session*, std::weak_ptr<Session>> sessions;  // guarded by sessions_mutex
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerState* state) : stream_(std::move(socket)), state_(state) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = endpoint.address().to_string();
    state_->connections.fetch_add(1);
  }
  ~Session() {
    {
      std::lock_guard<std::mutex> lock(state_->sessions_mutex);
      state_->sessions.erase(this);
    }
    state_->connections.fetch_sub(1);
  }

  void Run() {
    {
      std::lock_guard<std::mutex> lock(state_->sessions_mutex);
      state_->sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Server shutdown, posted to the strand once per connection: an idle
  // connection closes now; one that has started sending a request, or is being
  // answered, finishes that request and then closes (no keep-alive while
  // stopping); a stream gets the shutdown comment and its final chunk.
  void Drain() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()]() {
      self->draining_ = true;
      if (self->stream_body_) {
        // Before StartStream (headers still being written) it ends there.
        if (self->stream_started_ && !self->stream_closed_.load()) self->EndStreamForShutdown();
        return;
      }
      if (self->handling_) return;
      bool request_started =
          self->buffer_.size() > 0 || (self->parser_ && self->parser_->got_some());
      if (!request_started) self->DoClose();
    });
  }

 private:
  void DoRead() {
    if (state_->stopping.load()) return DoClose();
    parser_.emplace();
    SetRequestLimits(*parser_, state_->options.max_header_bytes, state_->options.max_body_bytes);
    // A slow client gets this long for a whole request (slowloris defence).
    stream_.expires_after(requests_served_ == 0 ? state_->options.read_timeout
                                                : state_->options.keep_alive_idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return DoClose();
    }
    if (ec == http::error::body_limit) return WriteError(413, "request body too large");
    if (ec == http::error::header_limit) return WriteError(431, "request header fields too large");
    if (ec) {
      if (ec.category() == beast::error_code(http::error::bad_method).category()) {
        return WriteError(400, "malformed HTTP request");
      }
      return DoClose();
    }
    keep_alive_ = parser_->get().keep_alive();
    HttpRequest request = ToHttpRequest(parser_->release(), remote_ip_);
    state_->in_flight.fetch_add(1);
    handling_ = true;
    auto self = shared_from_this();
    auto responded = std::make_shared<std::atomic<bool>>(false);
    state_->handler->Handle(std::move(request), [self, responded](HttpResponse response) {
      if (responded->exchange(true)) return;  // a handler bug must not write twice
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->state_->in_flight.fetch_sub(1);
        self->Write(std::move(response));
      });
    });
  }

  void WriteError(int status, const std::string& message) {
    HttpResponse response =
        JsonResponse(status, "{\"error\":\"invalid_request\",\"error_description\":\"" + message +
                                 "\"}");
    response.close_connection = true;
    Write(std::move(response));
  }

  void Write(HttpResponse response) {
    ++requests_served_;
    handling_ = false;
    bool keep_alive = keep_alive_ && !response.close_connection && !state_->stopping.load();
    if (response.stream) return WriteStreamHeader(std::move(response));
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive);
    message->prepare_payload();
    stream_.expires_after(state_->options.read_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec) return self->DoClose();
                        if (!message->keep_alive()) return self->DoClose();
                        self->DoRead();
                      });
  }

  // Server-Sent Events and other long bodies: chunked, no timeout, and the
  // connection closes when the stream ends.
  void WriteStreamHeader(HttpResponse response) {
    auto header = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response.status), 11);
    for (auto& [name, value] : response.headers) header->insert(name, value);
    header->chunked(true);
    header->keep_alive(false);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    stream_body_ = std::move(response.stream);
    stream_.expires_never();
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), header, serializer](beast::error_code ec, std::size_t) {
          if (ec) return self->EndStream();
          self->StartStream();
        });
  }

  void StartStream() {
    stream_started_ = true;
    if (draining_) return EndStreamForShutdown();
    std::weak_ptr<Session> weak = shared_from_this();
    auto executor = stream_.get_executor();
    auto write = [weak, executor](std::string bytes) {
      auto self = weak.lock();
      if (!self || self->stream_closed_.load()) return false;
      net::post(executor, [self, bytes = std::move(bytes)]() mutable {
        self->QueueChunk(std::move(bytes), /*last=*/false);
      });
      return true;
    };
    auto close = [weak, executor]() {
      if (auto self = weak.lock()) {
        net::post(executor, [self]() { self->QueueChunk("", /*last=*/true); });
      }
    };
    // Any byte or EOF from the client while streaming means it is gone.
    stream_.async_read_some(net::buffer(probe_),
                            [self = shared_from_this()](beast::error_code, std::size_t) {
                              self->EndStream();
                            });
    stream_body_->Start(write, close);
  }

  void EndStreamForShutdown() {
    stream_body_->Stop();  // the producer writes nothing more
    QueueChunk(kShutdownComment, /*last=*/false);
    QueueChunk("", /*last=*/true);
  }

  void QueueChunk(std::string bytes, bool last) {
    if (stream_closed_.load() || last_chunk_queued_) return;  // nothing after the final chunk
    if (last) last_chunk_queued_ = true;
    if (pending_chunks_.size() >= kMaxQueuedChunks) return EndStream();  // slow reader
    pending_chunks_.push_back({std::move(bytes), last});
    if (pending_chunks_.size() == 1) WriteNextChunk();
  }

  void WriteNextChunk() {
    auto& [bytes, last] = pending_chunks_.front();
    auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      bool was_last = self->pending_chunks_.front().second;
      self->pending_chunks_.pop_front();
      if (ec || was_last) return self->EndStream();
      if (!self->pending_chunks_.empty()) self->WriteNextChunk();
    };
    if (last) {
      net::async_write(stream_, http::make_chunk_last(), on_written);
    } else {
      net::async_write(stream_, http::make_chunk(net::buffer(bytes)), on_written);
    }
  }

  void EndStream() {
    if (stream_closed_.exchange(true)) return;
    if (stream_body_) stream_body_->Stop();
    DoClose();
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  static constexpr size_t kMaxQueuedChunks = 1024;

  beast::tcp_stream stream_;
  ServerState* state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_ip_;
  bool keep_alive_ = false;
  int requests_served_ = 0;
  bool handling_ = false;  // a request is with the handler (between read and write)
  bool last_chunk_queued_ = false;
  bool stream_started_ = false;
  bool draining_ = false;
  std::shared_ptr<ResponseStream> stream_body_;
  std::atomic<bool> stream_closed_{false};
  std::deque<std::pair<std::string, bool>> pending_chunks_;
  char probe_[1];
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, tcp::acceptor acceptor, ServerState* state)
      : io_(io), acceptor_(std::move(acceptor)), state_(state) {}

  void Run() { DoAccept(); }

  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()]() {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(io_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (state_->connections.load() >= state_->options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the cap: refuse rather than queue
      } else {
        std::make_shared<Session>(std::move(socket), state_)->Run();
      }
    }
    DoAccept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  ServerState* state_;
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(const HttpServerOptions& options, HttpHandler* handler)
      : io_(options.threads) {
    state_.options = options;
    state_.handler = handler;
  }

  ~BeastHttpServer() override { Stop(std::chrono::milliseconds(0)); }

  absl::Status Listen() {
    beast::error_code ec;
    auto address = net::ip::make_address(state_.options.host, ec);
    if (ec) return absl::InvalidArgumentError("invalid --host '" + state_.options.host + "'");
    tcp::endpoint endpoint(address, static_cast<unsigned short>(state_.options.port));
    tcp::acceptor acceptor(io_);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("cannot listen on " + state_.options.host + ":" +
                                    std::to_string(state_.options.port) + ": " + ec.message());
    }
    port_ = acceptor.local_endpoint().port();
    listener_ = std::make_shared<Listener>(io_, std::move(acceptor), &state_);
    listener_->Run();
    for (int i = 0; i < state_.options.threads; ++i) {
      threads_.emplace_back([this]() { io_.run(); });
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop(std::chrono::milliseconds grace) override {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    state_.stopping.store(true);
    if (listener_) listener_->Close();
    // Connections accepted from now on see `stopping` and close at once.
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard<std::mutex> sessions_lock(state_.sessions_mutex);
      for (auto& [raw, weak] : state_.sessions) {
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
      }
    }
    for (auto& session : sessions) session->Drain();
    sessions.clear();  // a drained connection must be free to go away
    // Every connection closes once drained: wait for all of them (in-flight
    // requests answered, streams ended) or the grace period, whichever first.
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (state_.connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (state_.connections.load() > 0) {
      log::Warning("http: " + std::to_string(state_.connections.load()) +
                   " connection(s) still open after the shutdown grace period; closing them");
    }
    io_.stop();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  // state_ is declared first so it outlives io_: destroying io_ destroys the
  // sessions still queued on it, and they touch state_.
  ServerState state_;
  net::io_context io_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& options,
                                                           HttpHandler* handler) {
  auto server = std::make_unique<BeastHttpServer>(options, handler);
  absl::Status status = server->Listen();
  if (!status.ok()) return status;
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace mcp_oauth::gateway
