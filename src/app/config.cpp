#include "app/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "util/json_positions.h"

namespace tp {
namespace {

using json = nlohmann::json;

// Expands ${NAME} and ${NAME:-default} in every string of the document, in place; $${ is a literal ${.
void expand_env(json& node, const std::string& path, const EnvLookup& env, FileDiagnostics& problems) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items())
      expand_env(value, path + "/" + json_pointer_token(key), env, problems);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i)
      expand_env(node[i], path + "/" + std::to_string(i), env, problems);
  } else if (node.is_string()) {
    const std::string& s = node.get_ref<const std::string&>();
    if (s.find("${") == std::string::npos) return;
    std::string out;
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t start = s.find("${", pos);
      if (start == std::string::npos) {
        out.append(s, pos);
        break;
      }
      out.append(s, pos, start - pos);
      if (start > pos && s[start - 1] == '$') {  // "$${": the "$" is in `out` already; keep "{" as written
        out += '{';
        pos = start + 2;
        continue;
      }
      const size_t end = s.find('}', start);
      if (end == std::string::npos) {
        problems.error(path, "unterminated ${ in string");
        return;
      }
      std::string name = s.substr(start + 2, end - start - 2);
      std::optional<std::string> fallback;
      if (const size_t d = name.find(":-"); d != std::string::npos) {
        fallback = name.substr(d + 2);
        name.resize(d);
      }
      auto value = env(name);
      if (value && value->empty() && fallback) value.reset();
      if (!value && fallback) value = fallback;
      if (!value)
        problems.error(path, "environment variable " + name + " is not set");
      else
        out += *value;
      pos = end + 1;
    }
    node = out;
  }
}

// Reads one JSON object, remembering which keys were consumed so the rest can be reported as unknown.
class ObjectReader {
 public:
  ObjectReader(const json* node, std::string path, FileDiagnostics& problems)
      : node_(node), path_(std::move(path)), problems_(problems) {
    if (node_ && !node_->is_object()) {
      problem(path_, "must be an object");
      node_ = nullptr;
    }
  }
  ~ObjectReader() {
    if (!node_) return;
    for (const auto& [key, value] : node_->items())
      if (!seen_.count(key)) problem(child(key), "unknown key", /*at_key=*/true);
  }

  const json* get(const std::string& key) {
    seen_.insert(key);
    if (!node_) return nullptr;
    auto it = node_->find(key);
    return it == node_->end() ? nullptr : &*it;
  }
  std::string child(const std::string& key) const { return path_ + "/" + json_pointer_token(key); }

  void string(const std::string& key, std::string& out, std::initializer_list<const char*> allowed = {}) {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_string()) return problem(child(key), "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (allowed.size()) {
      bool ok = false;
      std::string list;
      for (const char* a : allowed) {
        ok = ok || s == a;
        list += (list.empty() ? "" : ", ") + std::string(a);
      }
      if (!ok) return problem(child(key), "must be one of " + list);
    }
    out = s;
  }
  template <typename T>
  void number(const std::string& key, T& out, int64_t min, int64_t max) {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_number_integer()) return problem(child(key), "must be a whole number");
    const auto n = v->get<int64_t>();
    if (n < min || n > max)
      return problem(child(key), "must be from " + std::to_string(min) + " to " + std::to_string(max));
    out = static_cast<T>(n);
  }
  void boolean(const std::string& key, bool& out) {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_boolean()) return problem(child(key), "must be true or false");
    out = v->get<bool>();
  }
  void strings(const std::string& key, std::vector<std::string>& out) {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_array()) return problem(child(key), "must be an array of strings");
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string() || (*v)[i].get_ref<const std::string&>().empty())
        problem(child(key) + "/" + std::to_string(i), "must be a non-empty string");
      else
        out.push_back((*v)[i].get<std::string>());
    }
  }
  void problem(std::string path, std::string message, bool at_key = false) {
    problems_.error(std::move(path), std::move(message), at_key);
  }

 private:
  const json* node_;
  std::string path_;
  FileDiagnostics& problems_;
  std::set<std::string> seen_;
};

void read_server(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("server"), "/server", problems);
  std::string listen;
  r.string("listen", listen);
  if (!listen.empty() && !parse_listen(listen, c.server.host, c.server.port))
    r.problem("/server/listen", "must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
  r.number("threads", c.server.threads, 1, 4096);
  r.number("max_body_bytes", c.server.max_body_bytes, 1024, int64_t{1} << 30);
  r.number("max_event_bytes", c.server.max_event_bytes, 256, int64_t{1} << 30);
  r.string("read_token", c.server.read_token);
  r.string("admin_token", c.server.admin_token);
  r.boolean("allow_unauthenticated", c.server.allow_unauthenticated);
  r.number("keep_alive_timeout_s", c.server.keep_alive_timeout_s, 1, 3600);
  r.number("keep_alive_max_requests", c.server.keep_alive_max_requests, 1, int64_t{1} << 31);
  // read_timeout_s is the older name of both the head and the body timeout; the specific keys win.
  int read_timeout_s = 0;
  r.number("read_timeout_s", read_timeout_s, 1, 3600);
  if (read_timeout_s > 0) c.server.head_timeout_s = c.server.body_timeout_s = read_timeout_s;
  r.number("head_timeout_s", c.server.head_timeout_s, 1, 3600);
  r.number("body_timeout_s", c.server.body_timeout_s, 1, 3600);
  r.number("write_timeout_s", c.server.write_timeout_s, 1, 3600);
  r.number("event_loops", c.server.event_loops, 0, 64);
  if (c.server.event_loops == 0)
    c.server.event_loops = 1;  // older configs: 0 meant "no loops"; now they are the server
  r.number("max_connections", c.server.max_connections, 16, 1000000);
  r.number("max_streams", c.server.max_streams, 1, 1024);
  r.number("max_buffered_bytes", c.server.max_buffered_bytes, 65536, int64_t{1} << 40);
}

void read_storage(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("storage"), "/storage", problems);
  r.string("backend", c.storage.backend);
  if (!store_backends().count(c.storage.backend)) {
    std::string known;
    for (const auto& [name, factory] : store_backends()) known += (known.empty() ? "" : ", ") + name;
    r.problem("/storage/backend", "unknown backend (known: " + known + ")");
  }
  ObjectReader s(r.get("sqlite"), "/storage/sqlite", problems);
  s.string("path", c.storage.sqlite_path);
  s.number("busy_timeout_ms", c.storage.busy_timeout_ms, 0, 600000);
}

void read_ingest(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("ingest"), "/ingest", problems);
  r.number("queue_capacity", c.ingest.queue_capacity, 1, int64_t{1} << 32);
  r.number("max_group", c.ingest.max_group, 1, int64_t{1} << 32);
  r.number("commit_timeout_ms", c.ingest.commit_timeout_ms, 100, 600000);
  r.number("retry_after_s", c.ingest.retry_after_s, 1, 3600);
  r.number("dead_letter_raw_bytes", c.ingest.dead_letter_raw_bytes, 0, int64_t{1} << 24);
}

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  const std::filesystem::path p(path);
  return p.is_absolute() || base_dir.empty() ? p.string() : (std::filesystem::path(base_dir) / p).string();
}

void read_fraction(ObjectReader& r, const std::string& key, double& out, double lo, double hi) {
  const json* v = r.get(key);
  if (!v) return;
  if (!v->is_number() || v->get<double>() < lo || v->get<double>() > hi)
    return r.problem(r.child(key), "must be a number from " + json(lo).dump() + " to " + json(hi).dump());
  out = v->get<double>();
}

void read_engine(ObjectReader& root, Config& c, const std::string& base_dir, FileDiagnostics& problems) {
  const json* node = root.get("engine");
  c.engine_configured = node != nullptr;
  ObjectReader r(node, "/engine", problems);
  std::vector<std::string> rules, dirs;
  r.strings("rules", rules);
  r.strings("plugin_dirs", dirs);
  c.engine.rules_explicit = node && node->is_object() && node->contains("rules");
  if (!c.engine.rules_explicit) rules = {"rules"};
  for (size_t i = 0; i < rules.size(); ++i) {
    c.engine.rules.push_back(resolve_path(rules[i], base_dir));
    // A named rule path that is not there is a config problem (seen by `config check`, and before the start
    // of `serve`); what is wrong inside the packs is `touchpointd rules check`'s to say.
    std::error_code ec;
    if (c.engine.rules_explicit && !std::filesystem::exists(c.engine.rules.back(), ec))
      r.problem("/engine/rules/" + std::to_string(i), "no such file or folder: " + c.engine.rules.back());
  }
  for (auto& p : dirs) c.engine.plugin_dirs.push_back(resolve_path(p, base_dir));
  if (const json* plugins = r.get("plugins")) {
    if (!plugins->is_array()) {
      r.problem("/engine/plugins", "must be an array of {\"name\": ..., \"config\": {...}}");
    } else {
      for (size_t i = 0; i < plugins->size(); ++i) {
        const std::string path = "/engine/plugins/" + std::to_string(i);
        ObjectReader p(&(*plugins)[i], path, problems);
        PluginConfig pc;
        p.string("name", pc.name);
        if (pc.name.empty() || pc.name.find('/') != std::string::npos)
          p.problem(path + "/name", "a plugin name is required (a file name without folders)");
        if (const json* cfg = p.get("config")) {
          if (!cfg->is_object())
            p.problem(path + "/config", "must be an object");
          else
            pc.config_json = cfg->dump();
        } else {
          pc.config_json = "{}";
        }
        p.boolean("inline", pc.inline_calls);
        c.engine.plugins.push_back(std::move(pc));
      }
    }
  }
  r.number("plugin_timeout_ms", c.engine.plugin_timeout_ms, 1, 60000);
  r.number("plugin_init_timeout_ms", c.engine.plugin_init_timeout_ms, 1, 600000);
  r.number("tagging_queue", c.engine.tagging_queue, 1, int64_t{1} << 32);
  r.boolean("analytics", c.engine.analytics);
  r.number("analytics_snapshot_s", c.engine.analytics_snapshot_s, 0, 86400);
  ObjectReader sig(r.get("signals"), "/engine/signals", problems);
  read_fraction(sig, "unanswered_confidence", c.engine.unanswered_confidence, 0, 1);
  read_fraction(sig, "negative_sentiment", c.engine.negative_sentiment, -1, 1);
  read_fraction(sig, "repeated_similarity", c.engine.repeated_similarity, 0, 1);
  sig.number("slow_response_s", c.engine.slow_response_s, 1, 86400);
}

void read_privacy(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("privacy"), "/privacy", problems);
  r.boolean("redact", c.privacy.redact);
  ObjectReader k(r.get("redact_kinds"), "/privacy/redact_kinds", problems);
  k.boolean("emails", c.privacy.redact_emails);
  k.boolean("phones", c.privacy.redact_phones);
  k.boolean("cards", c.privacy.redact_cards);
  k.boolean("ibans", c.privacy.redact_ibans);
  r.string("pseudonym_key", c.privacy.pseudonym_key);
  if (!c.privacy.pseudonym_key.empty() && c.privacy.pseudonym_key.size() < 16)
    r.problem("/privacy/pseudonym_key", "must be at least 16 characters");
}

void read_identity(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("identity"), "/identity", problems);
  r.strings("link_traits", c.identity.link_traits);
  r.strings("link_properties", c.identity.link_properties);
  r.strings("hashed_traits", c.identity.hashed_traits);
}

void read_log(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  ObjectReader r(root.get("log"), "/log", problems);
  r.string("format", c.log.format, {"text", "json"});
  r.string("level", c.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
}

void read_sources(ObjectReader& root, Config& c, FileDiagnostics& problems) {
  const json* sources = root.get("sources");
  if (!sources) return;
  if (!sources->is_object()) return root.problem("/sources", "must be an object of named sources");
  for (const auto& [name, node] : sources->items()) {
    const std::string path = "/sources/" + json_pointer_token(name);
    SourceConfig s;
    s.name = name;
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
      problems.error(path, "source names use a-z, 0-9, '-' and '_' (at most 64)", /*at_key=*/true);
    ObjectReader r(&node, path, problems);
    r.string("kind", s.kind, {"native", "segment", "webhook"});
    if (s.kind.empty()) r.problem(path + "/kind", "is required (native, segment or webhook)");
    if (s.kind == "webhook") {
      r.string("adapter", s.adapter);
      if (s.adapter.empty())
        r.problem(path + "/adapter", "is required for a webhook source (e.g. dialogflow-es)");
      if (const json* cfg = r.get("config")) s.adapter_config_json = cfg->dump();
      if (const json* v = r.get("verification")) s.verification_json = v->dump();
      c.sources.push_back(std::move(s));
      continue;
    }
    ObjectReader a(r.get("auth"), path + "/auth", problems);
    std::string type = "none";
    a.string("type", type, {"none", "bearer", "write_key"});
    if (type == "bearer") {
      s.auth = AuthType::Bearer;
      a.strings("tokens", s.secrets);
      if (s.secrets.empty()) a.problem(path + "/auth/tokens", "at least one token is required for bearer");
    } else if (type == "write_key") {
      s.auth = AuthType::WriteKey;
      a.strings("keys", s.secrets);
      if (s.secrets.empty()) a.problem(path + "/auth/keys", "at least one key is required for write_key");
    }
    c.sources.push_back(std::move(s));
  }
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

bool parse_listen(const std::string& listen, std::string& host, int& port) {
  std::string h, p;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') return false;
    h = listen.substr(1, close - 1);
    p = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || listen.find(':') != colon) return false;
    h = listen.substr(0, colon);
    p = listen.substr(colon + 1);
  }
  if (h.empty() || p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const int n = std::stoi(p);
  if (n > 65535) return false;
  host = h;
  port = n;
  return true;
}

bool is_loopback_host(const std::string& host) {
  // Addresses are parsed, not prefix-matched: a DNS name such as "127.example.com" may resolve anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return host == "localhost";
}

bool accepts_unauthenticated(const Config& config) {
  if (config.server.read_token.empty()) return true;
  for (const auto& s : config.sources) {
    if (s.kind == "webhook") {
      const json v = json::parse(s.verification_json, nullptr, false);
      const bool none = v.is_discarded() || (v.is_string() && v.get<std::string>() == "none") ||
                        (v.is_object() && v.value("type", std::string("none")) == "none");
      if (none) return true;
    } else if (s.auth == AuthType::None) {
      return true;
    }
  }
  return false;
}

ConfigLoad parse_config(const std::string& text, const std::string& base_dir, const EnvLookup& env,
                        const std::string& file) {
  ConfigLoad out;
  out.file = file;
  out.text = text;
  FileDiagnostics problems(file, out.text, out.problems);
  json doc;
  try {
    doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond a double (1e400)
    problems.syntax_error(e);
    return out;
  }
  if (!doc.is_object()) {
    problems.error("", "the configuration must be a JSON object");
    return out;
  }
  // ${CONFIG_DIR}: the config file's own folder (absolute), for paths that must not depend on the
  // working directory, such as paths inside plugin configs.
  const std::string config_dir = base_dir.empty()
                                     ? std::filesystem::current_path().string()
                                     : std::filesystem::absolute(base_dir).lexically_normal().string();
  const EnvLookup with_config_dir = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "CONFIG_DIR") return config_dir;
    return env(name);
  };
  // Expanding variables changes no pointer, so problems found afterwards still point into `text`.
  expand_env(doc, "", with_config_dir, problems);
  {
    ObjectReader root(&doc, "", problems);
    read_server(root, out.config, problems);
    read_storage(root, out.config, problems);
    read_ingest(root, out.config, problems);
    read_log(root, out.config, problems);
    read_sources(root, out.config, problems);
    read_engine(root, out.config, base_dir, problems);
    read_privacy(root, out.config, problems);
    read_identity(root, out.config, problems);
    std::string journey;
    root.string("journey", journey);
    if (!journey.empty()) out.config.journey_path = resolve_path(journey, base_dir);
  }
  // Cross-field rules.
  const Config& c = out.config;
  if (c.ingest.max_group > c.ingest.queue_capacity)
    problems.error("/ingest/max_group", "must not exceed /ingest/queue_capacity");
  if (c.server.admin_token.empty() == false && c.server.admin_token.size() < 16)
    problems.error("/server/admin_token", "must be at least 16 characters (it can change the rules)");
  if (c.sources.empty())
    problems.error("/sources", "at least one source is required, or nothing can be ingested");
  // In the file's order, as a reader goes through it (variables are expanded before fields are read).
  std::stable_sort(out.problems.begin(), out.problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

ConfigLoad load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoad out;
    out.file = path;
    Diagnostic d = error_at("", "cannot read config file '" + path + "'");
    d.file = path;
    out.problems.push_back(std::move(d));
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), std::filesystem::path(path).parent_path().string(), env, path);
}

}  // namespace tp
