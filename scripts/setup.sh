#!/usr/bin/env bash
# Installs what gradc needs from Debian bookworm's packages, then configures
# and builds a Release build in build/; with --sanitize, the same build under
# ASan + UBSan, with the libFuzzer targets, in build-sanitize/. Safe to run
# again: installed packages are kept and the build is incremental.
#
#   scripts/setup.sh [--sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
options=()
case ${1:-} in
  "") ;;
  --sanitize)
    build=build-sanitize
    options=(-DGRADC_SANITIZE=address,undefined -DGRADC_FUZZ=ON) ;;
  *) echo "usage: scripts/setup.sh [--sanitize]" >&2; exit 2 ;;
esac

packages=(
  cmake ninja-build python3
  llvm-19-dev libmlir-19-dev mlir-19-tools clang-19 lld-19 libomp-19-dev
  libclang-rt-19-dev
  libeigen3-dev libfmt-dev nlohmann-json3-dev zlib1g-dev libgtest-dev libgmock-dev
  dataset-fashion-mnist python3-torch python3-numpy
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f $build/build.ninja ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld "${options[@]}" >/dev/null
fi
cmake --build "$build" -- -j"$(nproc)"
