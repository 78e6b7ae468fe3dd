#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "util/text.h"

namespace tp {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escape(spdlog::memory_buf_t& dest, const char* prefix, unsigned value) {
  dest.append(std::string_view(prefix));
  dest.push_back(kHex[(value >> 4) & 15]);
  dest.push_back(kHex[value & 15]);
}

// Walks a message as UTF-8: ascii(b) for each ASCII byte, c1(cp) for each C1 control character (some
// terminals obey U+009B as a command), invalid(b) for each byte that is not valid UTF-8, and every other
// character copied as it is.
template <typename Ascii, typename C1, typename Invalid>
void append_visible(std::string_view in, spdlog::memory_buf_t& dest, Ascii ascii, C1 c1, Invalid invalid) {
  size_t i = 0;
  while (i < in.size()) {
    const auto b = static_cast<unsigned char>(in[i]);
    if (b < 0x80) {
      ascii(b);
      ++i;
      continue;
    }
    const size_t at = i;
    const char32_t cp = next_code_point(in, i);
    if (cp == 0xFFFD && i - at == 1) {
      invalid(b);
    } else if (cp <= 0x9f) {
      c1(static_cast<unsigned>(cp));
    } else {
      dest.append(in.data() + at, in.data() + i);
    }
  }
}

bool is_control(unsigned b) {
  return b < 0x20 || b == 0x7f;
}

// A JSON string's content that is always valid UTF-8 and one line: no raw control character, quote or
// backslash, and U+FFFD for what is not UTF-8.
void append_json_escaped(std::string_view in, spdlog::memory_buf_t& dest) {
  const auto ascii = [&](unsigned b) {
    if (b == '"' || b == '\\') {
      dest.push_back('\\');
      dest.push_back(static_cast<char>(b));
    } else if (b == '\n') {
      dest.append(std::string_view("\\n"));
    } else if (b == '\r') {
      dest.append(std::string_view("\\r"));
    } else if (b == '\t') {
      dest.append(std::string_view("\\t"));
    } else if (is_control(b)) {
      append_escape(dest, "\\u00", b);
    } else {
      dest.push_back(static_cast<char>(b));
    }
  };
  const auto c1 = [&](unsigned cp) { append_escape(dest, "\\u00", cp); };
  const auto invalid = [&](unsigned) { dest.append(std::string_view("\xEF\xBF\xBD")); };
  append_visible(in, dest, ascii, c1, invalid);
}

// %*: the message, JSON-escaped.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_json_escaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %*: the message with control characters and invalid bytes made visible, so one event is one line in
// text logs too and nothing in it reaches the terminal as a command.
class TextMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const auto ascii = [&](unsigned b) {
      if (is_control(b)) {
        append_escape(dest, "\\x", b);
      } else {
        dest.push_back(static_cast<char>(b));
      }
    };
    const auto c1 = [&](unsigned cp) { append_escape(dest, "\\u00", cp); };
    const auto invalid = [&](unsigned b) { append_escape(dest, "\\x", b); };
    append_visible(std::string_view(msg.payload.data(), msg.payload.size()), dest, ascii, c1, invalid);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextMessageFlag>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == "json") {
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  } else {
    formatter->add_flag<TextMessageFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %*");
  }
  return formatter;
}

void setup_logging(const std::string& format, const std::string& level) {
  auto logger =
      std::make_shared<spdlog::logger>("touchpoint", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(make_log_formatter(format));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tp
