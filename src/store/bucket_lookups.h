// Lookups by customer id, anonymous id or session id. Since migration 6 the keys live in tables of their
// own (customer_keys, visitor_keys, session_keys), each keyed (bucket, id, seq) with the bucket being
// seq >> 16, so that new keys only touch the newest bucket's pages; a lookup names the buckets
// ("bucket IN buckets") and SQLite seeks once per bucket. The writer fills those tables behind the rows
// (store/lookup_keys.h); rows after meta's lookup_keys_through are found by a scan of that short tail of
// interactions, by rowid. Some of the tail's rows may have their keys written already: the parts are
// joined with UNION, which drops the repeats. tests/unit/store/bucket_lookups_test.cpp checks the plans.
#pragma once

#include <array>

namespace tp::bucket_lookups {

// A common table expression "buckets": every bucket from 0 to the newest row's. Goes before the statement.
inline constexpr const char* kBucketsCte = R"SQL(WITH RECURSIVE buckets(b) AS (
  SELECT 0 UNION ALL SELECT b + 1 FROM buckets WHERE b < (SELECT COALESCE(MAX(seq), 0) FROM interactions) >> 16)
)SQL";

// The rows whose keys are not in the key tables yet: a condition on interactions' seq (a rowid range).
#define TP_LOOKUP_TAIL "seq > (SELECT value FROM meta WHERE key = 'lookup_keys_through')"

// The seqs of the rows whose customer_id or anonymous_id is ?1, as a parenthesised subquery.
inline constexpr const char* kSeqsOfId =
    "(SELECT seq FROM customer_keys WHERE bucket IN buckets AND id = ?1 UNION "
    "SELECT seq FROM visitor_keys WHERE bucket IN buckets AND id = ?1 UNION "
    "SELECT seq FROM interactions WHERE " TP_LOOKUP_TAIL " AND (customer_id = ?1 OR anonymous_id = ?1))";

// Conditions on "interactions i": the rows of session :session ...
inline constexpr const char* kSessionFilter =
    "i.seq IN (SELECT seq FROM session_keys WHERE bucket IN buckets AND id = :session UNION "
    "SELECT seq FROM interactions WHERE " TP_LOOKUP_TAIL " AND session_id = :session)";

// ... and the candidate rows of customer :customer: its own id and every alias linked to it.
inline constexpr const char* kCustomerCandidates = R"SQL(i.seq IN (
    SELECT seq FROM customer_keys WHERE bucket IN buckets AND id = :customer
    UNION SELECT seq FROM customer_keys WHERE bucket IN buckets
      AND id IN (SELECT alias FROM identity_links WHERE customer_id = :customer)
    UNION SELECT seq FROM visitor_keys WHERE bucket IN buckets
      AND id IN (SELECT alias FROM identity_links WHERE customer_id = :customer)
    UNION SELECT seq FROM interactions WHERE )SQL" TP_LOOKUP_TAIL R"SQL(
      AND (customer_id = :customer
        OR customer_id IN (SELECT alias FROM identity_links WHERE customer_id = :customer)
        OR anonymous_id IN (SELECT alias FROM identity_links WHERE customer_id = :customer))))SQL";

#undef TP_LOOKUP_TAIL

// Each key table and the column of interactions it holds the keys of.
struct KeyTable {
  const char* table;
  const char* column;
};
inline constexpr std::array<KeyTable, 3> kKeyTables = {
    {{"customer_keys", "customer_id"}, {"visitor_keys", "anonymous_id"}, {"session_keys", "session_id"}}};

}  // namespace tp::bucket_lookups
