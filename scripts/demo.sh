#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then shows what gradc does with a model: the
# IR stages models/spiral.grad goes through, then training it on the
# built-in spiral data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
gradc=build/compiler/gradc
model=${1:-models/spiral.grad}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $model: the stages of the pipeline (IR lines after each)"
"$gradc" dump "$model" --after=all -o "$work/all.mlir"
awk '/^\/\/ ----- after /{if (name) printf "  %-32s %6d lines\n", name, n; name=$4; sub(":", "", name); n=0; next} {n++}
     END {printf "  %-32s %6d lines\n", name, n}' "$work/all.mlir"
echo "   (see any stage with: $gradc dump $model --after=STEP)"

echo "== training $model on the built-in spiral data"
"$gradc" train "$model" --data spiral --epochs 100 --no-progress | sed -n '1p;/epoch 100\//,$p'
