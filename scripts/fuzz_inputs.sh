#!/usr/bin/env bash
# Fuzzes every reader of untrusted input (.grad models, .npy, IDX, CSV,
# safetensors, checkpoint metadata) with libFuzzer under ASan+UBSan, SECONDS
# per target (default 60), as many targets at a time as there are cores.
# Builds build-sanitize/ (scripts/setup.sh --sanitize), keeps what each
# target learns in build-sanitize/fuzz-corpus/NAME (seeded from
# test/fuzz/corpus/NAME) and saves crashing inputs under
# build-sanitize/fuzz-artifacts/; exits non-zero if any target failed.
# Reproduce one with: build-sanitize/test/fuzz/fuzz_NAME ARTIFACT
#
#   scripts/fuzz_inputs.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(frontend npy idx csv safetensors checkpoint)

build=build-sanitize
scripts/setup.sh --sanitize

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Fuzzes one target into $work/NAME.log, its exit status in $work/NAME.status.
fuzz_target() {
  local name=$1 seeds=test/fuzz/corpus/$1 status=0
  [[ $name == frontend ]] && seeds="models test/bad"
  local corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus"
  # Each harness writes its inputs to a file of its own process, in TMPDIR.
  TMPDIR=$work "$build/test/fuzz/fuzz_$name" "$corpus" $seeds \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    >"$work/$name.log" 2>&1 || status=$?
  echo "$status" >"$work/$name.status"
}

# As many targets at a time as there are cores.
running=0
for name in "${targets[@]}"; do
  fuzz_target "$name" &
  if ((++running >= $(nproc))); then
    wait -n
    ((running--))
  fi
done
wait

total=0
failed=()
for name in "${targets[@]}"; do
  log=$work/$name.log
  status=$(cat "$work/$name.status")
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  if ((status == 0)); then
    echo "fuzz_inputs: $name: $runs executions, no failures"
  else
    failed+=("$name")
    echo "fuzz_inputs: $name FAILED after $runs executions (exit $status):"
    grep -E -A30 'ERROR|runtime error|Test unit written' "$log" | head -60
  fi
done
echo "fuzz_inputs: $total executions in all, $seconds s per target"
if ((${#failed[@]})); then
  echo "fuzz_inputs: failures in ${failed[*]}; inputs under $artifacts/" >&2
  exit 1
fi
