// How ids are kept when they must not be kept as sent: keyed-hash pseudonyms (customer and visitor ids
// under a pseudonym key) and plain SHA-256 hashes (the suppression list, identity traits the config
// names as hashed). Pure code, no I/O.
#pragma once
#include <string>
#include <string_view>

namespace tp {

// "p_" + the first 32 hex digits (128 bits) of HMAC-SHA256(key, id): deterministic for one key, unlinkable
// across keys, not reversible without the key. Throws std::invalid_argument when the key is empty (a
// pseudonym without a secret could be reversed by hashing guessed ids).
std::string pseudonymize(std::string_view id, std::string_view key);

// Whether `id` already has a pseudonym's form ("p_" + 32 lower-case hex digits), so that an id read back
// from storage can be given to a lookup as it is.
bool is_pseudonym(std::string_view id);

// How an id sent by a client is stored: its pseudonym when there is a key (unless it already is one),
// else the id itself.
std::string stored_id(std::string_view id, std::string_view pseudonym_key);

// "h:" + hex SHA-256 of `id` exactly as given: the one form of an unkeyed id hash (the suppression list
// keeps ids this way).
std::string id_hash(std::string_view id);

// id_hash() of the trimmed, lower-cased value: how an identity trait the config lists as hashed (an
// e-mail address, a phone number) is linked and stored, so "Jane@Example.com " and "jane@example.com"
// are one identity.
std::string hashed_identity(std::string_view value);

// Whether `value` already has id_hash()'s form, so that a stored hash is not hashed again.
bool is_id_hash(std::string_view value);

}  // namespace tp
