#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then compiles models/mlp.grad, shows the IR
# stages it goes through, and runs its forward pass on a generated batch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
gradc=build/compiler/gradc
model=${1:-models/mlp.grad}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $model in the grad dialect"
"$gradc" dump "$model"

echo "== the stages it goes through (IR lines after each)"
"$gradc" dump "$model" --after=all -o "$work/all.mlir"
awk '/^\/\/ ----- after /{if (name) printf "  %-32s %6d lines\n", name, n; name=$4; sub(":", "", name); n=0; next} {n++}
     END {printf "  %-32s %6d lines\n", name, n}' "$work/all.mlir"

echo "== forward pass on a generated batch"
"$gradc" init "$model" --seed 1 --out "$work/params.safetensors"
"$gradc" run "$model" --params "$work/params.safetensors" --random-inputs --seed 2 --timings
