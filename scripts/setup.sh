#!/usr/bin/env bash
# Installs the Debian packages the build, tests and benchmarks need, only when some are missing.
# Idempotent: a machine that has everything runs no apt-get at all. Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libcpp-httplib-dev libspdlog-dev libfmt-dev libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev
  libre2-dev libicu-dev libssl-dev zlib1g-dev libbrotli-dev libcli11-dev libjemalloc-dev libstemmer-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3 curl wrk chromium fonts-dejavu-core
  # make sanitize / make fuzz: clang 14, its sanitizer and libFuzzer runtimes, llvm-symbolizer for traces
  clang libclang-rt-14-dev llvm
  # the format check (CTest `format`): Debian 12's clang-format 14, so every machine formats alike
  clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
