// AsyncLineWriter: lines written to a file descriptor by one background
// thread, so that the threads producing them (e.g. the gateway's IO threads
// writing access-log lines) never make a syscall or wait for a slow reader.
//
// Write() appends the line to an in-memory queue of at most
// `max_pending_bytes` and returns; the writer thread takes everything queued
// and writes it in a few write(2) calls. After each write it lingers for
// `linger` before looking again, so under load one write carries many lines
// and producers do not have to wake it (only the first line after an idle
// period does). A line is therefore on its way within about `linger` of
// Write(), and everything queued is written before the destructor returns.
//
// Full queue (the reader of the descriptor is slower than the producers):
// the line is dropped and counted (dropped(), and `dropped_counter` when
// given) rather than making the producer wait. One warning line per burst
// of drops says how many were lost.
//
// Writes go out in pieces of whole lines of at most PIPE_BUF bytes, so they
// never interleave mid-line with other writers of the same pipe (e.g. the
// process's other log lines on stderr).
//
// This class is thread safe.
#ifndef MCP_OAUTH_COMMON_ASYNC_LINE_WRITER_H_
#define MCP_OAUTH_COMMON_ASYNC_LINE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace mcp_oauth {

struct AsyncLineWriterOptions {
  // Written to, not owned (default: stderr).
  int fd = 2;
  // Bytes queued at most (lines beyond it are dropped).
  size_t max_pending_bytes = size_t{1} << 20;
  // How long the writer thread waits after a write before the next one.
  absl::Duration linger = absl::Milliseconds(2);
  // Optional: incremented for every dropped line.
  metrics::Counter* dropped_counter = nullptr;
};

class AsyncLineWriter {
 public:
  explicit AsyncLineWriter(AsyncLineWriterOptions options = {});
  // Writes what is queued, then stops the thread.
  ~AsyncLineWriter();
  AsyncLineWriter(const AsyncLineWriter&) = delete;
  AsyncLineWriter& operator=(const AsyncLineWriter&) = delete;

  // Queues `line` and a newline. Returns false when it was dropped (full).
  // Never blocks on I/O.
  bool Write(std::string_view line);
  // Returns once every line queued before the call has been written (or
  // failed to be). For tests and orderly shutdown.
  void Flush();
  uint64_t dropped() const;

 private:
  void Run();
  // Writes `batch` in pieces of whole lines of at most PIPE_BUF bytes.
  void WriteOut(std::string_view batch);

  const AsyncLineWriterOptions options_;
  mutable absl::Mutex mu_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  // True while the writer waits for a first line (Write must wake it).
  bool idle_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Callers waiting in Flush.
  int flushing_ ABSL_GUARDED_BY(mu_) = 0;
  // Lines queued and lines written or failed, for Flush.
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_reported_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar wake_;
  std::thread thread_;
};

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_ASYNC_LINE_WRITER_H_
