// The library's ceiling for the load benchmark: the same cpp-httplib server settings as touchpointd
// (thread pool, keep-alive, timeouts, TCP_NODELAY, backlog), a POST route that receives the body and
// answers 204 without doing anything. touchpointd's figures are printed as a ratio against this one.
#include <httplib.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 64;
  httplib::Server svr;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_keep_alive_max_count(10000);
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(1024 * 1024);
  svr.set_tcp_nodelay(true);
  int listen_fd = -1;
  svr.set_socket_options([&](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });
  for (const char* path : {"/v1/events", "/v1/batch"})
    svr.Post(path, [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  const int port = svr.bind_to_any_port("127.0.0.1");
  if (port < 0) return 1;
  ::listen(listen_fd, 4096);
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  svr.listen_after_bind();
}
