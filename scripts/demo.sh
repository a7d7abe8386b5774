#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then shows what gradc does with a model: the
# IR stages models/spiral.grad goes through, training it on the built-in
# spiral data, and the same training from a standalone program.
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

echo "== the same as a standalone program (gradc build), same seed, same curve"
"$gradc" build "$model" -o "$work/program"
"$work/program" train --data spiral --epochs 100 --no-progress --save "$work/ckpt.safetensors" |
  sed -n '/epoch 100\//,$p'
echo "   ($(du -h "$work/program" | cut -f1) program; see its commands with: $gradc build $model -o prog && ./prog --help)"
