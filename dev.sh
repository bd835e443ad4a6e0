#!/usr/bin/env bash
# dev.sh — set up a Debian 12 machine for winnow, build it, run it or test it.
#
#   ./dev.sh run    install what is missing, build, submit the examples into ./spool and
#                   run winnowd in the foreground on ./spool -> ./out (Ctrl-C stops it)
#   ./dev.sh test   install what is missing, build with -Werror, run the whole suite,
#                   then again under AddressSanitizer + UndefinedBehaviorSanitizer,
#                   then a one-minute fuzz run when clang is installed (tests/fuzz/run.sh)
#   ./dev.sh setup  only install and build
#   ./dev.sh valgrind  the unit tests and the integration tests of the winnow
#                   commands under valgrind memcheck (leaks are errors);
#                   VALGRIND_DAEMON=1 adds winnowd's (about 3 more minutes)
set -euo pipefail
cd "$(dirname "$0")"

PKGS=(build-essential pkg-config meson ninja-build python3 sqlite3
      libuv1-dev libxxhash-dev libpcre2-dev libcmocka-dev libsqlite3-dev
      libinih-dev libjansson-dev libutf8proc-dev
      systemd groff-base)   # systemd-analyze/-sysusers/-tmpfiles, groff: tests of systemd/, man/

install_missing() {
  local missing=() p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "dev.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() { # build DIR [meson options...]
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    [ $# -eq 0 ] || meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}

case "${1:-run}" in
  setup)
    install_missing
    build build
    ;;
  run)
    install_missing
    build build
    # The bundled example articles, one folder per outlet, dropped into the
    # spool the way any producer would; winnowd cleans them into ./out at
    # once and keeps watching ./spool/incoming/<outlet>/ for more.
    for dir in examples/*/; do
      ./build/cli/winnow submit --spool spool --outlet "$(basename "$dir")" "$dir"*.txt ||
        echo "dev.sh: some examples were not submitted (see above); going on" >&2
    done
    echo "dev.sh: submitted $(ls examples/*/*.txt | wc -l) example articles to ./spool;" \
         "winnowd cleans them into ./out and keeps watching (Ctrl-C stops it)" >&2
    exec ./build/daemon/winnowd --spool spool --out out
    ;;
  test)
    install_missing
    build build -Dwerror=true
    meson test -C build --print-errorlogs
    build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      meson test -C build-asan --print-errorlogs
    # libFuzzer harnesses for a minute; run.sh exits 77 with the reason when clang is missing.
    rc=0
    tests/fuzz/run.sh 60 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]
    # One closing line over both builds (meson's summary is per build).
    python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
res = [json.loads(l)["result"] for f in sys.argv[1:] for l in open(f) if l.strip()]
ok = sum(r in ("OK", "EXPECTEDFAIL") for r in res)
skipped = sum(r == "SKIP" for r in res)
print(f"tests: {ok} passed, {len(res) - ok - skipped} failed, {skipped} skipped")
PY
    ;;
  valgrind)
    PKGS+=(valgrind)
    install_missing
    build build
    # Debian's PCRE2 has no valgrind support: its JIT code reads past the
    # subject in whole words; tests/valgrind/pcre2-jit.supp silences only
    # reports whose innermost frame is JIT code.
    vg="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible"
    vg+=" --suppressions=$PWD/tests/valgrind/pcre2-jit.supp -q"
    meson test -C build --suite unit --print-errorlogs --wrap="$vg"
    # integration tests drive the binaries through wrappers that run them
    # under memcheck, each logging to its own file: any report fails
    logs="$PWD/build/valgrind-logs"
    rm -rf "$logs" && mkdir -p "$logs"
    for b in cli/winnow daemon/winnowd daemon/winnowd-test; do
      printf '#!/bin/sh\nexec %s --log-file=%s/%%p.log %s "$@"\n' "$vg" "$logs" "$PWD/build/$b" \
        >"build/vg-${b#*/}"
      chmod +x "build/vg-${b#*/}"
    done
    suites=(clean filters dedup "hostile CleanHostile")
    [ -z "${VALGRIND_DAEMON:-}" ] || suites+=(daemon "hostile DaemonHostile" "daemon_crash DiskFull")
    pids=()
    for s in "${suites[@]}"; do
      set -- $s
      WINNOW="$PWD/build/vg-winnow" WINNOWD="$PWD/build/vg-winnowd" WINNOWD_TEST="$PWD/build/vg-winnowd-test" \
        WN_FIXTURES="$PWD/tests/fixtures" WN_SOURCE_ROOT="$PWD" WN_SLOW_FACTOR=10 WN_VALGRIND=1 \
        python3 "tests/integration/test_$1.py" ${2:-} >"$logs/suite-$1${2:+-$2}.out" 2>&1 &
      pids+=($!)
    done
    failed=0
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || { failed=1; echo "dev.sh: ${suites[$i]} failed under valgrind:" >&2
                               tail -30 "$logs/suite-$(echo "${suites[$i]}" | tr ' ' -).out" >&2; }
    done
    if grep -l . "$logs"/*.log >/dev/null 2>&1; then
      failed=1
      for f in $(grep -l . "$logs"/*.log); do echo "== $f" >&2; cat "$f" >&2; done
    fi
    [ "$failed" -eq 0 ] && echo "dev.sh: valgrind: no errors, no leaks" >&2
    exit "$failed"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
