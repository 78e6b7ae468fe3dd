#include "http/server.h"

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

#include "http/body_decoding.h"
#include "http/replies.h"
#include "http/response_writer.h"
#include "http/worker_pool.h"
#include "util/text.h"
#include "util/thread_name.h"
#include "util/time.h"

namespace tp::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxEvents = 64;
constexpr size_t kKeptBuffer = size_t{64} * 1024;  // an idle connection's buffer is released beyond this
constexpr size_t kMaxStreamBacklog = size_t{1024} * 1024;  // a live stream its client does not read

// What other threads send one loop: answers (from workers, the group-commit writer) and stream chunks.
// The loop is woken through the eventfd only when the list goes from empty to not empty, so a commit
// group costs one wake-up. Shared, not owned by the loop alone: an answer may come after it has gone.
struct Inbox : ReplyChannel {
  enum class Kind { Answer, Chunk, StreamEnd };
  struct Item {
    uint64_t conn = 0;
    uint64_t serial = 0;
    Kind kind = Kind::Answer;
    Response res;
    std::string chunk;
  };
  int event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::mutex mu;
  std::vector<Item> items;

  ~Inbox() override {
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
  void deliver(uint64_t conn, uint64_t serial, Response res) override {
    Item item;
    item.conn = conn;
    item.serial = serial;
    item.res = std::move(res);
    post(std::move(item));
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

// One live stream: its producer thread writes chunks through the loop's inbox while `open`.
struct StreamState : StreamSink {
  std::shared_ptr<Inbox> inbox;
  uint64_t conn = 0, serial = 0;
  std::atomic<bool> is_open{true};
  bool write(std::string_view data) override {
    if (!is_open.load()) return false;
    if (data.empty()) return true;
    Inbox::Item item;
    item.conn = conn;
    item.serial = serial;
    item.kind = Inbox::Kind::Chunk;
    item.chunk = chunk_frame(data);
    inbox->post(std::move(item));
    return is_open.load();
  }
  bool open() const override { return is_open.load(); }
};

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
  Reading,    // a request's head or body
  Handling,   // its handler has it; the answer comes through the inbox
  Writing,    // the answer did not fit in the socket at once
  Streaming,  // a live stream: chunks come through the inbox until its producer ends
};

struct Conn;

// What an epoll event points at.
struct Endpoint {
  Conn* conn = nullptr;
  int fd = -1;
  uint32_t interest = 0;
  bool registered = false;
};

struct Conn {
  uint64_t id = 0;
  Endpoint ep;
  State state = State::Reading;
  bool in_body = false;  // Reading: the head is read, the body is coming
  std::string in;        // received, not yet consumed
  size_t scanned = 0;    // how far the head reader looked (see read_request_head)
  Outgoing out;
  Clock::time_point since = Clock::now();  // when the current state (or phase) began
  bool head_begun = false;                 // Reading: a byte of the next request arrived
  Clock::time_point head_since{};
  uint64_t serial = 0;
  Request req;
  const Route* route = nullptr;
  std::string label = "other";  // the route's pattern, for the request counter
  uint64_t body_length = 0;
  bool chunked = false;
  ContentCoding coding = ContentCoding::Identity;
  ChunkedDecoder decoder;
  bool head_only = false;  // a HEAD request: the GET answer without its body
  size_t requests = 0;
  bool close_after_write = false;
  size_t accounted = 0;
  bool dead = false;
  bool in_process = false;  // process_input is running for it (answers written at once do not re-enter)
  uint64_t served = 0;      // answers written whole
  std::shared_ptr<StreamState> stream;
};

std::string route_label(const Route* r) {
  return r ? r->pattern : std::string("other");
}

}  // namespace

// Producer threads of live streams; joined when the server's run ends.
class Server::Streams {
 public:
  void start(std::shared_ptr<StreamState> state, StreamProducer producer, std::function<void()> on_end) {
    std::lock_guard lock(mu_);
    reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back(
        {std::thread([state, producer = std::move(producer), on_end = std::move(on_end), done] {
           name_current_thread("tp-stream");
           try {
             producer(*state);
           } catch (const std::exception& e) {
             spdlog::error("stream: {}", one_line_excerpt(e.what(), 200));
           }
           if (on_end) on_end();
           Inbox::Item item;
           item.conn = state->conn;
           item.serial = state->serial;
           item.kind = Inbox::Kind::StreamEnd;
           state->inbox->post(std::move(item));
           *done = true;
         }),
         done});
  }
  void join_all() {
    std::lock_guard lock(mu_);
    for (auto& t : threads_)
      if (t.thread.joinable()) t.thread.join();
    threads_.clear();
  }

 private:
  struct Running {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (*it->done) {
        it->thread.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::mutex mu_;
  std::vector<Running> threads_;
};

class Server::Loop {
 public:
  explicit Loop(Server& server)
      : server_(server),
        opt_(server.options_),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
        budget_(std::max<size_t>(opt_.max_buffered_bytes / std::max<size_t>(1, opt_.loops),
                                 opt_.head.max_head_bytes + opt_.max_body_bytes)) {
    if (epoll_fd_ < 0 || inbox_->event_fd < 0) throw std::runtime_error("cannot create the event loop");
    listener_.fd = server_.listen_fd_;
    wakeup_.fd = inbox_->event_fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wakeup_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_.fd, &ev);
    watch_listener(true);
  }
  ~Loop() {
    for (auto& [id, c] : conns_) close_fd(*c);
    ::close(epoll_fd_);
  }

  void wake() { inbox_->ring(); }
  void run();

  std::thread thread;

 private:
  void watch_listener(bool on);
  void accept_all();
  void on_inbox();
  void on_event(Conn& c, uint32_t events);
  void process_input(Conn& c);
  bool begin_request(Conn& c);
  bool read_body(Conn& c);
  void dispatch(Conn& c);
  void answer(Conn& c, Response res);
  void refuse(Conn& c, int status, const std::string& field, const std::string& message);
  void start_stream(Conn& c, Response& res);
  void after_write(Conn& c);
  bool flush(Conn& c);
  void update_interest(Conn& c);
  void set_interest(Endpoint& e, uint32_t interest);
  void close_conn(Conn& c);
  void close_fd(Conn& c);
  void sweep(Clock::time_point now);
  void account(Conn& c);
  bool may_read(const Conn& c) const;
  void begin_drain();
  Conn* find(uint64_t id, uint64_t serial);

  Server& server_;
  const ServerOptions& opt_;
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
  size_t buffered_ = 0;
  size_t budget_;
  bool resume_reads_ = false;
  Clock::time_point next_sweep_ = Clock::now();
  char scratch_[64 * 1024];
};

void Server::Loop::watch_listener(bool on) {
  if (on == listening_ || listener_.fd < 0) return;
  if (on) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;  // a new connection wakes one loop, not all of them
    ev.data.ptr = &listener_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.fd, &ev);
  } else {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listener_.fd, nullptr);
  }
  listening_ = on;
}

void Server::Loop::run() {
  name_current_thread("tp-front");
  epoll_event events[kMaxEvents];
  for (;;) {
    if (server_.stopping_ && !draining_) begin_drain();
    const auto now = Clock::now();
    if (draining_ && (conns_.empty() || now >= drain_deadline_)) break;
    if (now >= next_sweep_) sweep(now);
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 250);
    for (int i = 0; i < n; ++i) {
      auto* e = static_cast<Endpoint*>(events[i].data.ptr);
      if (e == &listener_) {
        accept_all();
      } else if (e == &wakeup_) {
        on_inbox();
      } else if (!e->conn->dead) {
        on_event(*e->conn, events[i].events);
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

void Server::Loop::accept_all() {
  if (draining_) return;
  for (;;) {
    const int fd = ::accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop accepting for a moment rather than spin on a ready listener.
        spdlog::warn("http: cannot accept a connection ({}); pausing accepts", std::strerror(errno));
        watch_listener(false);
        accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
      }
      return;  // EAGAIN (another loop took it), or an aborted connection
    }
    if (server_.connections_.fetch_add(1) >= opt_.max_connections) {
      server_.connections_.fetch_sub(1);
      server_.refused_.fetch_add(1);
      ::close(fd);
      continue;
    }
    server_.accepted_.fetch_add(1);
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_unique<Conn>();
    c->id = next_id_++;
    c->ep = {c.get(), fd, 0, false};
    Conn& conn = *c;
    conns_.emplace(conn.id, std::move(c));
    update_interest(conn);
  }
}

Conn* Server::Loop::find(uint64_t id, uint64_t serial) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second->dead || it->second->serial != serial) return nullptr;
  return it->second.get();
}

void Server::Loop::on_inbox() {
  for (auto& item : inbox_->take()) {
    Conn* c = find(item.conn, item.serial);
    switch (item.kind) {
      case Inbox::Kind::Answer:
        // Gone (the client hung up), or already answered when the handler took too long.
        if (!c || c->state != State::Handling) {
          if (item.res.on_stream_end) item.res.on_stream_end();  // a stream that never started
          continue;
        }
        answer(*c, std::move(item.res));
        break;
      case Inbox::Kind::Chunk:
        if (!c || c->state != State::Streaming) continue;
        if (c->out.pending() > kMaxStreamBacklog) {
          close_conn(*c);  // the client stopped reading its stream
          continue;
        }
        c->out.buf += item.chunk;
        if (!flush(*c)) {
          close_conn(*c);
          continue;
        }
        update_interest(*c);
        break;
      case Inbox::Kind::StreamEnd:
        if (!c || c->state != State::Streaming) continue;
        c->out.buf += "0\r\n\r\n";
        c->stream.reset();
        c->close_after_write = true;
        c->state = State::Writing;
        c->since = Clock::now();
        if (!flush(*c)) {
          close_conn(*c);
          continue;
        }
        if (c->out.pending() == 0) {
          after_write(*c);
        } else {
          update_interest(*c);
        }
        break;
    }
  }
}

void Server::Loop::on_event(Conn& c, uint32_t events) {
  if (events & EPOLLERR) return close_conn(c);
  // A request being handled keeps the registration it had (saves two epoll_ctl calls per request);
  // should that readiness fire meanwhile (a pipelined request, a stale EPOLLOUT) it is switched off
  // here, once. A hang-up still closes.
  if (c.state == State::Handling) {
    if (events & EPOLLHUP) return close_conn(c);
    return set_interest(c.ep, 0);
  }
  if (events & EPOLLOUT) {
    if (!flush(c)) return close_conn(c);
    if (c.out.pending() == 0 && c.state == State::Writing) {
      after_write(c);
      if (c.dead) return;
    }
  }
  if (c.state == State::Reading && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))) {
    const size_t cap = opt_.head.max_head_bytes + opt_.max_body_bytes;
    size_t room = c.in.size() < cap ? cap - c.in.size() : 0;
    // Over the budget, only up to a head's worth (see may_read).
    if (buffered_ >= budget_)
      room = std::min(
          room, c.in.size() < opt_.head.max_head_bytes ? opt_.head.max_head_bytes - c.in.size() : size_t{0});
    if (room > 0) {
      const ssize_t n = ::recv(c.ep.fd, scratch_, std::min(room, sizeof scratch_), 0);
      if (n > 0) {
        if (!c.head_begun && !c.in_body) {
          c.head_begun = true;
          c.head_since = Clock::now();
        }
        c.in.append(scratch_, static_cast<size_t>(n));
        account(c);
      } else if (n == 0 || !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return close_conn(c);  // the client is done sending: nothing more can be answered usefully
      }
    } else if (events & (EPOLLHUP | EPOLLRDHUP)) {
      return close_conn(c);  // reads paused and the sender has given up
    }
    process_input(c);
    if (c.dead) return;
  } else if (c.state == State::Streaming && (events & (EPOLLHUP | EPOLLRDHUP))) {
    return close_conn(c);  // the dashboard went away
  }
  update_interest(c);
}

// Serves what the buffer holds, request after request. A loop, not recursion: pipelined requests answered
// at once (404s, refusals, a full worker queue) would otherwise nest one call per request (a 64 KiB read
// holds 3,000 of them).
void Server::Loop::process_input(Conn& c) {
  if (c.in_process) return;  // an answer written inside the loop below: it goes on by itself
  c.in_process = true;
  while (!c.dead && c.state == State::Reading) {
    const uint64_t served = c.served;
    if (!c.in_body && !begin_request(c)) {
      if (c.served == served) break;  // nothing more to read yet
      continue;                       // answered at once: the next request may be waiting
    }
    if (!c.in_body) continue;
    if (!read_body(c)) {
      if (c.served == served) break;
      continue;
    }
    dispatch(c);
  }
  c.in_process = false;
}

// Reads the head, finds the route and applies the checks made before any body byte. True when the
// body may be read now.
bool Server::Loop::begin_request(Conn& c) {
  if (c.in.empty()) return false;
  RequestHead head;
  HeadError error;
  const HeadStatus status = read_request_head(c.in, opt_.head, head, error, &c.scanned);
  if (status == HeadStatus::Incomplete) return false;
  if (status == HeadStatus::Invalid) {
    refuse(c, error.status, error.field, error.message);
    return false;
  }
  c.req = Request{};
  c.req.method = std::string(head.method);
  c.req.path = percent_decode(head.path, false);
  c.req.query = std::string(head.query);
  c.req.headers.reserve(head.headers.size());
  for (const auto& [name, value] : head.headers) c.req.headers.emplace_back(name, value);
  c.req.received_ms = now_unix_ms();
  c.head_only = head.method == "HEAD";
  c.body_length = head.content_length.value_or(0);
  c.chunked = head.chunked;
  c.coding = head.coding;
  c.decoder = ChunkedDecoder{};
  c.close_after_write = head.close;
  const bool has_body = c.chunked || c.body_length > 0;
  c.in.erase(0, head.size);
  account(c);

  Router::Match match = server_.router_.find(c.req.method, c.req.path);
  c.route = match.route;
  c.label = route_label(match.route);
  if (!match.route) {
    if (match.other_method) {
      c.close_after_write = c.close_after_write || has_body;
      Response res;
      res.set_header("Allow", match.allow);
      send_error(res, 405, "method", "method not allowed");
      res.close = has_body;  // the body is not read: the connection cannot carry another request
      c.state = State::Handling;
      answer(c, std::move(res));
    } else {
      Response res;
      send_error(res, 404, "path", "no such route");
      res.close = has_body;
      c.state = State::Handling;
      answer(c, std::move(res));
    }
    return false;
  }
  c.req.captures = std::move(match.captures);
  if (c.body_length > opt_.max_body_bytes) {
    refuse(c, 413, "body", "body is larger than " + std::to_string(opt_.max_body_bytes) + " bytes");
    return false;
  }
  if (match.route->options.before_body) {
    Response res;
    if (!match.route->options.before_body(c.req, res)) {
      res.close = res.close || has_body;
      c.state = State::Handling;
      answer(c, std::move(res));
      return false;
    }
  }
  if (head.expect_continue && has_body) {
    c.out.buf += "HTTP/1.1 100 Continue\r\n\r\n";
    if (!flush(c)) {
      close_conn(c);
      return false;
    }
  }
  c.in_body = true;
  c.since = Clock::now();
  // A client that writes its head and its body in two sends (cpp-httplib, urllib3 for larger bodies), with
  // Nagle's algorithm on, holds the body back until the head is acknowledged, and Linux delays that ACK for
  // up to 40 ms hoping to carry it on a reply: every such request would wait 40 ms. Acknowledging at once
  // when the body has not arrived with the head costs one system call and only in that case.
  if (has_body && (c.chunked || c.in.size() < c.body_length)) {
    const int yes = 1;
    ::setsockopt(c.ep.fd, IPPROTO_TCP, TCP_QUICKACK, &yes, sizeof yes);
  }
  return true;
}

// True once the whole body is in c.req.body (decoded and inflated).
bool Server::Loop::read_body(Conn& c) {
  if (c.chunked) {
    size_t pos = 0;
    const auto status = c.decoder.feed(c.in, pos, c.req.body, opt_.max_body_bytes);
    c.in.erase(0, pos);  // decoded bytes leave the buffer, so a long chunked body is not held twice
    account(c);
    if (status == ChunkedDecoder::Status::NeedMore) return false;
    if (status == ChunkedDecoder::Status::Invalid) {
      refuse(c, 400, "body", c.decoder.error());
      return false;
    }
    if (status == ChunkedDecoder::Status::TooLarge) {
      refuse(c, 413, "body", "body is larger than " + std::to_string(opt_.max_body_bytes) + " bytes");
      return false;
    }
  } else {
    if (c.in.size() < c.body_length) return false;
    c.req.body.assign(c.in, 0, c.body_length);
    c.in.erase(0, c.body_length);
    account(c);
  }
  if (c.coding != ContentCoding::Identity) {
    Inflated inflated = inflate_body(c.req.body, c.coding, opt_.max_body_bytes);
    if (!inflated.ok) {
      if (inflated.too_large) {
        refuse(c, 413, "body",
               "body is larger than " + std::to_string(opt_.max_body_bytes) + " bytes (after decompression)");
      } else {
        refuse(c, 400, "body", "body could not be decompressed");
      }
      return false;
    }
    c.req.body = std::move(inflated.body);
  }
  c.in_body = false;
  return true;
}

void Server::Loop::dispatch(Conn& c) {
  c.state = State::Handling;
  c.since = Clock::now();
  c.head_begun = false;
  c.close_after_write = c.close_after_write || draining_ || ++c.requests >= opt_.keep_alive_max_requests;
  const uint64_t serial = ++c.serial;
  const Route& route = *c.route;
  Reply reply(inbox_, c.id, serial);
  if (route.async && c.req.body.size() <= opt_.loop_body_limit) {
    try {
      route.async(c.req, std::move(reply));
    } catch (const std::exception& e) {
      // A request must never end the loop (and with it the process): answered 500. Nothing was
      // acknowledged; a reply the handler might still send for it is dropped (the serial moves on).
      spdlog::error("http: unhandled error on {} {}: {}", c.req.method, route.pattern,
                    one_line_excerpt(e.what(), 200));
      ++c.serial;
      Response res;
      send_error(res, 500, "", "internal error");
      answer(c, std::move(res));
    }
    c.req.body.clear();
    if (c.req.body.capacity() > kKeptBuffer) c.req.body.shrink_to_fit();
    return;
  }
  // std::function needs a copyable task: the request and its Reply travel in a shared job.
  struct Job {
    const Route* route;
    Request req;
    Reply reply;
  };
  auto job = std::make_shared<Job>(Job{&route, std::move(c.req), std::move(reply)});
  auto task = [job] {
    try {
      if (job->route->async) return job->route->async(job->req, std::move(job->reply));
      Response res;
      job->route->handler(job->req, res);
      job->reply.send(std::move(res));
    } catch (const std::exception& e) {
      spdlog::error("http: unhandled error on {} {}: {}", job->req.method, job->route->pattern,
                    one_line_excerpt(e.what(), 200));
      Response res;
      send_error(res, 500, "", "internal error");
      job->reply.send(std::move(res));
    }
  };
  job.reset();
  c.req = Request{};
  if (!server_.workers_->try_enqueue(std::move(task))) {
    // The task (and its Reply) was not taken: the Reply was destroyed with it and posted a 500. Answer
    // 503 instead, now; the posted answer is dropped (the serial moves on).
    ++c.serial;
    Response res;
    res.set_header("Retry-After", "1");
    send_error(res, 503, "", "the server is busy; retry later");
    answer(c, std::move(res));
  }
}

void Server::Loop::refuse(Conn& c, int status, const std::string& field, const std::string& message) {
  // The rest of the request was not read, so the connection cannot carry another one: closed.
  c.close_after_write = true;
  c.in_body = false;
  c.state = State::Handling;
  Response res;
  send_error(res, status, field, message);
  res.close = true;
  answer(c, std::move(res));
}

void Server::Loop::answer(Conn& c, Response res) {
  if (res.close) c.close_after_write = true;
  if (server_.count_) server_.count_(c.label, res.status);
  if (res.stream) return start_stream(c, res);
  write_response(c.out.buf, res, c.head_only, c.close_after_write);
  c.state = State::Writing;
  c.since = Clock::now();
  if (!flush(c)) return close_conn(c);
  if (c.out.pending() == 0) return after_write(c);
  update_interest(c);
}

void Server::Loop::start_stream(Conn& c, Response& res) {
  write_stream_head(c.out.buf, res);
  c.state = State::Streaming;
  c.since = Clock::now();
  auto state = std::make_shared<StreamState>();
  state->inbox = inbox_;
  state->conn = c.id;
  state->serial = c.serial;
  c.stream = state;
  server_.streams_->start(state, std::move(res.stream), std::move(res.on_stream_end));
  if (!flush(c)) return close_conn(c);
  update_interest(c);
}

void Server::Loop::after_write(Conn& c) {
  if (c.close_after_write) return close_conn(c);
  ++c.served;
  c.state = State::Reading;
  c.since = Clock::now();
  c.route = nullptr;
  c.label = "other";
  c.scanned = 0;
  // An idle connection must not keep a big body's buffer: memory would follow the connection count.
  if (c.in.capacity() > kKeptBuffer && c.in.size() < kKeptBuffer / 4) c.in.shrink_to_fit();
  if (!c.in.empty()) {
    c.head_begun = true;
    c.head_since = c.since;
  }
  process_input(c);  // a pipelined request may be waiting in the buffer already
  if (!c.dead) update_interest(c);
}

bool Server::Loop::flush(Conn& c) {
  while (c.out.pending() > 0) {
    const ssize_t n = ::send(c.ep.fd, c.out.buf.data() + c.out.off, c.out.pending(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.consumed(static_cast<size_t>(n));
      if (c.state == State::Writing) c.since = Clock::now();  // progress: the write timeout starts over
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  return true;
}

void Server::Loop::update_interest(Conn& c) {
  if (c.dead) return;
  uint32_t interest = 0;
  switch (c.state) {
    case State::Reading:
      // EPOLLRDHUP even while reads are paused (over the budget): a sender that gives up is closed and
      // its memory freed, instead of holding it until the timeout.
      interest = EPOLLRDHUP;
      if (c.in.size() < opt_.head.max_head_bytes + opt_.max_body_bytes && may_read(c)) interest |= EPOLLIN;
      break;
    case State::Handling:
      return;  // switched off lazily, see on_event
    case State::Writing:
      interest = EPOLLOUT;
      break;
    case State::Streaming:
      interest = EPOLLRDHUP;
      if (c.out.pending() > 0) interest |= EPOLLOUT;
      break;
  }
  set_interest(c.ep, interest);
}

void Server::Loop::set_interest(Endpoint& e, uint32_t interest) {
  if (e.fd < 0 || (e.registered && e.interest == interest)) return;
  epoll_event ev{};
  ev.events = interest;
  ev.data.ptr = &e;
  ::epoll_ctl(epoll_fd_, e.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e.fd, &ev);
  e.registered = true;
  e.interest = interest;
}

void Server::Loop::close_fd(Conn& c) {
  if (c.ep.fd < 0) return;
  ::close(c.ep.fd);  // also removes it from the epoll set
  c.ep.fd = -1;
}

void Server::Loop::account(Conn& c) {
  const size_t now = c.dead ? 0 : c.in.size();
  const bool was_over = buffered_ >= budget_;
  if (now >= c.accounted) {
    buffered_ += now - c.accounted;
    server_.buffered_.fetch_add(now - c.accounted, std::memory_order_relaxed);
  } else {
    buffered_ -= c.accounted - now;
    server_.buffered_.fetch_sub(c.accounted - now, std::memory_order_relaxed);
  }
  c.accounted = now;
  if (was_over && buffered_ < budget_) resume_reads_ = true;  // stalled connections may read again
}

// Memory stays bounded whatever senders do: past the budget, a connection reads only while it holds
// less than a head's worth, so it can still deliver a small request whole; bodies wait (or time out).
bool Server::Loop::may_read(const Conn& c) const {
  return buffered_ < budget_ || c.in.size() < opt_.head.max_head_bytes;
}

void Server::Loop::close_conn(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  if (c.stream) c.stream->is_open = false;  // its producer stops at its next write
  account(c);
  server_.connections_.fetch_sub(1);  // before the close a client can see, so the gauge is never behind
  close_fd(c);
  auto it = conns_.find(c.id);
  if (it != conns_.end()) {
    closed_.push_back(std::move(it->second));  // events later in this batch may still point at it
    conns_.erase(it);
  }
}

void Server::Loop::sweep(Clock::time_point now) {
  next_sweep_ = now + std::chrono::milliseconds(250);
  if (!listening_ && !draining_ && now >= accept_paused_until_) watch_listener(true);
  const auto idle = std::chrono::seconds(opt_.idle_timeout_s);
  const auto head_timeout = std::chrono::seconds(opt_.head_timeout_s);
  const auto body_timeout = std::chrono::seconds(opt_.body_timeout_s);
  const auto write_timeout = std::chrono::seconds(opt_.write_timeout_s);
  std::vector<Conn*> expired, slow, overdue;
  for (auto& [id, c] : conns_) {
    switch (c->state) {
      case State::Reading:
        if (c->in_body) {
          if (now - c->since > body_timeout) slow.push_back(c.get());  // a body that trickles in
        } else if (c->head_begun) {
          if (now - c->head_since > head_timeout) slow.push_back(c.get());  // a head that trickles in
        } else if (now - c->since > idle) {
          expired.push_back(c.get());  // idle keep-alive connection
        }
        break;
      case State::Handling:
        if (c->route && c->route->options.reply_timeout_ms > 0 &&
            now - c->since > std::chrono::milliseconds(c->route->options.reply_timeout_ms))
          overdue.push_back(c.get());
        break;
      case State::Writing:
        if (now - c->since > write_timeout) expired.push_back(c.get());  // the client stopped reading
        break;
      case State::Streaming:
        break;  // the producer's writes keep it alive; a stuck client is cut at kMaxStreamBacklog
    }
  }
  for (Conn* c : expired) close_conn(*c);
  for (Conn* c : slow) refuse(*c, 408, c->in_body ? "body" : "headers", "request not received in time");
  for (Conn* c : overdue) {
    // What a blocked caller would get: nothing acknowledged. If the answer does come later it is
    // dropped (the serial moved on).
    ++c->serial;
    c->close_after_write = true;
    Response res;
    if (c->route->options.on_timeout) {
      res = c->route->options.on_timeout();
    } else {
      res.set_header("Retry-After", "1");
      send_error(res, 503, "", "no answer in time; retry later");
    }
    answer(*c, std::move(res));
  }
  closed_.clear();
}

void Server::Loop::begin_drain() {
  draining_ = true;
  drain_deadline_ = Clock::now() + std::chrono::milliseconds(opt_.drain_timeout_ms);
  watch_listener(false);
  std::vector<Conn*> idle;
  for (auto& [id, c] : conns_) {
    if (c->state == State::Reading) {
      idle.push_back(c.get());  // no request owed an answer (a partial one was never acknowledged)
    } else {
      c->close_after_write = true;
      if (c->stream) c->stream->is_open = false;  // its producer ends; the stream's end closes it
    }
  }
  for (Conn* c : idle) close_conn(*c);
  closed_.clear();
}

Server::Server(ServerOptions options, const Router& router, RequestCounter count)
    : options_(std::move(options)),
      router_(router),
      count_(std::move(count)),
      streams_(std::make_unique<Streams>()) {}

Server::~Server() {
  stop();
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
  loops_.clear();
  if (workers_) workers_->stop();
  streams_->join_all();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

size_t Server::queued_requests() const {
  return workers_ ? workers_->queued() : 0;
}

int Server::bind() {
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
  // Keep the connection cap within the descriptor limit (with room for the store, plugins, streams).
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const size_t usable = lim.rlim_cur > 256 ? lim.rlim_cur - 256 : 16;
    options_.max_connections = std::min(options_.max_connections, usable);
  }
  workers_ = std::make_unique<WorkerPool>(options_.workers, options_.max_queued);
  for (size_t i = 0; i < std::max<size_t>(1, options_.loops); ++i)
    loops_.push_back(std::make_unique<Loop>(*this));
  return port;
}

void Server::run() {
  for (auto& l : loops_) l->thread = std::thread([loop = l.get()] { loop->run(); });
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
  // The loops are done: nothing can be answered any more. Blocking handlers still running finish (their
  // answers are dropped), and stream producers end at their next write.
  if (workers_) workers_->stop();
  streams_->join_all();
}

void Server::stop() {
  stopping_ = true;
  for (auto& l : loops_) l->wake();
}

}  // namespace tp::http
