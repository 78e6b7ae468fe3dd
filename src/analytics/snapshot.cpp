#include "analytics/snapshot.h"

#include "analytics/conversations.h"
#include "analytics/faq.h"
#include "analytics/journey_map.h"
#include "util/binary_io.h"

namespace tp {

namespace {
// Bump when a save() changes its layout. 2: the FAQ's open questions; 3: the map's first touchpoint at
// each stage (where drop-offs went is now counted from the first interaction, not the last); 4: term-based
// FAQ clusters and the drill-down index; 5: the map's customers saved as one index (model/identity),
// their progress after it.
constexpr uint64_t kFormat = 5;
}  // namespace

std::string encode_snapshot(const JourneyMap& map, const FaqSummary& faq, const SnapshotMark& mark,
                            const ConversationIndex* conversations) {
  BinaryWriter out;
  out.u64(kFormat);
  out.i64(mark.generation);
  out.i64(mark.fed_through);
  map.save(out);
  faq.save(out);
  out.boolean(conversations != nullptr);
  if (conversations) conversations->save(out);
  return std::move(out.buffer());
}

std::optional<SnapshotMark> decode_snapshot(std::string_view bytes, JourneyMap& map, FaqSummary& faq,
                                            ConversationIndex* conversations) {
  const auto clear = [&] {
    map.clear();
    faq.clear();
    if (conversations) conversations->clear();
  };
  clear();
  BinaryReader in(bytes);
  if (in.u64() != kFormat || !in.ok()) return std::nullopt;
  SnapshotMark mark;
  mark.generation = in.i64();
  mark.fed_through = in.i64();
  if (in.ok() && map.load(in) && faq.load(in)) {
    // Made with the conversations exactly when they are wanted now (a daemon always wants them).
    const bool has_conversations = in.boolean();
    const bool ok = in.ok() && has_conversations == (conversations != nullptr) &&
                    (!conversations || conversations->load(in));
    if (ok && in.at_end()) return mark;
  }
  clear();
  return std::nullopt;
}

}  // namespace tp
