// The HTTP layer's last line of defence: an exception escaping the ingest path (a translator, the
// service) must not end the event loop or the connection's thread. The request is answered 500 with a
// JSON body, nothing of it is stored or acknowledged, and the same connection serves the next request.
// Checked with the handler on the event loop (small bodies) and on a worker thread (bodies over
// loop_body_limit: here every body).
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/router.h"
#include "http/server.h"
#include "ingest/ingest_http.h"
#include "ingest/ingest_routes.h"
#include "ingest/ingest_service.h"
#include "ingest/source_auth.h"
#include "store/group_commit_writer.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"
#include "util/metrics.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Wraps every route's translator: an event whose text is "boom" throws, as a bug in a translator would.
EventTranslator throwing_on_boom(EventTranslator inner) {
  return [inner = std::move(inner)](const json& e, int64_t now, FieldErrors& errors) {
    if (e.is_object() && e.value("text", "") == "boom")
      throw std::runtime_error("injected fault\nforged line");
    return inner(e, now, errors);
  };
}

json event(const std::string& id, const std::string& text) {
  return {{"id", id}, {"type", "message"}, {"customer_id", "c-1"}, {"text", text}};
}

SourceConfig events_source() {
  SourceConfig s;
  s.name = "events";
  s.kind = "native";
  return s;
}

class ServerFaults : public ::testing::TestWithParam<size_t> {
 protected:
  ServerFaults() {
    // The log, as any sink would get it (the daemon's own formatter escapes too: app/logging.cpp).
    previous_logger = spdlog::default_logger();
    auto logger =
        std::make_shared<spdlog::logger>("faults", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
    SqliteOptions o;
    o.path = dir.file("faults.db");
    store = std::make_unique<SqliteStore>(o);
    writer = std::make_unique<GroupCommitWriter>(*store, WriterOptions{});
    service = std::make_unique<IngestService>(*writer, IngestLimits{}, &events_total);
    http::ServerOptions options;
    options.port = 0;
    options.workers = 4;
    options.loop_body_limit = GetParam();
    handler = std::make_unique<IngestHandler>(*service, auth, throwing_on_boom);
    add_ingest_routes(router, *handler, IngestHttpOptions{});
    server = std::make_unique<http::Server>(options, router);
    port = server->bind();
    serving = std::thread([this] { server->run(); });
  }
  ~ServerFaults() override {
    server->stop();
    serving.join();
    server.reset();
    writer->stop();
    spdlog::set_default_logger(previous_logger);
  }

  std::ostringstream log;
  std::shared_ptr<spdlog::logger> previous_logger;
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<GroupCommitWriter> writer;
  CounterFamily events_total{"touchpoint_events_total", "Events.", {"source", "outcome"}};
  std::unique_ptr<IngestService> service;
  SourceAuthenticator auth{{events_source()}};
  std::unique_ptr<IngestHandler> handler;
  http::Router router;
  std::unique_ptr<http::Server> server;
  int port = 0;
  std::thread serving;
};

TEST_P(ServerFaults, AnExceptionInTheIngestPathIs500AndTheConnectionServesTheNextRequest) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);

  const json batch = json::array({event("a-1", "hello"), event("a-2", "boom")});
  auto failed = client.Post("/v1/events", batch.dump(), "application/json");
  ASSERT_TRUE(failed) << httplib::to_string(failed.error());
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(failed->body);
  EXPECT_EQ(body["error"], "internal error");
  EXPECT_EQ(failed->body.find("injected"), std::string::npos) << "the exception's text is for the log only";

  // The same connection (keep-alive) is still served, by the same loop or thread.
  auto next = client.Post("/v1/events", event("b-1", "where is my order?").dump(), "application/json");
  ASSERT_TRUE(next) << httplib::to_string(next.error());
  EXPECT_EQ(next->status, 202);
  EXPECT_EQ(json::parse(next->body)["accepted"], 1);

  // Nothing of the failed request was stored, not even its valid first event: it was not acknowledged,
  // and a retry after a fix must not find half of it.
  const auto rows = store->interactions({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].interaction.id, "b-1");

  // The fault is logged, on one line: the exception's text cannot forge a second one.
  spdlog::default_logger()->flush();
  const std::string logged = log.str();
  EXPECT_NE(logged.find("error"), std::string::npos) << logged;
  EXPECT_NE(logged.find("injected fault?forged line"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("\nforged line"), std::string::npos) << logged;
}

INSTANTIATE_TEST_SUITE_P(LoopAndWorker, ServerFaults, ::testing::Values(size_t{64} * 1024, size_t{0}),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param ? std::string("OnTheEventLoop") : std::string("OnAWorker");
                         });

}  // namespace
}  // namespace tp
