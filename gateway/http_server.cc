#include "gateway/http_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/log.h"
#include "gateway/http_codec.h"

namespace mcp_oauth::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What Stop needs of a connection, whatever its stream type.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void Drain() = 0;
};

// The last bytes of a streamed (SSE) response when the server stops: a comment
// (ignored by SSE parsers, visible to people and tests), then the final chunk.
constexpr char kShutdownComment[] = ": server shutting down\n\n";

// Lingering close (see LingerThenClose): how long, and how many bytes, the
// server reads and discards after half-closing a connection.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kMaxLingerBytes = 1024 * 1024;
constexpr size_t kLingerBufferBytes = 4096;

// Shared by the listener and all sessions; outlives them (owned by the server,
// which joins the IO threads before destroying it).
struct ServerState {
  HttpServerOptions options;
  // The largest body limit of any path: the parser's limit until the header
  // names the path.
  size_t largest_body_limit = 0;
  HttpHandler* handler;
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // Every live connection, so that Stop can drain each on its strand.
  std::mutex sessions_mutex;
  std::map<Drainable*, std::weak_ptr<Drainable>> sessions;  // guarded by sessions_mutex
  // TLS: the context new connections use (null: plain HTTP). Replaced on
  // reload; connections keep the one they started with.
  std::mutex tls_mutex;
  std::shared_ptr<ssl::context> tls;  // guarded by tls_mutex
};

// Loads a certificate chain and its key (PEM) into a server context that
// speaks TLS 1.2 and 1.3 only.
absl::StatusOr<std::shared_ptr<ssl::context>> LoadTlsContext(const std::string& cert_file,
                                                             const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError("--tls-cert " + cert_file + ": " + ec.message());
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError("--tls-key " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return absl::InvalidArgumentError("--tls-key " + key_file +
                                      " does not match the certificate in --tls-cert");
  }
  return context;
}

// One connection; Stream is beast::tcp_stream (HTTP) or TlsStream (HTTPS).
template <class Stream>
class Session : public Drainable, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket&& socket, ServerState* state, std::shared_ptr<ssl::context> tls = nullptr)
      : tls_(std::move(tls)), stream_(MakeStream(std::move(socket), tls_.get())), state_(state) {
    beast::error_code ec;
    auto endpoint = Tcp().socket().remote_endpoint(ec);
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
      state_->sessions[this] = this->weak_from_this();
    }
    if constexpr (kTls) {
      net::dispatch(stream_.get_executor(), [self = this->shared_from_this()]() {
        self->Tcp().expires_after(self->state_->options.read_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->CloseSocket();
          self->DoRead();
        });
      });
    } else {
      net::dispatch(stream_.get_executor(),
                    beast::bind_front_handler(&Session::DoRead, this->shared_from_this()));
    }
  }

  // Server shutdown, posted to the strand once per connection: an idle
  // connection closes now; one that has started sending a request, or is being
  // answered, finishes that request and then closes (no keep-alive while
  // stopping); a stream gets the shutdown comment and its final chunk.
  void Drain() override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()]() {
      self->draining_ = true;
      if (self->stream_body_) {
        // Before StartStream (headers still being written) it ends there.
        if (self->stream_started_ && !self->stream_closed_.load()) self->EndStreamForShutdown();
        return;
      }
      if (self->handling_) return;
      bool request_started =
          self->buffer_.size() > 0 || (self->parser_ && self->parser_->got_some());
      if (!request_started) self->CloseSocket();  // cancels the pending read
    });
  }

 private:
  void DoRead() {
    if (state_->stopping.load()) return DoClose();
    parser_.emplace();
    SetRequestLimits(*parser_, state_->options.max_header_bytes, state_->largest_body_limit);
    // A slow client gets this long for a whole request (slowloris defence).
    Tcp().expires_after(requests_served_ == 0 ? state_->options.read_timeout
                                              : state_->options.keep_alive_idle_timeout);
    header_scanned_ = 0;
    ReadHeaderBlock();
  }

  // Reads until the buffer holds the request's whole header block (or more
  // than the header limit, which the parser then refuses with 431), refusing
  // obsolete line folding, which the parser would silently unfold.
  void ReadHeaderBlock() {
    std::string_view unparsed(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    switch (ScanHeaderBlock(unparsed, header_scanned_)) {
      case HeaderScan::kObsFold:
        return WriteError(400, "obsolete line folding in the request header");
      case HeaderScan::kIncomplete:
        if (unparsed.size() <= state_->options.max_header_bytes) {
          return stream_.async_read_some(
              buffer_.prepare(kHeaderReadBytes),
              [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                if (ec) return self->OnReadError(ec);
                self->buffer_.commit(n);
                // A plain socket read that did not fill the buffer left the
                // socket empty (TLS may hold bytes back: never assumed).
                self->input_drained_ = !kTls && n < kHeaderReadBytes;
                self->ReadHeaderBlock();
              });
        }
        break;
      case HeaderScan::kParse:
        break;
    }
    // The header block is all here: parse it now rather than through
    // async_read_header, which would only post its completion to the strand.
    if (beast::error_code ec = ParseBuffered(*parser_, buffer_, /*header_only=*/true);
        ec != http::error::need_more) {
      return OnHeader(ec, 0);
    }
    input_drained_ = false;  // reads Beast makes are not seen
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  // The header is in, no body byte parsed yet: apply the path's body limit
  // before anything of the body is buffered.
  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    // Before any body byte: a body another HTTP implementation could frame
    // differently is refused, and the connection with it (RFC 9112 6.3).
    if (std::string_view error = FramingError(*parser_); !error.empty()) {
      return WriteError(400, std::string(error));
    }
    boost::beast::string_view target = parser_->get().target();
    // The route's own limit (e.g. the OAuth forms' small one), else the default.
    size_t limit = state_->handler->BodyLimit(TargetPath({target.data(), target.size()}))
                       .value_or(state_->options.max_body_bytes);
    if (!ApplyBodyLimit(*parser_, limit)) return WriteError(413, "request body too large");
    // A client that asked first (curl does for bodies over 1 KiB) is told to
    // send the body; a refused one never sends it.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue") &&
        !parser_->is_done()) {
      auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      return http::async_write(
          stream_, *go_on,
          [self = this->shared_from_this(), go_on](beast::error_code ec, std::size_t) {
            if (ec) return self->DoClose();
            self->ReadBody();
          });
    }
    ReadBody();
  }

  void ReadBody() {
    // Usually the body came with the header: no read, no post.
    if (beast::error_code ec = ParseBuffered(*parser_, buffer_, /*header_only=*/false);
        ec != http::error::need_more) {
      return OnRead(ec, 0);
    }
    input_drained_ = false;  // reads Beast makes are not seen
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  // Whether the client has sent bytes this server has not parsed yet: bytes
  // in the buffer, else (unless the last read left the socket empty, the
  // usual case, which then costs no system call) bytes in the socket. A
  // client that keeps sending without reading keeps the socket full, so its
  // reads fill the buffer and it is always seen.
  bool RequestWaiting() {
    if (buffer_.size() > 0) return true;
    if (input_drained_) return false;
    beast::error_code ec;
    return Tcp().socket().available(ec) > 0 && !ec;
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return DoClose();
    }
    if (ec == http::error::body_limit) return WriteError(413, "request body too large");
    if (ec == http::error::header_limit) return WriteError(431, "request header fields too large");
    if (ec.category() == beast::error_code(http::error::bad_method).category()) {
      return WriteError(400, "malformed HTTP request");
    }
    return DoClose();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    keep_alive_ = parser_->get().keep_alive();
    HttpRequest request = ToHttpRequest(parser_->release(), remote_ip_);
    state_->in_flight.fetch_add(1);
    handling_ = true;
    auto self = this->shared_from_this();
    auto responded = std::make_shared<std::atomic<bool>>(false);
    state_->handler->Handle(std::move(request), [self, responded](HttpResponse response) {
      if (responded->exchange(true)) return;  // a handler bug must not write twice
      // A handler that answers at once (on this strand) is written at once:
      // no trip through the scheduler, which could wake another IO thread.
      net::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->state_->in_flight.fetch_sub(1);
        self->Write(std::move(response));
      });
    });
  }

  void WriteError(int status, const std::string& message) {
    HttpResponse response = JsonResponse(
        status, "{\"error\":\"invalid_request\",\"error_description\":\"" + message + "\"}");
    response.close_connection = true;
    Write(std::move(response));
  }

  void Write(HttpResponse response) {
    ++requests_served_;
    handling_ = false;
    // Bytes of the next request here before this answer is even written were
    // sent without waiting for it: pipelining (a client that waits for its
    // answers is never counted, however fast it is).
    pipelined_run_ = RequestWaiting() ? pipelined_run_ + 1 : 0;
    bool keep_alive = keep_alive_ && !response.close_connection && !state_->stopping.load() &&
                      requests_served_ < state_->options.max_requests_per_connection &&
                      pipelined_run_ < state_->options.max_pipelined_requests;
    if (response.stream) return WriteStreamHeader(std::move(response));
    // Header block and body go out in one gather write from buffers the
    // connection keeps (it has at most one answer in flight): no Beast
    // message and fields to build; the head buffer is reused, the body moved.
    write_head_.clear();
    AppendResponseHead(response.status, response.headers, response.body.size(), keep_alive,
                       write_head_);
    write_body_ = std::move(response.body);
    std::array<net::const_buffer, 2> buffers{net::buffer(write_head_), net::buffer(write_body_)};
    Tcp().expires_after(state_->options.read_timeout);
    net::async_write(
        stream_, buffers,
        [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
          std::string().swap(self->write_body_);  // idle connections keep none
          if (ec) return self->DoClose();
          if (!keep_alive) return self->LingerThenClose();
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
    Tcp().expires_never();
    http::async_write_header(
        stream_, *serializer,
        [self = this->shared_from_this(), header, serializer](beast::error_code ec, std::size_t) {
          if (ec) return self->EndStream();
          self->StartStream();
        });
  }

  void StartStream() {
    stream_started_ = true;
    if (draining_) return EndStreamForShutdown();
    std::weak_ptr<Session> weak = this->shared_from_this();
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
    stream_.async_read_some(
        net::buffer(probe_),
        [self = this->shared_from_this()](beast::error_code, std::size_t) { self->EndStream(); });
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
    auto on_written = [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
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
    CloseSocket();  // the probe read may still be pending
  }

  // Ends a connection with no operation pending; TLS connections send
  // close_notify first (bounded by a short timeout).
  void DoClose() {
    if (closing_) return;
    closing_ = true;
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->CloseSocket(); });
    } else {
      CloseSocket();
    }
  }

  // Ends a connection after an answer that says `Connection: close` while the
  // client may still be sending (a refused body, pipelined requests): closing
  // a socket with unread input makes the kernel send a reset, which can
  // destroy the answer before the client reads it. So half-close, then read
  // and discard until the client closes, kLingerTime or kMaxLingerBytes.
  // TLS connections send close_notify instead (DoClose).
  void LingerThenClose() {
    if constexpr (kTls) {
      DoClose();
    } else {
      if (closing_) return;
      closing_ = true;
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return CloseSocket();
      Tcp().expires_after(kLingerTime);
      linger_buffer_ = std::make_unique<char[]>(kLingerBufferBytes);
      DiscardInput(0);
    }
  }

  void DiscardInput(size_t discarded) {
    Tcp().async_read_some(
        net::buffer(linger_buffer_.get(), kLingerBufferBytes),
        [self = this->shared_from_this(), discarded](beast::error_code ec, std::size_t n) {
          if (ec || discarded + n > kMaxLingerBytes) return self->CloseSocket();
          self->DiscardInput(discarded + n);
        });
  }

  // Ends a connection at once (cancelling any pending operation).
  void CloseSocket() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  static Stream MakeStream(tcp::socket&& socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(beast::tcp_stream(std::move(socket)), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  static constexpr size_t kMaxQueuedChunks = 1024;
  static constexpr size_t kHeaderReadBytes = 4096;

  std::shared_ptr<ssl::context> tls_;  // TLS only; outlives stream_
  Stream stream_;
  ServerState* state_;
  bool closing_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  size_t header_scanned_ = 0;   // ScanHeaderBlock's progress in buffer_
  bool input_drained_ = false;  // the last read emptied the socket (RequestWaiting)
  std::string remote_ip_;
  // The answer being written (Write): its header block and body.
  std::string write_head_;
  std::string write_body_;
  bool keep_alive_ = false;
  int requests_served_ = 0;
  int pipelined_run_ = 0;                  // answers in a row written with the next request waiting
  std::unique_ptr<char[]> linger_buffer_;  // LingerThenClose only
  bool handling_ = false;                  // a request is with the handler (between read and write)
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
        std::shared_ptr<ssl::context> tls;
        {
          std::lock_guard<std::mutex> lock(state_->tls_mutex);
          tls = state_->tls;
        }
        if (tls) {
          std::make_shared<Session<TlsStream>>(std::move(socket), state_, std::move(tls))->Run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), state_)->Run();
        }
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
  BeastHttpServer(const HttpServerOptions& options, HttpHandler* handler) : io_(options.threads) {
    state_.options = options;
    state_.largest_body_limit = std::max(options.max_body_bytes, handler->LargestBodyLimit());
    state_.handler = handler;
  }

  ~BeastHttpServer() override { Stop(std::chrono::milliseconds(0)); }

  absl::Status Listen() {
    if (!state_.options.tls_cert_file.empty() || !state_.options.tls_key_file.empty()) {
      if (state_.options.tls_cert_file.empty() || state_.options.tls_key_file.empty()) {
        return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
      }
      auto tls = LoadTlsContext(state_.options.tls_cert_file, state_.options.tls_key_file);
      if (!tls.ok()) return tls.status();
      state_.tls = std::move(*tls);
    }
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

  absl::Status ReloadTls() override {
    {
      std::lock_guard<std::mutex> lock(state_.tls_mutex);
      if (!state_.tls) return absl::FailedPreconditionError("TLS is not enabled");
    }
    auto tls = LoadTlsContext(state_.options.tls_cert_file, state_.options.tls_key_file);
    if (!tls.ok()) return tls.status();
    std::lock_guard<std::mutex> lock(state_.tls_mutex);
    state_.tls = std::move(*tls);
    return absl::OkStatus();
  }

  void Stop(std::chrono::milliseconds grace) override {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    state_.stopping.store(true);
    if (listener_) listener_->Close();
    // Connections accepted from now on see `stopping` and close at once.
    std::vector<std::shared_ptr<Drainable>> sessions;
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
