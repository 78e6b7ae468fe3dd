// Lookups by customer id, anonymous id or session id, through the bucketed indexes of migration 5: each
// of those indexes is on (seq >> 16, id), so that new rows only touch the newest bucket's pages. A lookup
// names the buckets ("(seq >> 16) IN buckets") and SQLite seeks once per bucket. The expression must read
// exactly as in the index, or SQLite scans instead: tests/unit/store/bucket_lookups_test.cpp checks the
// plans.
#pragma once

namespace tp::bucket_lookups {

// A common table expression "buckets": every bucket from 0 to the newest row's. Goes before the statement.
inline constexpr const char* kBucketsCte = R"SQL(WITH RECURSIVE buckets(b) AS (
  SELECT 0 UNION ALL SELECT b + 1 FROM buckets WHERE b < (SELECT COALESCE(MAX(seq), 0) FROM interactions) >> 16)
)SQL";

// The seqs of the rows whose customer_id or anonymous_id is ?1, as a parenthesised subquery.
inline constexpr const char* kSeqsOfId =
    "(SELECT seq FROM interactions WHERE (seq >> 16) IN buckets AND customer_id = ?1 UNION "
    "SELECT seq FROM interactions WHERE (seq >> 16) IN buckets AND anonymous_id = ?1)";

// Conditions on "interactions i": the rows of session :session ...
inline constexpr const char* kSessionFilter = "(i.seq >> 16) IN buckets AND i.session_id = :session";

// ... and the candidate rows of customer :customer: its own id and every alias linked to it.
inline constexpr const char* kCustomerCandidates = R"SQL(i.seq IN (
    SELECT seq FROM interactions WHERE (seq >> 16) IN buckets AND customer_id = :customer
    UNION SELECT seq FROM interactions WHERE (seq >> 16) IN buckets
      AND customer_id IN (SELECT alias FROM identity_links WHERE customer_id = :customer)
    UNION SELECT seq FROM interactions WHERE (seq >> 16) IN buckets
      AND anonymous_id IN (SELECT alias FROM identity_links WHERE customer_id = :customer)))SQL";

}  // namespace tp::bucket_lookups
