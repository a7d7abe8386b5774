#!/usr/bin/env bash
# Benchmarks gradc's training step against PyTorch and a hand-written Eigen
# step (see scripts/bench.py). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# PyTorch calls the system BLAS; give it OpenBLAS, its fastest Debian one.
if ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "ok installed"; then
  as_root=(); [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq libopenblas0-pthread >/dev/null
fi
/usr/bin/python3 scripts/bench.py build models "$@"
