#include "http/router.h"

#include "http/replies.h"

namespace tp::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 1;  // after the leading '/'
  while (i <= path.size()) {
    const size_t slash = path.find('/', i);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(i, end - i));
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  return out;
}

bool is_placeholder(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

bool matches(const Route& r, const std::vector<std::string>& parts, std::vector<std::string>* captures) {
  if (parts.size() != r.segments.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (is_placeholder(r.segments[i])) {
      if (parts[i].empty() || parts[i].size() > 512) return false;
      if (captures) captures->push_back(parts[i]);
    } else if (parts[i] != r.segments[i]) {
      return false;
    }
  }
  return true;
}

void note_method(Router::Match& m, const std::string& method) {
  m.other_method = true;
  if (m.allow.find(method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + method;
}

}  // namespace

Reply::Reply(std::shared_ptr<ReplyChannel> channel, uint64_t conn, uint64_t serial)
    : channel_(std::move(channel)), conn_(conn), serial_(serial) {}

Reply::Reply(Reply&& o) noexcept : channel_(std::move(o.channel_)), conn_(o.conn_), serial_(o.serial_) {}

Reply& Reply::operator=(Reply&& o) noexcept {
  if (this != &o) {
    if (channel_) {
      Response res;
      send_error(res, 500, "", "internal error");
      channel_->deliver(conn_, serial_, std::move(res));
    }
    channel_ = std::move(o.channel_);
    conn_ = o.conn_;
    serial_ = o.serial_;
  }
  return *this;
}

Reply::~Reply() {
  if (!channel_) return;
  Response res;
  send_error(res, 500, "", "internal error");
  channel_->deliver(conn_, serial_, std::move(res));
}

void Reply::send(Response res) {
  if (!channel_) return;
  auto channel = std::move(channel_);
  channel->deliver(conn_, serial_, std::move(res));
}

void Router::add(Route r) {
  r.segments = split_path(r.pattern);
  auto owned = std::make_unique<Route>(std::move(r));
  const Route* p = owned.get();
  routes_.push_back(std::move(owned));
  bool patterned = false;
  for (const auto& s : p->segments) patterned |= is_placeholder(s);
  if (patterned) {
    patterned_.push_back(p);
  } else {
    exact_[p->pattern].push_back(p);
  }
}

void Router::get(const std::string& pattern, Handler h, RouteOptions o) {
  add({"GET", pattern, {}, std::move(h), {}, std::move(o)});
}
void Router::post(const std::string& pattern, Handler h, RouteOptions o) {
  add({"POST", pattern, {}, std::move(h), {}, std::move(o)});
}
void Router::del(const std::string& pattern, Handler h, RouteOptions o) {
  add({"DELETE", pattern, {}, std::move(h), {}, std::move(o)});
}
void Router::post_async(const std::string& pattern, AsyncHandler h, RouteOptions o) {
  add({"POST", pattern, {}, {}, std::move(h), std::move(o)});
}

Router::Match Router::find(std::string_view method, std::string_view path) const {
  Match m;
  const std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  if (auto it = exact_.find(std::string(path)); it != exact_.end()) {
    for (const Route* r : it->second) {
      if (r->method == want) {
        m.route = r;
        return m;
      }
      note_method(m, r->method);
    }
  }
  if (patterned_.empty() || path.empty() || path[0] != '/') return m;
  const std::vector<std::string> parts = split_path(path);
  for (const Route* r : patterned_) {
    if (!matches(*r, parts, nullptr)) continue;
    if (r->method != want) {
      note_method(m, r->method);
      continue;
    }
    m.route = r;
    m.captures.clear();
    matches(*r, parts, &m.captures);
    m.other_method = false;
    return m;
  }
  return m;
}

}  // namespace tp::http
