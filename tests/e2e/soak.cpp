// The soak (`make soak`, docs/TESTING.md): the real daemon under mixed traffic for SOAK_SECONDS (default
// 600), as it meets it in production: native events one by one and in batches (some gzip'd), Segment
// /v1/batch, signed Dialogflow ES webhooks, the reads a dashboard makes (/v1/map, /v1/faq,
// /v1/interactions, /v1/conversations) and one open /v1/stream consumed throughout. Every sender is paced
// (SOAK_LOAD multiplies the rates), every request's round trip is recorded, every acknowledged event id is
// kept, and the daemon's resident memory is sampled from /proc. At the end the daemon is stopped with SIGTERM
// and its database is read: every acknowledged event must be there exactly once and nothing else.
//
// Exit status 1 when an acknowledged event is missing or an unacknowledged one was stored, on any 5xx, any
// answer other than the expected one (429 excepted: counted, not acknowledged), a request without an answer,
// a stream that broke or fell silent for 45 s (what the dashboard counts as dropped), or an exit other than 0
// after SIGTERM. Latency and memory are reported, not judged.
#include <SQLiteCpp/SQLiteCpp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "daemon_process.h"
#include "http_helpers.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kNativeToken = "soak-native-token";
const std::string kWriteKey = "soak-write-key";
const std::string kWebhookSecret = "soak-webhook-secret";
const std::string kReadToken = "soak-read-token";
constexpr int kCustomers = 50000;
constexpr int kBatchEvents = 50;
constexpr double kStreamSilenceLimitS = 45;  // the dashboard's "dropped": three missed keep-alives

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}
double env_double(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && std::atof(v) > 0 ? std::atof(v) : fallback;
}

// What is sent, and the rate of each sender (requests per second at SOAK_LOAD=1).
enum Kind {
  NativeSingle,
  NativeBatch,
  SegmentBatch,
  Webhook,
  ReadMap,
  ReadFaq,
  ReadInteractions,
  ReadConversations,
  kKinds
};
const std::array<const char*, kKinds> kKindNames = {"native single",     "native batch",      "segment batch",
                                                    "webhook",           "read map",          "read faq",
                                                    "read interactions", "read conversations"};

struct Tally {
  uint64_t requests = 0, ok = 0, throttled = 0, server_errors = 0, unexpected = 0, no_answer = 0, events = 0;
  std::vector<uint32_t> latency_us;
  std::string first_problem;

  void merge(const Tally& o) {
    requests += o.requests, ok += o.ok, throttled += o.throttled, server_errors += o.server_errors;
    unexpected += o.unexpected, no_answer += o.no_answer, events += o.events;
    latency_us.insert(latency_us.end(), o.latency_us.begin(), o.latency_us.end());
    if (first_problem.empty()) first_problem = o.first_problem;
  }
};

// One sender thread's own records: no locks on the hot path; merged once the senders have stopped.
struct Worker {
  std::array<Tally, kKinds> tally;
  std::vector<std::string> acked;  // "source\x1f" + event id
};

// Counters the progress lines read while the senders run.
struct Live {
  std::atomic<uint64_t> requests{0}, events{0}, problems{0};
};

// Paces a sender at `per_second`: each wait ends at the next slot; a sender that fell more than a second
// behind (a stall) starts afresh from now instead of bursting to catch up.
class Pacer {
 public:
  explicit Pacer(double per_second)
      : interval_(
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_second))),
        next_(Clock::now()) {}
  bool wait(const std::atomic<bool>& stop) {
    next_ += interval_;
    const auto now = Clock::now();
    if (next_ < now - std::chrono::seconds(1)) next_ = now;
    while (!stop && Clock::now() < next_)
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next_ - Clock::now(), std::chrono::milliseconds(200)));
    return !stop;
  }

 private:
  Clock::duration interval_;
  Clock::time_point next_;
};

std::string hex_hmac_sha256(const std::string& key, const std::string& body) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += {digits[mac[i] >> 4], digits[mac[i] & 15]};
  return out;
}

// Customers' questions in the languages the FAQ groups, a few phrasings per topic.
const std::vector<std::string> kQuestions = {"where is my order?",
                                             "my order has not arrived yet",
                                             "how do I get a refund?",
                                             "I want my money back",
                                             "can I change my delivery address?",
                                             "how much is delivery?",
                                             "when will my parcel arrive?",
                                             "how do I reset my password?",
                                             "I cannot log in",
                                             "do you ship to Norway?",
                                             "can I pay by invoice?",
                                             "the discount code does not work",
                                             "kur ir mans pasūtījums?",
                                             "kā saņemt naudu atpakaļ?",
                                             "где мой заказ?",
                                             "как вернуть деньги?",
                                             "hvor er bestillingen min?",
                                             "missä tilaukseni on?",
                                             "I want to talk to a human",
                                             "this is useless",
                                             "thanks, that helped!"};
const std::vector<std::string> kIntents = {"order_status", "refund", "delivery", "account", "payment"};
const std::vector<std::string> kPages = {"/",         "/pricing", "/product/42", "/cart",
                                         "/checkout", "/help",    "/account"};

std::string pick(std::mt19937& rng, const std::vector<std::string>& v) {
  return v[rng() % v.size()];
}
std::string customer(std::mt19937& rng) {
  return "cust-" + std::to_string(rng() % kCustomers);
}

json native_event(std::mt19937& rng, const std::string& id) {
  const std::string cust = customer(rng);
  json e = {{"id", id}, {"customer_id", cust}, {"session_id", "s-" + cust + "-" + std::to_string(rng() % 4)}};
  switch (rng() % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      e.update({{"type", "message"},
                {"channel", "chatbot"},
                {"role", "user"},
                {"text", pick(rng, kQuestions)},
                {"intent", pick(rng, kIntents)},
                {"confidence", (rng() % 100) / 100.0},
                {"fallback", rng() % 5 == 0}});
      break;
    case 5:
      e.update({{"type", "message"},
                {"channel", "chatbot"},
                {"role", "bot"},
                {"text", "Let me check that for you."}});
      break;
    case 6:
    case 7: {
      const std::string page = pick(rng, kPages);
      e.update(
          {{"type", "page"}, {"channel", "website"}, {"url", "https://shop.example" + page}, {"name", page}});
      break;
    }
    case 8:
      e.update({{"type", "feedback"}, {"channel", "chatbot"}, {"rating", 1 + static_cast<int>(rng() % 5)}});
      break;
    default:
      e.update({{"type", "handoff"}, {"channel", "helpdesk"}, {"escalated", true}});
  }
  return e;
}

json segment_message(std::mt19937& rng, const std::string& id) {
  const std::string anon = "anon-" + std::to_string(rng() % kCustomers);
  const json context = {{"page", {{"url", "https://shop.example" + pick(rng, kPages)}}},
                        {"library", {{"name", "analytics-node"}, {"version", "6.2.0"}}}};
  switch (rng() % 4) {
    case 0:
      return {{"type", "identify"},
              {"messageId", id},
              {"anonymousId", anon},
              {"userId", customer(rng)},
              {"traits", {{"plan", rng() % 3 == 0 ? "business" : "personal"}, {"orders_count", rng() % 4}}},
              {"context", context}};
    case 1:
      return {{"type", "page"},
              {"messageId", id},
              {"anonymousId", anon},
              {"name", "Pricing"},
              {"context", context}};
    default:
      return {{"type", "track"},
              {"messageId", id},
              {"anonymousId", anon},
              {"event", rng() % 2 ? "Checkout Started" : "Order Completed"},
              {"properties", {{"total", static_cast<int>(rng() % 300)}}},
              {"context", context}};
  }
}

// A Dialogflow ES fulfillment request; every other one carries the agent's reply (a second interaction).
json dialogflow_request(std::mt19937& rng, const std::string& response_id, bool with_reply) {
  const bool fallback = rng() % 6 == 0;
  return {{"responseId", response_id},
          {"session", "projects/soak/agent/sessions/sess-" + std::to_string(rng() % 20000)},
          {"queryResult",
           {{"queryText", pick(rng, kQuestions)},
            {"languageCode", "en"},
            {"intent", {{"displayName", fallback ? "Default Fallback Intent" : pick(rng, kIntents)}}},
            {"intentDetectionConfidence", (rng() % 100) / 100.0},
            {"fulfillmentText", with_reply ? "Here is what I found." : ""}}},
          {"originalDetectIntentRequest",
           {{"source", "facebook"}, {"payload", {{"data", {{"sender", {{"id", customer(rng)}}}}}}}}}};
}

// Runs a request, records its round trip, and sorts the answer: the expected status (true), 429, 5xx,
// anything else, or none.
template <class F>
bool timed(Tally& t, Live& live, Kind kind, int expected, F&& send, std::string* body = nullptr) {
  const auto t0 = Clock::now();
  httplib::Result r = send();
  t.latency_us.push_back(static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
  ++t.requests;
  ++live.requests;
  auto problem = [&](const std::string& what) {
    ++live.problems;
    if (t.first_problem.empty()) t.first_problem = std::string(kKindNames[kind]) + ": " + what;
  };
  bool ok = false;
  if (!r)
    ++t.no_answer, problem("no answer (" + httplib::to_string(r.error()) + ")");
  else if (r->status == expected)
    ++t.ok, ok = true;
  else if (r->status == 429)
    ++t.throttled;
  else if (r->status >= 500)
    ++t.server_errors, problem(std::to_string(r->status) + " " + r->body.substr(0, 200));
  else
    ++t.unexpected, problem(std::to_string(r->status) + " " + r->body.substr(0, 200));
  if (ok && body) *body = std::move(r->body);
  return ok;
}

// Keep-alive and TCP_NODELAY, as SDKs send: cpp-httplib writes a POST's head and body in two writes, and
// with Nagle's algorithm the body waits for the daemon's delayed ACK (40 ms on Linux) on every request.
httplib::Client keep_alive_client(int port) {
  auto c = client(port);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  return c;
}

// A 202 whose counts say every event of the request was accepted as new: then each is acknowledged.
bool all_accepted(Tally& t, Live& live, Kind kind, const std::string& reply, size_t sent) {
  const json body = json::parse(reply, nullptr, false);
  if (body.is_object() && body.value("accepted", -1) == static_cast<int64_t>(sent)) return true;
  ++live.problems;
  ++t.unexpected;
  if (t.first_problem.empty())
    t.first_problem = std::string(kKindNames[kind]) + ": 202 " + reply.substr(0, 200);
  return false;
}

void acknowledge(Worker& w, Live& live, Kind kind, const std::string& source,
                 const std::vector<std::string>& ids) {
  for (const auto& id : ids) w.acked.push_back(source + '\x1f' + id);
  w.tally[kind].events += ids.size();
  live.events += ids.size();
}

void native_single_sender(int port, int t, double rate, const std::atomic<bool>& stop, Worker& w,
                          Live& live) {
  std::mt19937 rng(100 + t);
  auto c = keep_alive_client(port);
  c.set_bearer_token_auth(kNativeToken);
  Pacer pace(rate);
  for (int i = 0; pace.wait(stop); ++i) {
    const std::string id = "n" + std::to_string(t) + "-" + std::to_string(i);
    const std::string body = native_event(rng, id).dump();
    std::string r;
    if (timed(
            w.tally[NativeSingle], live, NativeSingle, 202,
            [&] { return c.Post("/v1/events", body, "application/json"); }, &r) &&
        all_accepted(w.tally[NativeSingle], live, NativeSingle, r, 1))
      acknowledge(w, live, NativeSingle, "events", {id});
  }
}

// Batches of 50 as a JSON array or {"batch": [...]}, every fourth gzip'd.
void native_batch_sender(int port, int t, double rate, const std::atomic<bool>& stop, Worker& w, Live& live) {
  std::mt19937 rng(200 + t);
  auto c = keep_alive_client(port);
  c.set_bearer_token_auth(kNativeToken);
  Pacer pace(rate);
  for (int i = 0; pace.wait(stop); ++i) {
    json events = json::array();
    std::vector<std::string> ids;
    for (int k = 0; k < kBatchEvents; ++k) {
      ids.push_back("b" + std::to_string(t) + "-" + std::to_string(i) + "-" + std::to_string(k));
      events.push_back(native_event(rng, ids.back()));
    }
    std::string body = (i % 2 ? json{{"batch", events}} : events).dump();
    httplib::Headers headers;
    if (i % 4 == 3) body = gzip(body), headers.emplace("Content-Encoding", "gzip");
    std::string r;
    if (timed(
            w.tally[NativeBatch], live, NativeBatch, 202,
            [&] { return c.Post("/v1/events", headers, body, "application/json"); }, &r) &&
        all_accepted(w.tally[NativeBatch], live, NativeBatch, r, ids.size()))
      acknowledge(w, live, NativeBatch, "events", ids);
  }
}

// Segment's /v1/batch as analytics-node sends it: Basic auth with the write key, gzip'd.
void segment_sender(int port, int t, double rate, const std::atomic<bool>& stop, Worker& w, Live& live) {
  std::mt19937 rng(300 + t);
  auto c = keep_alive_client(port);
  c.set_basic_auth(kWriteKey, "");
  Pacer pace(rate);
  for (int i = 0; pace.wait(stop); ++i) {
    json batch = json::array();
    std::vector<std::string> ids;
    for (int k = 0; k < kBatchEvents; ++k) {
      ids.push_back("sg" + std::to_string(t) + "-" + std::to_string(i) + "-" + std::to_string(k));
      batch.push_back(segment_message(rng, ids.back()));
    }
    const std::string body = gzip(json{{"batch", batch}}.dump());
    std::string r;
    if (timed(
            w.tally[SegmentBatch], live, SegmentBatch, 202,
            [&] {
              return c.Post("/v1/batch", {{"Content-Encoding", "gzip"}}, body, "application/json");
            },
            &r) &&
        all_accepted(w.tally[SegmentBatch], live, SegmentBatch, r, ids.size()))
      acknowledge(w, live, SegmentBatch, "segment", ids);
  }
}

// Dialogflow ES fulfillment calls signed with HMAC-SHA256 (X-Hub-Signature-256), answered 200 {}.
void webhook_sender(int port, int t, double rate, const std::atomic<bool>& stop, Worker& w, Live& live) {
  std::mt19937 rng(400 + t);
  auto c = keep_alive_client(port);
  Pacer pace(rate);
  for (int i = 0; pace.wait(stop); ++i) {
    const std::string rid = "wh" + std::to_string(t) + "-" + std::to_string(i);
    const bool with_reply = i % 2 == 1;
    const std::string body = dialogflow_request(rng, rid, with_reply).dump();
    const httplib::Headers headers = {
        {"X-Hub-Signature-256", "sha256=" + hex_hmac_sha256(kWebhookSecret, body)}};
    if (timed(w.tally[Webhook], live, Webhook, 200,
              [&] { return c.Post("/v1/webhooks/dialogflow-es", headers, body, "application/json"); })) {
      std::vector<std::string> ids = {"dialogflow-es:" + rid};
      if (with_reply) ids.push_back("dialogflow-es:" + rid + ":reply");
      acknowledge(w, live, Webhook, "dialogflow-es", ids);
    }
  }
}

// The reads of an open dashboard, in turn, with the read token.
void reader(int port, double rate, const std::atomic<bool>& stop, Worker& w, Live& live) {
  std::mt19937 rng(500);
  auto c = keep_alive_client(port);
  c.set_bearer_token_auth(kReadToken);
  Pacer pace(rate);
  for (int i = 0; pace.wait(stop); ++i) {
    const Kind kind = static_cast<Kind>(ReadMap + i % 4);
    std::string path;
    switch (kind) {
      case ReadMap:
        path = "/v1/map";
        break;
      case ReadFaq:
        path = "/v1/faq?limit=20";
        break;
      case ReadInteractions:
        path =
            i % 8 < 4 ? "/v1/interactions?limit=100" : "/v1/interactions?limit=50&customer=" + customer(rng);
        break;
      default:
        path = "/v1/conversations?limit=20";
    }
    timed(w.tally[kind], live, kind, 200, [&] { return c.Get(path); });
  }
}

// One /v1/stream held open and read throughout; a drop is counted and the stream reopened, as the dashboard
// does.
class StreamWatcher {
 public:
  explicit StreamWatcher(int port) : port_(port), thread_([this] { run(); }) {}
  ~StreamWatcher() { join(); }
  // Called once nothing but the daemon's stop should end the stream.
  void expect_end() { ending_ = true; }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  int maps = 0, faqs = 0, keep_alives = 0, everything = 0, connections = 0, breaks = 0;
  double longest_silence_s = 0;
  std::string first_break;

 private:
  void run() {
    while (!ending_) {
      auto c = client(port_);
      c.set_read_timeout(60, 0);  // keep-alives come every 15 s
      ++connections;
      int status = 0;
      last_ = Clock::now();
      auto r = c.Get(
          "/v1/stream", {{"Authorization", "Bearer " + kReadToken}},
          [&](const httplib::Response& res) {
            status = res.status;
            return res.status == 200;
          },
          [&](const char* data, size_t len) {
            note_silence();
            buffer_.append(data, len);
            for (size_t eol; (eol = buffer_.find('\n')) != std::string::npos; buffer_.erase(0, eol + 1)) {
              const std::string line = buffer_.substr(0, eol);
              if (line == "event: map")
                ++maps;
              else if (line == "event: faq")
                ++faqs;
              else if (line.rfind(": keep-alive", 0) == 0)
                ++keep_alives;
              else if (line.find("\"all\":true") != std::string::npos)
                ++everything;
            }
            return true;
          });
      if (ending_) break;
      note_silence();
      ++breaks;
      if (first_break.empty())
        first_break = status != 200 && status != 0 ? "answered " + std::to_string(status)
                                                   : "ended: " + httplib::to_string(r.error());
      std::this_thread::sleep_for(std::chrono::seconds(1));  // the dashboard's first retry delay
    }
  }
  void note_silence() {
    const auto now = Clock::now();
    longest_silence_s = std::max(longest_silence_s, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

  int port_;
  std::atomic<bool> ending_{false};
  std::string buffer_;
  Clock::time_point last_ = Clock::now();
  std::thread thread_;
};

// From /proc: resident memory (now and the kernel's high-water mark) and CPU time of the daemon.
struct ProcSample {
  double rss_mib = 0, hwm_mib = 0, cpu_s = 0;
};
ProcSample sample(pid_t pid) {
  ProcSample s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mib = std::atof(line.c_str() + 6) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_mib = std::atof(line.c_str() + 6) / 1024;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) {
      stime = std::stoull(f);
      break;
    }
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return s;
}

double percentile_ms(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at] / 1000.0;
}

json soak_config(const std::filesystem::path& dir) {
  const std::string src = TP_SOURCE_DIR;
  return test_config(
      dir,
      {{"server", {{"threads", 16}, {"read_token", kReadToken}}},
       // The shipped rule packs and plugins, as `make run` tags.
       {"engine",
        {{"rules", {src + "/config/rules"}},
         {"plugin_dirs", {TP_PLUGIN_DIR}},
         {"plugins",
          {{{"name", "lexicon_sentiment"},
            {"inline", true},
            {"config",
             {{"lexicon_dir", src + "/config/lexicons"}, {"languages", {"en", "lv", "ru", "no", "fi"}}}}},
           {{"name", "persona_traits"},
            {"inline", true},
            {"config",
             {{"rules",
               {{{"trait", "plan"}, {"in", {"business", "enterprise"}}, {"persona", "business-account"}},
                {{"trait", "orders_count"}, {"gte", 1}, {"persona", "returning-customer"}},
                {{"trait", "orders_count"}, {"equals", 0}, {"persona", "first-time-buyer"}}}}}}}}}}},
       {"sources",
        {{"events", {{"kind", "native"}, {"auth", {{"type", "bearer"}, {"tokens", {kNativeToken}}}}}},
         {"segment", {{"kind", "segment"}, {"auth", {{"type", "write_key"}, {"keys", {kWriteKey}}}}}},
         {"dialogflow-es",
          {{"kind", "webhook"},
           {"adapter", "dialogflow-es"},
           {"verification", {{"type", "hmac-sha256"}, {"secret", kWebhookSecret}}}}}}}});
}

int soak() {
  const int seconds = env_int("SOAK_SECONDS", 600);
  const double load = env_double("SOAK_LOAD", 1.0);
  const int report_s = env_int("SOAK_REPORT_S", seconds >= 300 ? 60 : 10);

  TempDir dir;
  const std::string db = (dir.path() / "touchpoint.db").string();
  auto daemon = std::make_unique<DaemonProcess>(dir.path(), soak_config(dir.path()));
  const pid_t pid = daemon->pid();
  const ProcSample at_start = sample(pid);
  std::printf("soak: %d s of mixed traffic at load %.2f against touchpointd (pid %d, port %d, %s)\n", seconds,
              load, pid, daemon->port(), dir.path().c_str());
  std::printf(
      "  rates at this load (requests/s): native single %.0f, native batch of %d %.0f, segment batch of %d "
      "%.0f, webhook %.0f, reads %.0f, plus one stream\n",
      200 * load, kBatchEvents, 20 * load, kBatchEvents, 10 * load, 100 * load, 20 * load);
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  Live live;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> senders;
  const int port = daemon->port();
  auto start_sender = [&](auto fn, auto... args) {
    workers.push_back(std::make_unique<Worker>());
    Worker* w = workers.back().get();
    senders.emplace_back([&stop, &live, port, fn, w, args...] { fn(port, args..., stop, *w, live); });
  };
  StreamWatcher stream(port);
  const auto t0 = Clock::now();
  for (int t = 0; t < 2; ++t) start_sender(native_single_sender, t, 100 * load);
  start_sender(native_batch_sender, 0, 20 * load);
  start_sender(segment_sender, 0, 10 * load);
  start_sender(webhook_sender, 0, 100 * load);
  start_sender(reader, 20 * load);

  ProcSample after_warmup{};
  for (int next_report = report_s;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the run's length, not a verdict
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (elapsed >= next_report || elapsed >= seconds) {
      const ProcSample s = sample(pid);
      if (next_report == report_s) after_warmup = s;
      std::printf(
          "  %5.0f s  requests %8llu  events acknowledged %9llu  problems %llu  RSS %6.1f MiB  "
          "CPU %5.1f s\n",
          elapsed, static_cast<unsigned long long>(live.requests.load()),
          static_cast<unsigned long long>(live.events.load()),
          static_cast<unsigned long long>(live.problems.load()), s.rss_mib, s.cpu_s);
      std::fflush(stdout);
      next_report += report_s;
    }
    if (elapsed >= seconds) break;
  }
  stop = true;
  for (auto& t : senders) t.join();
  const double traffic_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const ProcSample at_end = sample(pid);

  // Stop as an operator does; the stream ends with the daemon.
  stream.expect_end();
  const auto stop_t0 = Clock::now();
  daemon->signal(SIGTERM);
  const int exit_code = daemon->wait();
  const double stop_s = std::chrono::duration<double>(Clock::now() - stop_t0).count();
  stream.join();

  // Every acknowledged id once (an id acknowledged twice would be the driver's bug).
  std::array<Tally, kKinds> tally;
  std::unordered_set<std::string> acked;
  uint64_t duplicates_acked = 0;
  for (auto& w : workers) {
    for (int k = 0; k < kKinds; ++k) tally[k].merge(w->tally[k]);
    for (auto& id : w->acked)
      if (!acked.insert(std::move(id)).second) ++duplicates_acked;
    w->acked = {};
  }
  const size_t acked_count = acked.size();

  // The database, read after the daemon has stopped: each stored id crosses one acknowledged id off.
  int64_t stored = 0, stored_twice = 0, untagged = 0;
  uint64_t unacked_stored = 0;
  {
    SQLite::Database d(db, SQLite::OPEN_READONLY);
    SQLite::Statement q(d, "SELECT source, event_id FROM interactions");
    while (q.executeStep()) {
      ++stored;
      if (!acked.erase(q.getColumn(0).getString() + '\x1f' + q.getColumn(1).getString())) ++unacked_stored;
    }
    stored_twice = d.execAndGet(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM interactions GROUP BY source, event_id "
                        "HAVING COUNT(*) > 1)")
                       .getInt64();
    untagged = d.execAndGet(
                    "SELECT COUNT(*) FROM interactions i WHERE NOT EXISTS "
                    "(SELECT 1 FROM interaction_tags t WHERE t.seq = i.seq)")
                   .getInt64();
  }
  const uint64_t missing = acked.size();  // acknowledged, never found
  const std::string first_missing = acked.empty() ? "" : *acked.begin();
  std::error_code ec;
  const auto db_bytes = std::filesystem::file_size(db, ec);

  std::printf("\nsummary: %.1f s of traffic\n", traffic_s);
  std::printf("  %-19s %9s %9s %6s %6s %6s %9s %11s %8s %8s %8s\n", "kind", "requests", "ok", "429", "5xx",
              "other", "no answer", "events ack", "p50 ms", "p99 ms", "max ms");
  Tally total;
  std::vector<std::string> failures;
  for (int k = 0; k < kKinds; ++k) {
    Tally& t = tally[k];
    std::printf("  %-19s %9llu %9llu %6llu %6llu %6llu %9llu %11llu %8.2f %8.2f %8.2f\n", kKindNames[k],
                static_cast<unsigned long long>(t.requests), static_cast<unsigned long long>(t.ok),
                static_cast<unsigned long long>(t.throttled),
                static_cast<unsigned long long>(t.server_errors),
                static_cast<unsigned long long>(t.unexpected), static_cast<unsigned long long>(t.no_answer),
                static_cast<unsigned long long>(t.events), percentile_ms(t.latency_us, 0.50),
                percentile_ms(t.latency_us, 0.99), percentile_ms(t.latency_us, 1.0));
    total.merge(t);
  }
  std::printf(
      "  %-19s %9llu %9llu %6llu %6llu %6llu %9llu %11llu %8.2f %8.2f %8.2f\n", "all",
      static_cast<unsigned long long>(total.requests), static_cast<unsigned long long>(total.ok),
      static_cast<unsigned long long>(total.throttled), static_cast<unsigned long long>(total.server_errors),
      static_cast<unsigned long long>(total.unexpected), static_cast<unsigned long long>(total.no_answer),
      static_cast<unsigned long long>(total.events), percentile_ms(total.latency_us, 0.50),
      percentile_ms(total.latency_us, 0.99), percentile_ms(total.latency_us, 1.0));
  std::printf(
      "  events: acknowledged %zu, stored %zu (acknowledged but missing %llu, stored unacknowledged %llu, "
      "stored twice %llu); untagged at stop %lld; database %.1f MiB\n",
      acked_count, static_cast<size_t>(stored), static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(unacked_stored), static_cast<unsigned long long>(stored_twice),
      static_cast<long long>(untagged), static_cast<double>(db_bytes) / (1024 * 1024));
  std::printf(
      "  stream: %d connection(s), %d map and %d faq events, %d keep-alives, %d catch-ups, longest "
      "silence %.1f s, breaks %d\n",
      stream.connections, stream.maps, stream.faqs, stream.keep_alives, stream.everything,
      stream.longest_silence_s, stream.breaks);
  std::printf(
      "  daemon RSS: start %.1f MiB, after %d s %.1f MiB, end %.1f MiB, peak (VmHWM) %.1f MiB; CPU %.1f s "
      "(%.0f%% of a core)\n",
      at_start.rss_mib, report_s, after_warmup.rss_mib, at_end.rss_mib, at_end.hwm_mib, at_end.cpu_s,
      100 * at_end.cpu_s / traffic_s);
  std::printf("  daemon stop: exit %d %.2f s after SIGTERM\n", exit_code, stop_s);

  if (missing)
    failures.push_back(std::to_string(missing) +
                       " acknowledged events not stored, the first: " + first_missing);
  if (unacked_stored)
    failures.push_back(std::to_string(unacked_stored) + " events stored that were never acknowledged");
  if (stored_twice || duplicates_acked) failures.push_back("events stored or acknowledged twice");
  if (total.server_errors) failures.push_back(std::to_string(total.server_errors) + " answers 5xx");
  if (total.unexpected || total.no_answer) failures.push_back("unexpected answers or none");
  if (!total.first_problem.empty()) failures.push_back("first problem: " + total.first_problem);
  if (stream.breaks)
    failures.push_back("the stream broke " + std::to_string(stream.breaks) +
                       " time(s): " + stream.first_break);
  if (stream.longest_silence_s > kStreamSilenceLimitS) failures.push_back("the stream was silent past 45 s");
  if (stream.maps == 0) failures.push_back("the stream delivered no map event");
  if (acked_count == 0) failures.push_back("nothing was acknowledged");
  if (exit_code != 0)
    failures.push_back("exit " + std::to_string(exit_code) + " after SIGTERM:\n" + daemon->log());

  if (failures.empty()) {
    std::printf("soak: PASS\n");
    return 0;
  }
  std::printf("soak: FAIL\n");
  for (const auto& f : failures) std::printf("  - %s\n", f.c_str());
  return 1;
}

}  // namespace
}  // namespace tp::e2e

int main() {
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return tp::e2e::soak();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: FAIL: %s\n", e.what());
    return 1;
  }
}
