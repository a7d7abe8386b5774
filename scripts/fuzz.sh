#!/usr/bin/env bash
# Runs N random models with fresh seeds through the differential tester
# (test/random/differential.py: gradc against PyTorch in float64, f64 and
# f32 builds, buffer plans verified) and saves each failing model, shrunk to
# the smallest that fails the same way, with its inputs, parameters, what
# differed and its choices.json under fuzz-failures/. Rerun one with
#   /usr/bin/python3 test/random/differential.py build/compiler/gradc \
#       --replay fuzz-failures/rN/choices.json
#
#   scripts/fuzz.sh N [FIRST_SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:?usage: scripts/fuzz.sh N [FIRST_SEED]}
# Seeds past the suite's fixed 0..299, different on every run by default.
first=${2:-$(( (($(date +%s) % 100000) * 100000) + 1000 ))}
[[ -x build/compiler/gradc ]] || scripts/setup.sh
start=$(date +%s)
status=0
GRADC_VERIFY=1 /usr/bin/python3 test/random/differential.py build/compiler/gradc \
  --first "$first" --count "$count" --save fuzz-failures || status=$?
echo "fuzz: $(( $(date +%s) - start )) s for seeds from $first (counts above)"
((status != 1)) || echo "fuzz: failing models saved under fuzz-failures/"
exit "$status"
