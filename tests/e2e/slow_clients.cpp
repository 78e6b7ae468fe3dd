#include "slow_clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace tp::e2e {
namespace {

using Clock = std::chrono::steady_clock;

int open_connection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};  // a hung server fails the run instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  for (size_t off = 0; off < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one Content-Length framed response; returns its status (0: none came).
int read_response(int fd, std::string& pending) {
  char buf[16384];
  for (;;) {
    const size_t end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length = 0;
      const size_t cl = pending.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(pending.substr(cl + 16));
      if (pending.size() >= end + 4 + length) {
        const int status = std::atoi(pending.c_str() + 9);
        pending.erase(0, end + 4 + length);
        return status;
      }
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    pending.append(buf, static_cast<size_t>(n));
  }
}

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string legit_request(int route, const std::string& webhook_path, int i) {
  const std::string n = std::to_string(i);
  switch (route) {
    case 0:
      return post("/v1/events", R"({"id":"legit-)" + n + R"(","type":"message","customer_id":"c-)" +
                                    std::to_string(i % 50) + R"(","text":"where is my order?"})");
    case 1:
      return post(webhook_path,
                  R"({"responseId":"legit-wh-)" + n + R"(","session":"projects/p/agent/sessions/s-)" +
                      std::to_string(i % 50) +
                      R"(","queryResult":{"queryText":"when will my parcel arrive","intent":{"displayName":)"
                      R"("delivery.time"},"intentDetectionConfidence":0.9,"languageCode":"en"}})");
    default:
      return "GET /v1/interactions?limit=10 HTTP/1.1\r\nHost: x\r\n\r\n";
  }
}

const char* route_name(int route, const std::string& webhook_path) {
  return route == 0 ? "/v1/events" : route == 1 ? webhook_path.c_str() : "/v1/interactions";
}

// The first bytes a slow connection sends: half a head, or a whole head announcing a body of 100 KB.
std::string slow_start(int route, bool body, const std::string& webhook_path) {
  const std::string path = route == 0 ? "/v1/events" : route == 1 ? webhook_path : "/v1/interactions";
  if (route == 2 || !body)
    return std::string(route == 2 ? "GET " : "POST ") + path + " HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  return "POST " + path +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 102400\r\n\r\n[";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

SlowClientsReport run_slow_clients(int port, const SlowClientsOptions& o) {
  SlowClientsReport report;
  std::vector<int> idle, slow;
  // Idle keep-alive connections: one request answered, then silence.
  for (int i = 0; i < o.idle; ++i) {
    const int fd = open_connection(port);
    std::string pending;
    if (send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") && read_response(fd, pending) == 200)
      idle.push_back(fd);
    else
      ::close(fd);
  }
  // Slow connections, spread over the three routes, heads and bodies.
  for (int i = 0; i < o.slow; ++i) {
    const int fd = open_connection(port);
    send_all(fd, slow_start(i % 3, (i / 3) % 2 == 1, o.webhook_path));
    slow.push_back(fd);
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    // Paces the slow senders (one byte each per period); not a measurement.
    while (!done) {
      for (int fd : slow) ::send(fd, " ", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      for (int waited = 0; waited < o.trickle_ms && !done; waited += 50)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  report.routes.resize(3);
  std::vector<std::thread> senders;
  for (int route = 0; route < 3; ++route) {
    senders.emplace_back([&, route] {
      RouteReport& r = report.routes[static_cast<size_t>(route)];
      r.route = route_name(route, o.webhook_path);
      std::vector<double> latencies;
      int fd = open_connection(port);
      std::string pending;
      for (int i = 0; i < o.requests; ++i) {
        const auto start = Clock::now();
        int status = send_all(fd, legit_request(route, o.webhook_path, i)) ? read_response(fd, pending) : 0;
        if (status == 0) {  // the connection went (e.g. keep-alive max): one retry on a new one
          ::close(fd);
          fd = open_connection(port);
          pending.clear();
          status = send_all(fd, legit_request(route, o.webhook_path, i)) ? read_response(fd, pending) : 0;
        }
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (status >= 200 && status < 300) {
          ++r.answered;
        } else {
          ++r.failed;
        }
      }
      ::close(fd);
      r.p50_ms = percentile(latencies, 0.50);
      r.p99_ms = percentile(latencies, 0.99);
      r.max_ms = percentile(latencies, 1.0);
    });
  }
  for (auto& t : senders) t.join();
  done = true;
  trickle.join();
  // Still open: a non-blocking peek sees data or EOF only if the server answered or closed.
  auto open_count = [](const std::vector<int>& fds) {
    int open = 0;
    for (int fd : fds) {
      char c;
      const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++open;
    }
    return open;
  };
  report.idle_open = open_count(idle);
  report.slow_open = open_count(slow);
  for (int fd : idle) ::close(fd);
  for (int fd : slow) ::close(fd);
  return report;
}

}  // namespace tp::e2e
