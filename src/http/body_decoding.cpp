#include "http/body_decoding.h"

#include <zlib.h>

#include <algorithm>

namespace tp::http {
namespace {

constexpr size_t kMaxChunkLine = 1024;     // size and extensions
constexpr size_t kMaxTrailerBytes = 8192;  // trailer fields are read and dropped

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ChunkedDecoder::Status ChunkedDecoder::invalid(std::string message) {
  error_ = std::move(message);
  return Status::Invalid;
}

ChunkedDecoder::Status ChunkedDecoder::feed(std::string_view in, size_t& pos, std::string& out,
                                            size_t max_body) {
  for (;;) {
    const std::string_view rest = in.substr(pos);
    switch (state_) {
      case State::Size: {
        const size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (rest.size() > kMaxChunkLine) return invalid("chunk size line is too long");
          if (rest.find('\n') != std::string_view::npos) return invalid("chunk size line must end in CRLF");
          return Status::NeedMore;
        }
        const std::string_view line = rest.substr(0, eol);
        size_t digits = 0;
        uint64_t size = 0;
        while (digits < line.size() && hex_digit(line[digits]) >= 0) {
          if (digits == 15) return invalid("chunk size is too large");
          size = size * 16 + static_cast<uint64_t>(hex_digit(line[digits]));
          ++digits;
        }
        // After the digits only an extension (";name=value", ignored) may follow.
        if (digits == 0 ||
            (digits < line.size() && line[digits] != ';' && line[digits] != ' ' && line[digits] != '\t'))
          return invalid("malformed chunk size");
        for (char c : line.substr(digits))
          if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
            return invalid("control character in a chunk");
        pos += eol + 2;
        if (size == 0) {
          state_ = State::Trailer;
        } else {
          if (size > max_body || out.size() + size > max_body) return Status::TooLarge;
          remaining_ = size;
          state_ = State::Data;
        }
        break;
      }
      case State::Data: {
        if (rest.empty()) return Status::NeedMore;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        out.append(rest.data(), n);
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::DataEnd;
        break;
      }
      case State::DataEnd:
        if (rest.size() < 2) return Status::NeedMore;
        if (rest[0] != '\r' || rest[1] != '\n') return invalid("chunk data must end in CRLF");
        pos += 2;
        state_ = State::Size;
        break;
      case State::Trailer: {
        const size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (trailer_bytes_ + rest.size() > kMaxTrailerBytes) return invalid("trailer is too long");
          if (rest.find('\n') != std::string_view::npos) return invalid("trailer lines must end in CRLF");
          return Status::NeedMore;
        }
        trailer_bytes_ += eol + 2;
        if (trailer_bytes_ > kMaxTrailerBytes) return invalid("trailer is too long");
        const std::string_view line = rest.substr(0, eol);
        for (char c : line)
          if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            return invalid("control character in a trailer");
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t' || line.find(':') == std::string_view::npos))
          return invalid("malformed trailer line");
        pos += eol + 2;
        if (line.empty()) return Status::Done;
        break;
      }
    }
  }
}

Inflated inflate_body(std::string_view in, ContentCoding coding, size_t max_body) {
  Inflated result;
  if (coding == ContentCoding::Identity) {
    result.ok = in.size() <= max_body;
    result.too_large = !result.ok;
    if (result.ok) result.body.assign(in);
    return result;
  }
  // gzip: 15 + 32 reads a gzip or zlib header. "deflate" is a zlib stream by the RFC, but some senders
  // write raw deflate: tried when the zlib header is not there.
  const int attempts[2] = {coding == ContentCoding::Gzip ? 15 + 32 : 15, -15};
  for (int bits : attempts) {
    z_stream z{};
    if (inflateInit2(&z, bits) != Z_OK) return result;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    std::string out;
    char buf[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      const size_t produced = sizeof buf - z.avail_out;
      if (out.size() + produced > max_body) {
        inflateEnd(&z);
        result.too_large = true;
        return result;
      }
      out.append(buf, produced);
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated stream
    }
    const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
    inflateEnd(&z);
    if (whole) {
      result.ok = true;
      result.body = std::move(out);
      return result;
    }
    if (coding == ContentCoding::Gzip || rc != Z_DATA_ERROR || !out.empty()) break;
  }
  return result;
}

}  // namespace tp::http
