// HTTP from the outside, as senders do it: cpp-httplib's client for well-formed requests, a raw socket
// for the malformed ones a client library would refuse to send.
#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tp::e2e {

httplib::Client client(int port);

// Sends `bytes` on a fresh connection, half-closes nothing, and reads until the server closes the
// connection or `timeout_ms` passes. Returns everything received.
std::string raw_exchange(int port, const std::string& bytes, int timeout_ms = 5000);

// True when the server closed the connection (EOF) after answering, within the timeout.
struct RawResult {
  std::string received;
  bool closed_by_server = false;
};
RawResult raw_exchange_ex(int port, const std::string& bytes, int timeout_ms = 5000);

// The status code of the first response in `raw`, 0 if none.
int first_status(const std::string& raw);
// How many HTTP responses `raw` holds.
int response_count(const std::string& raw);

std::string gzip(const std::string& data);

nlohmann::json json_of(const httplib::Result& r);

// A minimal valid canonical event.
nlohmann::json event(const std::string& id, const std::string& customer = "c-1");

// Value of an unlabelled sample (or a labelled one, given with its labels) in Prometheus text.
double metric_value(const std::string& metrics_text, const std::string& series);

// A platform payload from tests/fixtures/adapters/ (e.g. "chatwoot/message_created_sample.json"), as bytes.
std::string fixture(const std::string& path);

}  // namespace tp::e2e
