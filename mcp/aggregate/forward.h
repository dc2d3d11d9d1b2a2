// Helpers of the aggregates (tool, resource, prompt) for calls forwarded to a
// backend: the request id travels, and a forwarded unary call is a child of
// the server call, so the caller's deadline and cancellation reach the
// backend. Also the walk over every page of a backend's paged List RPC, and
// the page of a merged list an aggregate's own List RPC answers.
// Thread safe.
#ifndef MCP_OAUTH_MCP_AGGREGATE_FORWARD_H_
#define MCP_OAUTH_MCP_AGGREGATE_FORWARD_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/request_id.h"
#include "mcp/paging.h"

namespace mcp_oauth::mcp {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Copies the caller's request id (the only metadata forwarded: never the
// port's shared secret or anything else the caller sent).
inline void ForwardRequestId(const grpc::CallbackServerContext& from, grpc::ClientContext* to) {
  auto it = from.client_metadata().find(request_id::kMetadataKey);
  if (it == from.client_metadata().end()) return;
  std::string id(it->second.data(), it->second.size());
  if (request_id::IsValid(id)) to->AddMetadata(request_id::kMetadataKey, id);
}

// Sends `request` to a backend with `call` (e.g. a lambda over
// stub->async()->GetPrompt) as a child of the server call, and finishes the
// server call with the backend's answer in `response`. `keep` (e.g. the
// stub) lives until the call is done.
template <typename Request, typename Response>
grpc::ServerUnaryReactor* ForwardUnary(
    grpc::CallbackServerContext* context, Request request, Response* response,
    std::shared_ptr<void> keep,
    std::function<void(grpc::ClientContext*, const Request*, Response*,
                       std::function<void(grpc::Status)>)>
        call) {
  auto* reactor = context->DefaultReactor();
  struct Forwarded {
    std::unique_ptr<grpc::ClientContext> context;
    Request request;
    std::shared_ptr<void> keep;
  };
  auto forwarded = std::make_shared<Forwarded>();
  forwarded->context = grpc::ClientContext::FromCallbackServerContext(*context);
  ForwardRequestId(*context, forwarded->context.get());
  forwarded->request = std::move(request);
  forwarded->keep = std::move(keep);
  Forwarded* raw = forwarded.get();
  call(raw->context.get(), &raw->request, response,
       [reactor, forwarded = std::move(forwarded)](grpc::Status status) {
         reactor->Finish(status);
       });
  return reactor;
}

// ForwardUnary to the backend a router chose (`stub`), or finishes the server
// call with the router's error. `method(async, context, request, response,
// done)` starts the backend call, e.g.
// [](auto* async, auto... args) { async->ReadResource(args...); }.
template <typename Request, typename Response, typename Stub, typename Method>
grpc::ServerUnaryReactor* ForwardRouted(grpc::CallbackServerContext* context,
                                        const Request& request, Response* response,
                                        absl::StatusOr<std::shared_ptr<Stub>> stub, Method method) {
  if (!stub.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(stub.status()));
    return reactor;
  }
  Stub* raw = stub->get();
  return ForwardUnary<Request, Response>(
      context, request, response, *std::move(stub),
      [raw, method](grpc::ClientContext* c, const Request* q, Response* r,
                    std::function<void(grpc::Status)> done) {
        method(raw->async(), c, q, r, std::move(done));
      });
}

// A backend listing more pages than this is misbehaving (a token loop).
inline constexpr int kMaxListPages = 1000;

// Lists every page of a paged List RPC: `call` sends one page request,
// `take` moves a page's items out of the response, then `done` gets them all
// (on a gRPC thread). Each page within `timeout`.
template <typename Request, typename Response, typename Item>
void ListAllPages(std::function<void(grpc::ClientContext*, const Request*, Response*,
                                     std::function<void(grpc::Status)>)>
                      call,
                  std::function<void(Response*, std::vector<Item>*)> take, absl::Duration timeout,
                  std::function<void(absl::StatusOr<std::vector<Item>>)> done) {
  struct Job {
    std::function<void(grpc::ClientContext*, const Request*, Response*,
                       std::function<void(grpc::Status)>)>
        call;
    std::function<void(Response*, std::vector<Item>*)> take;
    absl::Duration timeout;
    std::function<void(absl::StatusOr<std::vector<Item>>)> done;
    std::vector<Item> items;
    int pages = 0;
    Request request;
    Response response;
    std::unique_ptr<grpc::ClientContext> context;
    static void Next(std::shared_ptr<Job> job) {
      job->context = std::make_unique<grpc::ClientContext>();
      job->context->set_deadline(absl::ToChronoTime(absl::Now() + job->timeout));
      job->response.Clear();
      Job* raw = job.get();
      raw->call(raw->context.get(), &raw->request, &raw->response,
                [job = std::move(job)](grpc::Status status) mutable {
                  if (!status.ok()) {
                    job->done(FromGrpcStatus(status));
                    return;
                  }
                  job->take(&job->response, &job->items);
                  const std::string next = job->response.next_page_token();
                  if (next.empty()) {
                    job->done(std::move(job->items));
                  } else if (++job->pages >= kMaxListPages) {
                    job->done(absl::InternalError("the backend lists more than " +
                                                  std::to_string(kMaxListPages) + " pages"));
                  } else {
                    job->request.set_page_token(next);
                    Next(std::move(job));
                  }
                });
    }
  };
  auto job = std::make_shared<Job>();
  job->call = std::move(call);
  job->take = std::move(take);
  job->timeout = timeout;
  job->done = std::move(done);
  Job::Next(std::move(job));
}

// Answers an aggregate's List RPC from its merged list `items` of version
// `tag`: the page `request` (page_size, page_token) asks for goes into `out`
// (a repeated field) and the next page's token into `next_page_token`;
// INVALID_ARGUMENT for a negative size or a bad token. `options` has
// default_page_size and max_page_size.
template <typename Item, typename Request, typename Options, typename Out>
grpc::Status AnswerListPage(const std::vector<Item>& items, const std::string& tag,
                            const Request& request, const Options& options, Out* out,
                            std::string* next_page_token) {
  absl::StatusOr<Page> page = PageOf(items.size(), tag, request.page_size(), request.page_token(),
                                     options.default_page_size, options.max_page_size);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) *out->Add() = items[i];
  *next_page_token = std::move(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_FORWARD_H_
