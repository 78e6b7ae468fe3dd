// The map's and the FAQ's state in one buffer, so a restart loads it and replays only what was tagged
// since, instead of every stored interaction. The buffer records the storage generation it was made at
// (a later erasure or retag makes it stale) and the last storage sequence number it includes.
// Pure encoding; the store keeps the bytes (Store::save_snapshot).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tp {

class JourneyMap;
class FaqSummary;
class ConversationIndex;

struct SnapshotMark {
  int64_t generation = 0;   // Store::analytics_generation() the aggregates were built at
  int64_t fed_through = 0;  // every tagged interaction up to this seq is in them
};

// `conversations` (the drill-down index) is included when given.
std::string encode_snapshot(const JourneyMap& map, const FaqSummary& faq, const SnapshotMark& mark,
                            const ConversationIndex* conversations = nullptr);

// Loads `bytes` into `map` and `faq` and returns its mark; nullopt when it is not a snapshot of this
// format or journey, or is damaged, or lacks the conversations asked for. On nullopt the aggregates are
// left empty, ready for a full rebuild.
std::optional<SnapshotMark> decode_snapshot(std::string_view bytes, JourneyMap& map, FaqSummary& faq,
                                            ConversationIndex* conversations = nullptr);

}  // namespace tp
