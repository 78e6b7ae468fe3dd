// touchpointd's configuration: JSON with comments, ${ENV_VAR} expanded in strings, unknown keys
// rejected. Loading collects every problem, placed at its line and column and named by its JSON pointer,
// instead of stopping at the first.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ingest/source_config.h"
#include "store/backends.h"
#include "util/diagnostic.h"

namespace tp {

struct PrivacyConfig {
  bool redact = true;  // emails, phones, cards, IBANs in text become [email], [phone], ... before storage
  bool redact_emails = true, redact_phones = true, redact_cards = true, redact_ibans = true;
  std::string pseudonym_key;  // non-empty: customer and anonymous ids are stored as keyed-hash pseudonyms
};

// Ids that name the same person across channels, declared by the team: when an event of a known customer
// carries one of these traits or properties, its value is linked to the customer (retroactively for reads,
// the map and the FAQ). Hashed traits (an email) are linked and stored only as "h:" + SHA-256 of the
// normalised value.
struct IdentityConfig {
  std::vector<std::string> link_traits, link_properties, hashed_traits;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  size_t threads = 16;                          // workers for blocking handlers (reads, admin)
  size_t max_body_bytes = size_t{1024} * 1024;  // after decompression
  size_t max_event_bytes = size_t{32} * 1024;
  std::string read_token;              // bearer token for reads and /metrics; empty: open
  std::string admin_token;             // bearer token for /v1/admin/*; empty: admin routes disabled
  bool allow_unauthenticated = false;  // required to listen on a non-loopback address without credentials
  int keep_alive_timeout_s = 5;        // an idle connection is closed after this
  size_t keep_alive_max_requests = 10000;
  int head_timeout_s = 10;         // a request head must arrive within this of its first byte
  int body_timeout_s = 30;         // its body within this of the head
  int write_timeout_s = 10;        // a client that reads nothing of its answer for this long is dropped
  size_t max_streams = 8;          // concurrent /v1/stream subscribers (dashboards), a thread each
  size_t event_loops = 1;          // epoll loops owning the port (see http/server.h)
  size_t max_connections = 10000;  // open connections held at once (also capped by ulimit -n)
  // Request bytes held in memory across all connections; past it only small requests are read.
  size_t max_buffered_bytes = size_t{64} * 1024 * 1024;
};

struct IngestConfig {
  size_t queue_capacity = 100000;
  size_t max_group = 20000;
  int commit_timeout_ms = 10000;
  int retry_after_s = 1;
  size_t dead_letter_raw_bytes = 8192;
};

struct PluginConfig {
  std::string name;           // lib<name>.so or <name>.so in one of the plugin dirs
  std::string config_json;    // the plugin's own config object, as JSON text
  bool inline_calls = false;  // "inline": called on the tagging thread, without a timeout (trusted plugins)
};

struct EngineConfig {
  std::vector<std::string>
      rules;                    // rule pack files or folders (*.json), resolved against the config's folder
  bool rules_explicit = false;  // false: the default "rules" folder beside the config, which may be absent
  std::vector<std::string> plugin_dirs;  // resolved against the config's folder
  std::vector<PluginConfig> plugins;     // loaded in this order
  int plugin_timeout_ms = 50;
  int plugin_init_timeout_ms = 10000;  // a plugin whose init takes longer is refused (start-up fails clearly)
  double unanswered_confidence = 0.5;
  double negative_sentiment = -0.3;
  double repeated_similarity = 0.8;
  int slow_response_s = 60;
  size_t tagging_queue = 200000;  // committed interactions waiting to be tagged before falling back to a scan
  bool analytics = true;          // keep the map and FAQ (off: tagging only; for measurements)
  int analytics_snapshot_s = 300;  // save the map/FAQ aggregates at most this often (and at stop); 0: never
};

struct LogConfig {
  std::string format = "text";  // text | json
  std::string level = "info";
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  LogConfig log;
  EngineConfig engine;
  PrivacyConfig privacy;
  IdentityConfig identity;
  bool engine_configured = false;  // the config had an "engine" section (otherwise the default rules folder)
  std::vector<SourceConfig> sources;
  std::string journey_path;  // resolved against the config file's folder
};

struct ConfigLoad {
  Config config;
  std::vector<Diagnostic> problems;  // all errors, each with file:line:column and its JSON pointer
  bool ok() const { return problems.empty(); }
  // The file's name and text, to place problems found later in what was read (webhook sources).
  std::string file, text;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

// `base_dir` resolves relative paths (the journey file); `text` is the file's content, `file` its name
// in problems.
ConfigLoad parse_config(const std::string& text, const std::string& base_dir,
                        const EnvLookup& env = process_env, const std::string& file = "<config>");
ConfigLoad load_config_file(const std::string& path, const EnvLookup& env = process_env);

// "HOST:PORT", "[v6]:PORT". Returns false when malformed.
bool parse_listen(const std::string& listen, std::string& host, int& port);
bool is_loopback_host(const std::string& host);

// True when some way in needs no credentials (an auth "none" source, or open reads).
bool accepts_unauthenticated(const Config& config);

}  // namespace tp
