// Many keywords, one pass over the text: an Aho-Corasick automaton compiled into a DFA over byte
// classes (only bytes that occur in some keyword get a class of their own), so scanning costs one
// table lookup per byte whatever the number of keywords.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tp {

class KeywordAutomaton {
 public:
  // Adds a pattern (bytes, already folded by the caller) and returns its id; the same bytes added
  // twice get the same id. Must be called before build().
  uint32_t add(const std::string& pattern);
  void build();

  // Calls on_match(pattern_id) at every position where a pattern ends. A pattern occurring several
  // times is reported several times.
  template <typename F>
  void scan(std::string_view text, F&& on_match) const {
    if (delta_.empty()) return;
    uint32_t state = 0;
    for (const char ch : text) {
      state = delta_[state * classes_ + byte_class_[static_cast<unsigned char>(ch)]];
      const uint32_t begin = out_begin_[state], end = out_begin_[state + 1];
      for (uint32_t k = begin; k < end; ++k) on_match(out_ids_[k]);
    }
  }

  size_t patterns() const { return patterns_.size(); }
  size_t states() const { return out_begin_.empty() ? 0 : out_begin_.size() - 1; }

 private:
  std::vector<std::string> patterns_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::array<uint8_t, 256> byte_class_{};
  uint32_t classes_ = 1;
  std::vector<uint32_t> delta_;      // state * classes_ + class -> state
  std::vector<uint32_t> out_begin_;  // state -> first index into out_ids_ (one extra at the end)
  std::vector<uint32_t> out_ids_;
};

}  // namespace tp
