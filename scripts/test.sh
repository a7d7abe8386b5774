#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite through ctest,
# then the same suite under ASan + UBSan with a fixed run of every fuzzer
# (scripts/setup.sh --sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
scripts/setup.sh --sanitize
ctest --test-dir build-sanitize --output-on-failure -j"$(nproc)"
