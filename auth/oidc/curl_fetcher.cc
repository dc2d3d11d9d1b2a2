#include "auth/oidc/curl_fetcher.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "auth/url.h"

namespace mcp_oauth::auth::oidc {
namespace {

struct EasyFree {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Sink {
  std::string* body;
  size_t limit;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

bool IsFetchableUrl(const std::string& url) {
  auto parsed = ParseUrl(url);
  if (!parsed.ok() || !parsed->has_authority || parsed->host.empty() || parsed->has_fragment) {
    return false;
  }
  if (parsed->scheme == "https") return true;
  return parsed->scheme == "http" &&
         (parsed->host == "localhost" || parsed->host == "127.0.0.1" || parsed->host == "[::1]");
}

CurlFetcher::CurlFetcher(CurlFetcherOptions options) : options_(std::move(options)) {
  GlobalInit();
}

std::shared_ptr<HttpFetcher> MakeCurlFetcher(const std::string& ca_file,
                                             const std::string& ca_path) {
  CurlFetcherOptions options;
  options.ca_file = ca_file;
  options.ca_path = ca_path;
  return std::make_shared<CurlFetcher>(options);
}

absl::StatusOr<HttpResponse> CurlFetcher::Fetch(const HttpRequest& request) {
  if (!IsFetchableUrl(request.url)) {
    return absl::InvalidArgumentError("refusing to fetch a URL that is not https");
  }
  std::unique_ptr<CURL, EasyFree> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");
  HttpResponse response;
  Sink sink{&response.body, options_.max_response_bytes};
  std::unique_ptr<curl_slist, SlistFree> headers;
  for (const auto& [name, value] : request.headers) {
    curl_slist* list = curl_slist_append(headers.get(), absl::StrCat(name, ": ", value).c_str());
    if (!list) return absl::InternalError("out of memory");
    headers.release();
    headers.reset(list);
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.ca_path.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, options_.ca_path.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.total_timeout)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_response_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "mcp-oauth-server");
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (request.post) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  CURLcode code = curl_easy_perform(c);
  if (sink.overflow || code == CURLE_FILESIZE_EXCEEDED) {
    return absl::ResourceExhaustedError("response larger than the limit");
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError("the provider did not answer in time");
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach the provider: ", curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace mcp_oauth::auth::oidc
