#include "ingest/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "ingest/ingest_routes.h"
#include "ingest/request_head.h"
#include "util/text.h"
#include "util/thread_name.h"
#include "util/time.h"

namespace tp {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr size_t kTunnelBuffer = size_t{256} * 1024;  // per direction; a full buffer stops reading that side
constexpr int kMaxEvents = 64;
// A connection's input buffer is released beyond this when idle.
constexpr size_t kKeptBuffer = size_t{64} * 1024;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// Replies from the writer thread to one loop. The writer posts after each commit; the loop is woken
// through the eventfd only when the list goes from empty to not empty, so a group costs one wake-up.
// Shared (not owned by the loop alone) because a reply may come after the loop has gone.
struct Inbox {
  struct Item {
    uint64_t conn_id;
    uint64_t serial;
    IngestReply reply;
  };
  int event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::mutex mu;
  std::vector<Item> items;

  ~Inbox() {
    if (event_fd >= 0) ::close(event_fd);
  }
  void post(Item item) {
    bool wake;
    {
      std::lock_guard lock(mu);
      wake = items.empty();
      items.push_back(std::move(item));
    }
    if (wake) ring();
  }
  void ring() const {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(event_fd, &one, sizeof one);
  }
  std::vector<Item> take() {
    uint64_t count;
    [[maybe_unused]] const ssize_t n = ::read(event_fd, &count, sizeof count);
    std::lock_guard lock(mu);
    return std::exchange(items, {});
  }
};

// Bytes queued for one direction of a socket.
struct Outgoing {
  std::string buf;
  size_t off = 0;
  size_t pending() const { return buf.size() - off; }
  void consumed(size_t n) {
    off += n;
    if (off == buf.size()) {
      buf.clear();
      off = 0;
    }
  }
};

enum class State {
  Reading,  // waiting for (the rest of) a request
  Waiting,  // its events were submitted; the reply comes with the commit
  Writing,  // the reply did not fit in the socket at once
  Tunnel,   // handed to the full server: bytes are relayed both ways
};

struct Conn;

// What an epoll event points at: one of a connection's two sockets.
struct Endpoint {
  Conn* conn = nullptr;
  int fd = -1;
  uint32_t interest = 0;
  bool registered = false;
};

struct Conn {
  uint64_t id = 0;
  Endpoint client, backend;
  State state = State::Reading;
  std::string in;     // received from the client, not yet consumed (in a tunnel: not yet relayed)
  size_t in_off = 0;  // tunnel: bytes of `in` already relayed
  Outgoing out;       // to the client
  Clock::time_point since = Clock::now();  // when the current state began
  uint64_t serial = 0;                     // of the request waiting for its reply
  const IngestRoute* route = nullptr;      // of that request
  size_t requests = 0;
  bool close_after_write = false;
  bool client_eof = false, backend_eof = false, backend_connected = false;
  size_t accounted = 0;  // bytes of `in` counted in the loop's buffered total
  size_t needed = 0;     // a fast-path request whose body is still coming: bytes of `in` it needs
  bool dead = false;
};

int make_backend_socket(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

class HttpFront::Loop {
 public:
  explicit Loop(HttpFront& front)
      : front_(front),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
        budget_(
            std::max<size_t>(front.options_.max_buffered_bytes / std::max<size_t>(1, front.options_.loops),
                             front.options_.max_head_bytes + front.options_.max_body_bytes)) {
    if (epoll_fd_ < 0 || inbox_->event_fd < 0) throw std::runtime_error("cannot create the event loop");
    listener_.fd = front_.listen_fd_;
    wakeup_.fd = inbox_->event_fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wakeup_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_.fd, &ev);
    watch_listener(true);
  }
  ~Loop() {
    for (auto& [id, c] : conns_) close_fds(*c);
    ::close(epoll_fd_);
  }

  void wake() { inbox_->ring(); }
  void run();

  std::thread thread;

 private:
  void watch_listener(bool on);
  void accept_all();
  void on_replies();
  void on_client(Conn& c, uint32_t events);
  void on_backend(Conn& c, uint32_t events);
  void process_input(Conn& c);
  void submit(Conn& c, const IngestRoute& route, const RequestHead& head, const std::string& source);
  void reply(Conn& c, const IngestReply& r);
  void after_write(Conn& c);
  void start_tunnel(Conn& c);
  void end_backend(Conn& c);
  bool flush_client(Conn& c);
  bool flush_backend(Conn& c);
  void update_interest(Conn& c);
  void set_interest(Endpoint& e, uint32_t interest);
  void close_conn(Conn& c);
  void close_fds(Conn& c);
  void sweep(Clock::time_point now);
  // Brings the loop's total of buffered request bytes up to date with `c.in` (after any change to it).
  void account(Conn& c);
  bool may_read(const Conn& c) const;
  void begin_drain();
  // recv into `buf`: bytes read, 0 at end of stream, -1 when nothing is there now, -2 on error.
  ssize_t receive(int fd, std::string& buf, size_t room);

  HttpFront& front_;
  int epoll_fd_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  Endpoint listener_, wakeup_;
  bool listening_ = false;
  Clock::time_point accept_paused_until_{};
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> closed_;  // freed after the current batch of events
  uint64_t next_id_ = 1;
  bool draining_ = false;
  Clock::time_point drain_deadline_{};
  // Request bytes held (received, not yet handed on) across this loop's connections, and the budget
  // beyond which only connections still short of a whole head may read (see may_read).
  size_t buffered_ = 0;
  size_t budget_;
  bool resume_reads_ = false;
  Clock::time_point next_sweep_ = Clock::now();
  char scratch_[64 * 1024];
};

void HttpFront::Loop::watch_listener(bool on) {
  if (on == listening_ || listener_.fd < 0) return;
  if (on) {
    epoll_event ev{};
    // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = &listener_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.fd, &ev);
  } else {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listener_.fd, nullptr);
  }
  listening_ = on;
}

void HttpFront::Loop::run() {
  name_current_thread("tp-front");
  epoll_event events[kMaxEvents];
  for (;;) {
    if (front_.stopping_ && !draining_) begin_drain();
    const auto now = Clock::now();
    if (draining_ && (conns_.empty() || now >= drain_deadline_)) break;
    if (now >= next_sweep_) sweep(now);
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 250);
    for (int i = 0; i < n; ++i) {
      auto* e = static_cast<Endpoint*>(events[i].data.ptr);
      if (e == &listener_) {
        accept_all();
      } else if (e == &wakeup_) {
        on_replies();
      } else if (!e->conn->dead) {
        if (e == &e->conn->client) {
          on_client(*e->conn, events[i].events);
        } else {
          on_backend(*e->conn, events[i].events);
        }
      }
    }
    closed_.clear();
    if (resume_reads_) {
      resume_reads_ = false;
      for (auto& [id, c] : conns_) update_interest(*c);
    }
  }
  std::vector<Conn*> left;
  for (auto& [id, c] : conns_) left.push_back(c.get());
  for (Conn* c : left) close_conn(*c);  // the drain deadline passed
  closed_.clear();
}

void HttpFront::Loop::accept_all() {
  if (draining_) return;  // the listener was ready in the same batch as the stop: leave it to the backlog
  for (;;) {
    const int fd = ::accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop accepting for a moment rather than spin on a ready listener.
        spdlog::warn("front: cannot accept a connection ({}); pausing accepts", std::strerror(errno));
        watch_listener(false);
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
      }
      return;  // EAGAIN (another loop took it), or an aborted connection
    }
    if (front_.connections_.fetch_add(1) >= front_.options_.max_connections) {
      front_.connections_.fetch_sub(1);
      front_.refused_.fetch_add(1);
      ::close(fd);
      continue;
    }
    front_.accepted_.fetch_add(1);
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_unique<Conn>();
    c->id = next_id_++;
    c->client = {c.get(), fd, 0, false};
    c->backend.conn = c.get();
    Conn& conn = *c;
    conns_.emplace(conn.id, std::move(c));
    update_interest(conn);
  }
}

void HttpFront::Loop::on_replies() {
  for (auto& item : inbox_->take()) {
    auto it = conns_.find(item.conn_id);
    // Gone (the client hung up), or already answered 503 when the commit took too long.
    if (it == conns_.end() || it->second->state != State::Waiting || it->second->serial != item.serial)
      continue;
    reply(*it->second, item.reply);
  }
}

ssize_t HttpFront::Loop::receive(int fd, std::string& buf, size_t room) {
  const ssize_t n = ::recv(fd, scratch_, std::min(room, sizeof scratch_), 0);
  if (n > 0) {
    buf.append(scratch_, static_cast<size_t>(n));
    return n;
  }
  if (n == 0) return 0;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
}

void HttpFront::Loop::on_client(Conn& c, uint32_t events) {
  if (events & EPOLLERR) return close_conn(c);
  // A request waiting for its commit keeps the registration it had (update_interest), which saves two
  // epoll_ctl calls per request; should that readiness fire meanwhile (a pipelined request, a
  // half-close, a stale EPOLLOUT), it is switched off here, once. A hang-up is still reported.
  if (c.state == State::Waiting && !(events & EPOLLHUP)) return set_interest(c.client, 0);
  if (events & EPOLLOUT) {
    if (!flush_client(c)) return close_conn(c);
    if (c.out.pending() == 0) {
      if (c.state == State::Writing) after_write(c);
      if (c.state == State::Tunnel && c.backend_eof) close_conn(c);
    }
    if (c.dead) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
    const size_t cap = c.state == State::Tunnel
                           ? kTunnelBuffer
                           : front_.options_.max_head_bytes + front_.options_.max_body_bytes;
    const size_t held = c.in.size() - c.in_off;
    size_t room = held < cap ? cap - held : 0;
    // Over the budget, only up to a head's worth (see may_read).
    if (buffered_ >= budget_)
      room = std::min(room, c.in.size() < front_.options_.max_head_bytes
                                ? front_.options_.max_head_bytes - c.in.size()
                                : size_t{0});
    if (room > 0) {
      const ssize_t n = receive(c.client.fd, c.in, room);
      account(c);
      if (n == -2) return close_conn(c);
      if (n == 0) {
        // The client is done sending. Outside a tunnel nothing more can be answered usefully: a
        // request waiting for its commit is still committed, but its sender has gone.
        if (c.state != State::Tunnel) return close_conn(c);
        c.client_eof = true;
      }
    } else if (events & (EPOLLHUP | EPOLLRDHUP)) {
      return close_conn(c);  // reads paused and the sender has given up: its request cannot complete
    }
  }
  if (c.state == State::Tunnel) {
    if (!flush_backend(c)) return end_backend(c);
  } else if (c.state == State::Reading) {
    process_input(c);
    if (c.dead) return;
  }
  update_interest(c);
}

void HttpFront::Loop::on_backend(Conn& c, uint32_t events) {
  if (!c.backend_connected) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.backend.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return close_conn(c);
    c.backend_connected = true;
  }
  if ((events & EPOLLOUT) && !flush_backend(c)) return end_backend(c);
  // Read even on an error: a reply followed by a reset (the full server closing a connection whose
  // request body it did not read, e.g. after a 413) must still reach the client.
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c.out.pending() < kTunnelBuffer) {
    const ssize_t n = receive(c.backend.fd, c.out.buf, kTunnelBuffer - c.out.pending());
    if (n == 0 || n == -2) return end_backend(c);
    if (!flush_client(c)) return close_conn(c);
  }
  update_interest(c);
}

void HttpFront::Loop::end_backend(Conn& c) {
  // The full server closed its side (a Connection: close reply, its timeout, a reset, or shutdown):
  // the client gets what it sent so far, then the connection ends.
  c.backend_eof = true;
  ::close(c.backend.fd);
  c.backend.fd = -1;
  c.backend.registered = false;
  if (!flush_client(c) || c.out.pending() == 0) return close_conn(c);
  update_interest(c);
}

void HttpFront::Loop::process_input(Conn& c) {
  const FrontOptions& o = front_.options_;
  // A body arriving in pieces: its head was read already, so it is read again only once complete.
  if (c.in.empty() || c.in.size() < c.needed) return;
  RequestHead head;
  const HeadStatus status = read_request_head(c.in, o.max_head_bytes, head);
  if (status == HeadStatus::Incomplete) return;
  const IngestRoute* route =
      status == HeadStatus::Plain && head.method == "POST" ? front_.ingest_.find(head.path) : nullptr;
  // Not for the fast path, or a body over the limit (the full server answers 413 and closes).
  if (!route || head.content_length > o.max_body_bytes) return start_tunnel(c);
  c.needed = head.size + head.content_length;
  if (c.in.size() < c.needed) return;  // the body is still coming
  c.needed = 0;
  const SourceConfig* source = front_.ingest_.authenticate(*route, parse_authorization(head.authorization));
  // Refused credentials, or a Segment write key that may be in the body: the full server answers.
  if (!source) return start_tunnel(c);
  submit(c, *route, head, source->name);
}

void HttpFront::Loop::submit(Conn& c, const IngestRoute& route, const RequestHead& head,
                             const std::string& source) {
  const std::string_view body(c.in.data() + head.size, head.content_length);
  c.state = State::Waiting;
  c.since = Clock::now();
  c.route = &route;
  c.close_after_write = head.close || draining_ || ++c.requests >= front_.options_.keep_alive_max_requests;
  const uint64_t serial = ++c.serial;
  bool failed = false;
  try {
    const EventBody events = parse_event_body(body);
    // The events are translated (copied out of the body) before handle_async returns.
    front_.ingest_.handle_async(route, source, body, events, now_unix_ms(),
                                [inbox = inbox_, id = c.id, serial](IngestReply r) {
                                  inbox->post({id, serial, std::move(r)});
                                });
  } catch (const std::exception& e) {
    // A request must never end the loop (and with it the process), whatever it holds: answered 500, as
    // the full server's exception handler does. Nothing was acknowledged; a reply the writer might still
    // post for it is dropped (the serial moves on), and a retry is idempotent.
    spdlog::error("front: unhandled error on POST {}: {}", route.path, one_line_excerpt(e.what(), 200));
    ++c.serial;
    failed = true;
  }
  c.in.erase(0, head.size + head.content_length);  // what is left is the client's next request
  // An idle connection must not keep a big body's buffer: memory would follow the connection count.
  if (c.in.capacity() > kKeptBuffer && c.in.size() < kKeptBuffer / 4) c.in.shrink_to_fit();
  account(c);
  if (failed) reply(c, {500, {{"error", "internal error"}}, 0});
}

void HttpFront::Loop::reply(Conn& c, const IngestReply& r) {
  const std::string body = r.body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string& out = c.out.buf;
  out.reserve(out.size() + body.size() + 160);
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\nContent-Type: application/json\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n";
  if (r.retry_after_s > 0) out += "Retry-After: " + std::to_string(r.retry_after_s) + "\r\n";
  out += c.close_after_write ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  out += body;
  if (front_.count_) front_.count_(c.route->path, r.status);
  c.state = State::Writing;
  c.since = Clock::now();
  if (!flush_client(c)) return close_conn(c);
  if (c.out.pending() == 0) return after_write(c);
  update_interest(c);
}

void HttpFront::Loop::after_write(Conn& c) {
  if (c.close_after_write) return close_conn(c);
  c.state = State::Reading;
  c.since = Clock::now();
  process_input(c);  // a pipelined request may be waiting in the buffer already
  if (!c.dead) update_interest(c);
}

void HttpFront::Loop::start_tunnel(Conn& c) {
  if (draining_ || front_.backend_port_ <= 0) return close_conn(c);
  c.backend.fd = make_backend_socket(front_.backend_port_);
  if (c.backend.fd < 0) {
    spdlog::warn("front: cannot reach the full server: {}", std::strerror(errno));
    return close_conn(c);
  }
  c.state = State::Tunnel;
  c.in_off = 0;  // everything from the start of this request on goes to the full server
  front_.handed_over_.fetch_add(1);
  update_interest(c);
}

bool HttpFront::Loop::flush_client(Conn& c) {
  while (c.out.pending() > 0) {
    const ssize_t n = ::send(c.client.fd, c.out.buf.data() + c.out.off, c.out.pending(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.consumed(static_cast<size_t>(n));
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  return true;
}

bool HttpFront::Loop::flush_backend(Conn& c) {
  if (c.backend_eof) {
    c.in.clear();  // nobody left to read it
    c.in_off = 0;
    account(c);
    return true;
  }
  if (!c.backend_connected) return true;
  while (c.in_off < c.in.size()) {
    const ssize_t n = ::send(c.backend.fd, c.in.data() + c.in_off, c.in.size() - c.in_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.in_off += static_cast<size_t>(n);
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  c.in.clear();
  c.in_off = 0;
  if (c.in.capacity() > kKeptBuffer) c.in.shrink_to_fit();
  account(c);
  if (c.client_eof) ::shutdown(c.backend.fd, SHUT_WR);  // pass the client's half-close on
  return true;
}

void HttpFront::Loop::update_interest(Conn& c) {
  if (c.dead) return;
  const FrontOptions& o = front_.options_;
  uint32_t client = 0, backend = 0;
  switch (c.state) {
    case State::Reading:
      // EPOLLRDHUP even while reads are paused (over the budget): a sender that gives up is closed and
      // its memory freed, instead of holding it until the timeout.
      client = EPOLLRDHUP;
      if (c.in.size() < o.max_head_bytes + o.max_body_bytes && may_read(c)) client |= EPOLLIN;
      break;
    case State::Waiting:
      return;  // nothing is read until the reply is out: switched off lazily, see on_client
    case State::Writing:
      client = EPOLLOUT;
      break;
    case State::Tunnel:
      if (!c.client_eof && c.in.size() - c.in_off < kTunnelBuffer && may_read(c)) client |= EPOLLIN;
      if (c.out.pending() > 0) client |= EPOLLOUT;
      if (!c.backend_eof) {
        if (!c.backend_connected || c.in.size() > c.in_off) backend |= EPOLLOUT;
        if (c.out.pending() < kTunnelBuffer) backend |= EPOLLIN;
        set_interest(c.backend, backend);
      }
      break;
  }
  set_interest(c.client, client);
}

void HttpFront::Loop::set_interest(Endpoint& e, uint32_t interest) {
  if (e.fd < 0 || (e.registered && e.interest == interest)) return;
  epoll_event ev{};
  ev.events = interest;
  ev.data.ptr = &e;
  ::epoll_ctl(epoll_fd_, e.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e.fd, &ev);
  e.registered = true;
  e.interest = interest;
}

void HttpFront::Loop::close_fds(Conn& c) {
  for (Endpoint* e : {&c.client, &c.backend}) {
    if (e->fd < 0) continue;
    ::close(e->fd);  // also removes it from the epoll set
    e->fd = -1;
  }
}

void HttpFront::Loop::account(Conn& c) {
  const size_t now = c.dead ? 0 : c.in.size();
  const bool was_over = buffered_ >= budget_;
  if (now >= c.accounted) {
    buffered_ += now - c.accounted;
    front_.buffered_.fetch_add(now - c.accounted, std::memory_order_relaxed);
  } else {
    buffered_ -= c.accounted - now;
    front_.buffered_.fetch_sub(c.accounted - now, std::memory_order_relaxed);
  }
  c.accounted = now;
  if (was_over && buffered_ < budget_) resume_reads_ = true;  // stalled connections may read again
}

// Memory stays bounded whatever senders do: past the budget, a connection reads only while it holds
// less than a head's worth, so it can still deliver a small request whole; bodies wait (or time out).
bool HttpFront::Loop::may_read(const Conn& c) const {
  return buffered_ < budget_ || c.in.size() < front_.options_.max_head_bytes;
}

void HttpFront::Loop::close_conn(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  account(c);
  front_.connections_.fetch_sub(1);  // before the close a client can see, so the gauge is never behind it
  close_fds(c);
  auto it = conns_.find(c.id);
  if (it != conns_.end()) {
    closed_.push_back(std::move(it->second));  // events later in this batch may still point at it
    conns_.erase(it);
  }
}

void HttpFront::Loop::sweep(Clock::time_point now) {
  next_sweep_ = now + std::chrono::milliseconds(250);
  if (!listening_ && !draining_ && now >= accept_paused_until_) watch_listener(true);
  const FrontOptions& o = front_.options_;
  const auto keep_alive = std::chrono::seconds(o.keep_alive_timeout_s);
  const auto read_timeout = std::chrono::seconds(o.read_timeout_s);
  std::vector<Conn*> expired, overdue;
  for (auto& [id, c] : conns_) {
    const auto age = now - c->since;
    switch (c->state) {
      case State::Reading:
        // Idle past the keep-alive timeout, or a request that trickles in (slowloris): close.
        if (age > (c->in.empty() ? keep_alive : keep_alive + read_timeout)) expired.push_back(c.get());
        break;
      case State::Waiting:
        if (age > std::chrono::milliseconds(o.commit_timeout_ms)) overdue.push_back(c.get());
        break;
      case State::Writing:
        if (age > read_timeout) expired.push_back(c.get());  // the client stopped reading
        break;
      case State::Tunnel:
        break;  // the full server applies its own timeouts and closes its side
    }
  }
  for (Conn* c : expired) close_conn(*c);
  for (Conn* c : overdue) {
    // The answer a blocked request gets from the writer: nothing is acknowledged. If the commit does
    // complete later, its reply is dropped (the serial moved on); a re-sent event is a duplicate.
    ++c->serial;
    c->close_after_write = true;
    reply(*c, front_.ingest_.timed_out_reply());
  }
  closed_.clear();
}

void HttpFront::Loop::begin_drain() {
  draining_ = true;
  drain_deadline_ =
      Clock::now() + std::chrono::milliseconds(front_.options_.commit_timeout_ms) + std::chrono::seconds(2);
  watch_listener(false);
  std::vector<Conn*> idle;
  for (auto& [id, c] : conns_) {
    if (c->state == State::Reading) {
      idle.push_back(c.get());  // no request owed an answer (a partial one was never acknowledged)
    } else if (c->state != State::Tunnel) {
      c->close_after_write = true;
    }
  }
  for (Conn* c : idle) close_conn(*c);
  closed_.clear();
}

HttpFront::HttpFront(FrontOptions options, IngestHandler& ingest, FrontRequestCounter count)
    : options_(std::move(options)), ingest_(ingest), count_(std::move(count)) {}

HttpFront::~HttpFront() {
  stop();
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
  loops_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int HttpFront::bind() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  if (::getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(), &hints, &found) != 0 ||
      !found)
    throw std::runtime_error("cannot listen on " + where + ": unknown host");
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int yes = 1;
  // SO_REUSEADDR for a quick restart; not SO_REUSEPORT, which would let a second daemon share the port.
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 4096) == 0;
  const int err = errno;
  ::freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on " + where + ": " + std::strerror(err));
  }
  listen_fd_ = fd;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                              : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  // Each connection holds up to two descriptors (client and tunnel): keep the cap within the limit.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const size_t usable = lim.rlim_cur > 256 ? (lim.rlim_cur - 256) / 2 : 16;
    options_.max_connections = std::min(options_.max_connections, usable);
  }
  for (size_t i = 0; i < std::max<size_t>(1, options_.loops); ++i)
    loops_.push_back(std::make_unique<Loop>(*this));
  return port;
}

void HttpFront::run() {
  for (auto& l : loops_) l->thread = std::thread([loop = l.get()] { loop->run(); });
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
}

void HttpFront::stop() {
  stopping_ = true;
  for (auto& l : loops_) l->wake();
}

}  // namespace tp
