// Which handler answers a request: routes by method and path pattern ("/v1/webhooks/{source}": a
// placeholder is one non-empty path segment). The pattern is also the route's metrics label, so
// arbitrary URLs never become label values.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.h"

namespace tp::http {

class ReplyChannel;

// The answer to one request, sent once from any thread. A Reply dropped unsent answers 500, so a
// request can never be left hanging by a handler that forgot it.
class Reply {
 public:
  Reply(std::shared_ptr<ReplyChannel> channel, uint64_t conn, uint64_t serial);
  Reply(Reply&&) noexcept;
  Reply& operator=(Reply&&) noexcept;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply();
  void send(Response res);
  bool sent() const { return !channel_; }

 private:
  std::shared_ptr<ReplyChannel> channel_;
  uint64_t conn_ = 0, serial_ = 0;
};

class ReplyChannel {
 public:
  virtual ~ReplyChannel() = default;
  virtual void deliver(uint64_t conn, uint64_t serial, Response res) = 0;
};

// Runs on a worker thread: may block (SQLite reads, admin work).
using Handler = std::function<void(const Request&, Response&)>;
// Runs on the event loop (or on a worker when the body is large): must not block; answers through the
// Reply, possibly later from another thread (ingest answers after the group commit).
using AsyncHandler = std::function<void(Request&, Reply)>;
// Runs on the loop once the head is read, before any body byte: false refuses the request with `res`
// (the body is then not read and the connection is closed). Used for credentials.
using HeadCheck = std::function<bool(const Request& head, Response& res)>;

struct RouteOptions {
  HeadCheck before_body;
  // No reply by then: `on_timeout` is sent instead (and the connection closed). 0: no limit.
  int reply_timeout_ms = 0;
  std::function<Response()> on_timeout;
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // of the pattern; "{...}" matches any one segment
  Handler handler;                    // exactly one of handler and async is set
  AsyncHandler async;
  RouteOptions options;
};

class Router {
 public:
  void get(const std::string& pattern, Handler h, RouteOptions o = {});
  void post(const std::string& pattern, Handler h, RouteOptions o = {});
  void del(const std::string& pattern, Handler h, RouteOptions o = {});
  void post_async(const std::string& pattern, AsyncHandler h, RouteOptions o = {});

  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> captures;
    bool other_method = false;  // the path exists with another method: 405
    std::string allow;          // those methods, for the Allow header
  };
  // `path` is percent-decoded. HEAD finds the GET route.
  Match find(std::string_view method, std::string_view path) const;

 private:
  void add(Route r);
  std::vector<std::unique_ptr<Route>> routes_;
  std::unordered_map<std::string, std::vector<const Route*>> exact_;  // patterns without placeholders
  std::vector<const Route*> patterned_;
};

}  // namespace tp::http
