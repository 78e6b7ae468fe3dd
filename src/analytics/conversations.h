// The drill-down index: from any number on the map or the FAQ to the conversations behind it.
//
// A conversation is a session id; without one, a customer's interactions with gaps under 30 minutes.
// Every tagged interaction is kept as a 20-byte entry (its conversation, its time within the hour, its
// stage, touchpoint, persona, pain reasons and FAQ cluster) in hourly buckets, split by stage, so a query
// reads only the window's hours (and only the stage asked for) sequentially, marks the matching
// conversations in a bitmap and picks the newest page from it: the total is exact and the cost does not
// depend on the store. The interactions themselves (the turns) stay in the store: each conversation keeps
// the seqs of its interactions, and the caller reads those rows.
// Pure computation, no I/O; the daemon feeds it and answers HTTP.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/journey.h"
#include "util/binary_io.h"

namespace tp {

// One tagged interaction as the drill-down index sees it.
struct ConversationRecord {
  int64_t seq = 0;  // storage sequence number: where the turn is read from
  int64_t ts_ms = 0;
  std::string customer;  // resolved customer key; may be empty when there is a session
  std::string session;   // session id; empty: the conversation is found by the customer and time gaps
  std::string persona, stage, touchpoint;
  std::vector<std::string> pain;
  std::optional<uint32_t> cluster;  // the FAQ cluster of a customer's question
};

// Where a page ends: the conversation last returned, in the order of the listing (newest end first, then
// the id descending). Opaque to clients (encoded by the web layer).
struct ConversationCursor {
  int64_t ended_ms = 0;
  std::string id;
};

struct ConversationQuery {
  int64_t from_ms = 0, to_ms = 0;          // [from, to)
  std::string stage, touchpoint, persona;  // ids; empty: any
  std::string pain;                        // a pain reason; "any": some pain; empty: no filter
  // FAQ cluster ids, any of which matches; empty: no filter. A cluster's id and the ids merged into it
  // (FaqSummary::cluster_members), since interactions keep the id their question was given.
  std::vector<uint32_t> clusters;
  size_t limit = 50;
  std::optional<ConversationCursor> after;
};

struct ConversationSummary {
  std::string id;
  std::string customer;  // resolved through identity links known so far
  int64_t started_ms = 0, ended_ms = 0;
  std::vector<uint32_t> clusters;  // FAQ clusters of its questions, in order of first appearance
  std::vector<int64_t> seqs;       // its interactions, in storage order
};

struct ConversationPage {
  uint64_t total = 0;  // every matching conversation, not only this page
  std::vector<ConversationSummary> conversations;
  std::optional<ConversationCursor> next;  // set when more follow
};

class ConversationIndex {
 public:
  static constexpr int64_t kGapMs = int64_t{30} * 60 * 1000;  // a new conversation after 30 min of silence
  static constexpr const char* kAnyPain = "any";

  explicit ConversationIndex(const Journey& journey);

  void add(const ConversationRecord& r);
  void clear();
  // `alias` turned out to be `customer`: shown as that customer from now on.
  void link(const std::string& alias, const std::string& customer);
  ConversationPage query(const ConversationQuery& q) const;
  size_t conversations() const;

  // The whole state, for the analytics snapshot; load() replaces it only when the input is whole and
  // made for the same journey.
  void save(BinaryWriter& out) const;
  bool load(BinaryReader& in);

 private:
  static constexpr uint32_t kNone = 0xffffffffu;  // no cluster, no conversation
  // Reasons beyond the first 31 share the last bit; a filter on one of them then also checks the
  // conversation's own list of reasons (exact, slower).
  static constexpr int kPainBits = 32;
  struct Entry {
    uint32_t ms_in_hour;  // ts - hour start
    uint32_t conversation;
    uint32_t cluster;             // kNone: not a question
    uint32_t pain;                // bit i: reason pain_names_[i]
    int16_t touchpoint, persona;  // -1: none
  };
  struct Conversation {
    std::string id;  // empty: merged into another
    bool sessionless = false;
    std::string customer;
    int64_t started = 0, ended = 0;
    std::vector<uint32_t> clusters;
    std::vector<int64_t> seqs;
    std::vector<uint16_t> rare_pain;  // indexes of reasons >= kPainBits - 1 seen in it
  };
  // Hour -> entries of each stage (slot 0: no stage; slot s + 1: stage s).
  using HourBucket = std::vector<std::vector<Entry>>;

  uint32_t conversation_for(const ConversationRecord& r);  // under the unique lock
  void absorb(uint32_t into, uint32_t gone);
  uint32_t pain_bit_mask(const std::vector<std::string>& pain, Conversation& c);
  std::string resolved(const std::string& customer) const;

  Journey journey_;
  std::vector<std::string> stage_ids_, touchpoint_ids_, persona_ids_;
  mutable std::shared_mutex mu_;
  std::vector<Conversation> conversations_;
  // Each conversation's end, dense: picking the newest page from a million matches compares these
  // (sequential reads) and touches a conversation's record only on a tie.
  std::vector<int64_t> ended_;
  size_t merged_ = 0;  // conversations merged into another (their slots stay, empty)
  std::unordered_map<std::string, uint32_t> by_session_;
  // Sessionless conversations of each customer, by start time.
  std::unordered_map<std::string, std::map<int64_t, uint32_t>> by_customer_;
  std::unordered_map<std::string, std::string> links_;  // alias -> customer
  std::vector<std::string> pain_names_;
  std::unordered_map<std::string, uint16_t> pain_index_;
  std::map<int64_t, HourBucket> hours_;
};

}  // namespace tp
