#include "model/privacy/pseudonyms.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>

#include "util/text.h"

namespace tp {

std::string pseudonymize(std::string_view id, std::string_view key) {
  if (key.empty()) throw std::invalid_argument("the pseudonym key must not be empty");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char kEmpty = 0;
  const unsigned char* data = id.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(id.data());
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, id.size(), mac, &len) || len < 16)
    throw std::runtime_error("HMAC-SHA256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "p_";
  for (size_t i = 0; i < 16; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0x0F]);
  }
  return out;
}

bool is_pseudonym(std::string_view id) {
  if (id.size() != 34 || id.substr(0, 2) != "p_") return false;
  for (const char c : id.substr(2))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string stored_id(std::string_view id, std::string_view pseudonym_key) {
  if (pseudonym_key.empty() || is_pseudonym(id)) return std::string(id);
  return pseudonymize(id, pseudonym_key);
}

std::string id_hash(std::string_view id) {
  return "h:" + sha256_hex(id);
}

std::string hashed_identity(std::string_view value) {
  size_t b = 0, e = value.size();
  while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
  return id_hash(ascii_lower(value.substr(b, e - b)));
}

bool is_id_hash(std::string_view value) {
  if (value.size() != 66 || value.substr(0, 2) != "h:") return false;
  for (const char c : value.substr(2))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace tp
