// What happens to received text and ids before anything is stored, in one place: identity traits linked
// and hashed or pseudonymised, personal data in text redacted, customer and visitor ids pseudonymised,
// erased customers recognised. Ingest applies it to every event and every dead letter; nothing is stored
// in a form this file did not produce. Pure code, no I/O.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/interaction.h"
#include "model/privacy/redaction.h"
#include "model/privacy/suppression_list.h"

namespace tp {

struct PrivacyOptions {
  bool redact = true;
  RedactionOptions kinds;
  std::string pseudonym_key;  // non-empty: customer and anonymous ids become keyed-hash pseudonyms
  // Identity links declared in the config (see IdentityConfig): trait / property names.
  std::vector<std::string> link_traits, link_properties, hashed_traits;
};

// An event as it may be stored: the configured identity traits and properties hashed or pseudonymised
// and added to its links (extra_aliases), text and name redacted, ids pseudonymised.
void protect(Interaction& in, const PrivacyOptions& options);

// Raw text that could not become an interaction (a dead letter's body), as it may be stored: ids under the
// usual id keys and the configured identity traits pseudonymised wherever they sit (when the text is JSON
// and there is a key), personal data redacted (when redaction is on), at most `max_bytes`, cut on a
// character boundary. The text is cut before it is redacted: redacting a whole 1 MiB body took 0.19 s.
std::string protect_raw(std::string_view raw, const PrivacyOptions& options, size_t max_bytes);

// Whether the event belongs to an erased customer: its customer id, visitor id or a linked alias is on
// the list (the ids in their stored form, as protect() leaves them).
bool is_suppressed(const SuppressionList& list, const Interaction& in);

}  // namespace tp
