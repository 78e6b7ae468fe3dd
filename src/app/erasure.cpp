#include "app/erasure.h"

#include <spdlog/spdlog.h>

#include "model/privacy/pseudonyms.h"
#include "util/time.h"

namespace tp {

ErasureOutcome erase_customer(DaemonState& d, const std::string& id) {
  const std::string key = stored_id(id, d.config.privacy.pseudonym_key);
  WriteBatch batch;
  batch.internal = true;
  batch.source = "erasure";
  batch.received_ms = now_unix_ms();
  batch.erase_customers = {key};
  if (key != id) batch.erase_mentions = {id};
  batch.suppress_erased = true;
  const SubmitResult r = d.writer->submit(std::move(batch));
  if (r.status != SubmitStatus::Committed)
    return {503, 0, false, "storage could not commit the erasure; retry"};
  ErasureOutcome out;
  out.erased = r.counts.erased;
  // Later events under the id or any alias it had are dropped.
  for (const std::string& hash : r.counts.suppressed) d.suppressed.add(hash);
  out.purged = d.store->purge_deleted();
  d.pipeline->request_rebuild();  // also removes the saved map snapshot, which holds the customer's key
  // The id itself is personal data: the log says what was done, not to whom.
  spdlog::info("erasure: {} interactions erased{}", out.erased,
               out.purged ? "" : " (write-ahead log still in use; purged later)");
  return out;
}

}  // namespace tp
