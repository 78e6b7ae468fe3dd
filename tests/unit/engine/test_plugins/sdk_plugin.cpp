// A scriptable plugin written with the SDK: the interaction's text is a list of commands.
//   persona=X stage=X touchpoint=X sentiment=0.5 pain=X   set those tags
//   report        adds pain reasons describing what the plugin saw (persona_seen_<id>, sentiment_seen,
//                 no_sentiment, customer_seen_<id>, role_<role>, type_<type>)
//   throw         throws std::runtime_error("asked to throw");  throw_int  throws 42
//   block         waits for one byte on the file descriptor "block_fd" from the config
//   log_hostile   logs text full of control characters and 5000 bytes long
//   many_pain     sets 9 pain reasons (one more than the ABI allows)
// Config: {"block_fd": <fd>, "fail_init": "<message>"}; logs "destroyed <name>" from its destructor.
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <touchpoint/plugin_sdk.hpp>

namespace {

using namespace touchpoint::plugin;

// "first-time-buyer" -> "first_time_buyer": pain reasons allow only a-z, 0-9 and '_'.
std::string reason(std::string s) {
  for (auto& c : s)
    if (c == '-') c = '_';
  return s;
}

class Scripted {
 public:
  ~Scripted() { log_.info("destroyed"); }

  void init(const std::string& config_json, Logger& log) {
    log_ = log;
    const auto config = nlohmann::json::parse(config_json);
    if (config.contains("fail_init")) throw std::runtime_error(config["fail_init"].get<std::string>());
    block_fd_ = config.value("block_fd", -1);
    log.info("initialised");
  }

  void tag(const Interaction& in, Tags& out) {
    std::istringstream words{std::string(in.text)};
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      const std::string key = w.substr(0, eq), value = eq == std::string::npos ? "" : w.substr(eq + 1);
      if (key == "persona") out.persona = value;
      if (key == "stage") out.stage = value;
      if (key == "touchpoint") out.touchpoint = value;
      if (key == "sentiment") out.sentiment = std::stod(value);
      if (key == "pain") out.add_pain(value);
      if (key == "throw") throw std::runtime_error("asked to throw");
      if (key == "throw_int") throw 42;
      if (key == "block") {
        char c = 0;
        if (::read(block_fd_, &c, 1) != 1) throw std::runtime_error("block_fd closed");
      }
      if (key == "log_hostile") {
        std::string text =
            "line1\nline2\x1b[31mred\x07\r\xe2\x80\xae"
            "evil\xff";
        text += std::string(5000, 'A');
        log_.warning(text);
      }
      if (key == "many_pain")
        for (int i = 0; i < 9; ++i) out.pain.push_back("p" + std::to_string(i));
      if (key == "report") {
        if (!in.persona.empty()) out.add_pain(reason("persona_seen_" + std::string(in.persona)));
        out.add_pain(in.sentiment ? "sentiment_seen" : "no_sentiment");
        if (!in.customer.empty()) out.add_pain(reason("customer_seen_" + std::string(in.customer)));
        if (!in.role.empty()) out.add_pain("role_" + std::string(in.role));
        out.add_pain("type_" + std::string(in.type));
      }
    }
  }

 private:
  Logger log_;
  int block_fd_ = -1;
};

}  // namespace

TP_PLUGIN(Scripted, "scripted", "2.3.4", "scriptable test plugin");
