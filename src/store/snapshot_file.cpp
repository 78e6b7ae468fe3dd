#include "store/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/store.h"
#include "util/text.h"

namespace tp {

namespace {

constexpr std::string_view kMagic = "touchpoint-snapshot 1\n";
constexpr size_t kHashHex = 64;

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw StorageError("cannot write " + path + ": " + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void SnapshotFile::save(std::string_view bytes) const {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw StorageError("cannot create " + tmp + ": " + std::strerror(errno));
  try {
    write_all(fd, kMagic, tmp);
    write_all(fd, sha256_hex(bytes) + "\n", tmp);
    write_all(fd, bytes, tmp);
    if (::fsync(fd) != 0) throw StorageError("cannot flush " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw StorageError("cannot replace " + path_ + ": " + std::strerror(errno));
  }
  sync_folder(std::filesystem::path(path_).parent_path());
}

std::optional<std::string> SnapshotFile::load() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream all;
  all << in.rdbuf();
  std::string data = std::move(all).str();
  const size_t header = kMagic.size() + kHashHex + 1;
  if (data.size() < header || std::string_view(data).substr(0, kMagic.size()) != kMagic ||
      data[header - 1] != '\n')
    return std::nullopt;
  const std::string_view body = std::string_view(data).substr(header);
  if (sha256_hex(body) != std::string_view(data).substr(kMagic.size(), kHashHex)) return std::nullopt;
  return std::string(body);
}

void SnapshotFile::remove() const {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  std::filesystem::remove(path_ + ".tmp", ec);
  sync_folder(std::filesystem::path(path_).parent_path());
}

}  // namespace tp
