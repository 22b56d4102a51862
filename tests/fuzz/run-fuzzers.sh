#!/usr/bin/env bash
# run-fuzzers.sh - build natter's libFuzzer targets (clang, NATTER_FUZZ=ON)
# in build/fuzz and run each one for a fixed time on a fresh copy of its seed
# corpus. A crash, leak, sanitizer report, timeout or broken invariant in any
# target fails the script; the input that caused it is kept under
# build/fuzz/run/TARGET/artifacts/. FUZZ_SECONDS sets the time per target
# (default 15, so 90 s in all); see docs/security.md for longer runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${FUZZ_SECONDS:-15}"
build="${FUZZ_BUILD_DIR:-build/fuzz}"
targets=(fuzz_linebuf fuzz_utf8 fuzz_commands fuzz_room fuzz_irc fuzz_cluster)

CC=clang cmake -S . -B "$build" -DNATTER_FUZZ=ON -DNATTER_BUILD_TESTS=OFF \
  -DNATTER_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target natter_fuzzers

failed=()
for target in "${targets[@]}"; do
  work="$build/run/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp tests/fuzz/corpus/"$target"/* "$work/corpus/"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096
           -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  if [ -f "tests/fuzz/$target.dict" ]; then options+=(-dict="tests/fuzz/$target.dict"); fi
  echo "== $target: ${seconds} s"
  # libFuzzer reports progress on stderr many times a second: keep it in a
  # log and show the summary (or, on failure, the end of the report).
  if "$build/tests/fuzz/$target" "${options[@]}" "$work/corpus" >"$work/log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/log" || true
    echo "== $target: no crash ($(ls "$work/corpus" | wc -l) inputs in the corpus)"
  else
    tail -n 60 "$work/log"
    echo "== $target: FAILED; reproduce with: $build/tests/fuzz/$target $work/artifacts/<file>"
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzzing passed: ${targets[*]} (${seconds} s each)"
