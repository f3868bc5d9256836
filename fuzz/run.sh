#!/usr/bin/env bash
# Runs every fuzz target (or those named as arguments) for FUZZ_SECONDS
# seconds each (default 60), one after the other, and prints a summary.
# Not part of CI: see README.md in this folder.
#
#   fuzz/run.sh                      # every target, 60 s each
#   FUZZ_SECONDS=600 fuzz/run.sh csv note
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Environment:
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_SANITIZER  cargo-fuzz --sanitizer (default none: the crates forbid
#                   unsafe code; `address` also checks the C and unsafe
#                   code of dependencies, at about half the speed)
#   FUZZ_ARGS       more libFuzzer options, e.g. "-jobs=2 -workers=2"
#
# The corpus is corpus/<target>/: the seeds seed-* are written there from
# the project's test vectors and fixtures at every run (src/seeds.rs), what
# a run finds is added next to them; crashes go to artifacts/<target>/,
# logs to work/logs/<target>.log. None of it is committed (.gitignore).
# Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-none}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# The seeds, from the project's vectors and fixtures (src/seeds.rs),
# written again at every run so that they follow the formats.
LEDGER_FUZZ_SEEDS="$PWD/corpus" cargo +nightly test --lib --quiet

# Debug assertions on: an arithmetic overflow is a crash to fix.
cargo +nightly fuzz build --debug-assertions --sanitizer "$sanitizer"

mkdir -p work/logs
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(find "corpus/$t" -type f | wc -l)
  log="work/logs/$t.log"
  echo "== $t: ${seconds}s"
  # One process (-jobs=1 is libFuzzer's default): the machine may be shared.
  # shellcheck disable=SC2086
  if cargo +nightly fuzz run --debug-assertions --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log and artifacts/$t/)"
    status=1
  fi
  execs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
  cov=$(grep -ho 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  corpus=$(($(find "corpus/$t" -type f | wc -l) - before))
  summary+=("$(printf '%-12s %-8s %12s execs  cov %-6s corpus %s' "$t" "${result%% *}" "$execs" "${cov:-?}" "$corpus")")
  echo "   $result: $execs executions"
done

echo
echo "target       result          executions  coverage  new corpus"
printf '%s\n' "${summary[@]}"
exit "$status"
