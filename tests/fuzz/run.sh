#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [HARNESS...] — build the libFuzzer harnesses with
# clang into build-fuzz/ and run each for a bounded time.
#
#   SECONDS   time for all harnesses together, split evenly (default 60)
#   HARNESS   doc, clean, ... (default: every harness in tests/fuzz/meson.build)
#
# New interesting inputs go to build-fuzz/fuzz-corpus/<harness>/ (kept between
# runs, so long runs build on earlier ones); the seeds in tests/fuzz/corpus/
# and the regressions are read, never written. A crash, leak, timeout or broken
# invariant stops that harness; the input is saved as
# build-fuzz/fuzz-artifacts/<harness>-crash-<sha1> and the script exits 1.
# Exit 77 (and a line saying why) when clang or libFuzzer is not available.
#
# Environment: FUZZ_JOBS=N runs N harnesses at once (default 1);
# FUZZ_ARGS adds libFuzzer flags (e.g. FUZZ_ARGS=-max_len=1000000).
set -euo pipefail
cd "$(dirname "$0")/../.."

total=${1:-60}
shift || true
case $total in
  ''|*[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS] [HARNESS...]" >&2; exit 2 ;;
esac

skip() { echo "fuzz: skipped: $*" >&2; exit 77; }
command -v clang >/dev/null 2>&1 || skip "clang not found (apt-get install clang libclang-rt-14-dev)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  > "$probe/probe.c"
clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" >/dev/null 2>&1 ||
  skip "clang cannot link libFuzzer programs (apt-get install libclang-rt-14-dev)"

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  # the list in meson.build is the one source of truth
  mapfile -t harnesses < <(sed -n "s/^fuzz_harnesses = \[\(.*\)\]/\1/p" tests/fuzz/meson.build |
                           tr -d "' " | tr ',' '\n')
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("tests/fuzz/fuzz_$h"); done
ninja -C build-fuzz "${targets[@]}" >/dev/null

per=$(( total / ${#harnesses[@]} ))
(( per >= 1 )) || per=1
mkdir -p build-fuzz/fuzz-artifacts
echo "fuzz: ${harnesses[*]}, ${per}s each (build-fuzz/fuzz-corpus/, artifacts in build-fuzz/fuzz-artifacts/)"

run_one() { # run_one HARNESS: 0, or 1 with the log's tail and the reproducer
  local h=$1 work=build-fuzz/fuzz-corpus/$1 log=build-fuzz/fuzz-$1.log
  mkdir -p "$work"
  local dirs=("$work" "tests/fuzz/corpus/$h")
  [ -d "tests/fuzz/regressions/$h" ] && dirs+=("tests/fuzz/regressions/$h")
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  if ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 \
     "build-fuzz/tests/fuzz/fuzz_$h" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -dict=tests/fuzz/fuzz.dict -print_final_stats=1 \
       -artifact_prefix="build-fuzz/fuzz-artifacts/$h-" ${FUZZ_ARGS:-} "${dirs[@]}" >"$log" 2>&1; then
    echo "fuzz: $h: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs," \
         "corpus $(find "$work" -type f | wc -l) inputs"
    return 0
  fi
  echo "fuzz: $h: FAILED — last lines of $log:" >&2
  tail -n 30 "$log" >&2
  local art
  art=$(grep -o "build-fuzz/fuzz-artifacts/$h-[a-z-]*[0-9a-f]*" "$log" | tail -n 1 || true)
  if [ -n "$art" ]; then
    echo "fuzz: reproduce with: build-fuzz/tests/fuzz/fuzz_$h $art" >&2
    echo "fuzz: once fixed, keep it: cp $art tests/fuzz/regressions/$h/" >&2
  fi
  return 1
}

jobs=${FUZZ_JOBS:-1}
failed=0
pids=()
for h in "${harnesses[@]}"; do
  run_one "$h" &
  pids+=($!)
  if (( ${#pids[@]} >= jobs )); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
