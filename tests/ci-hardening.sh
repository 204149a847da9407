#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Hardening checks, as root on Debian 12 (installs what it lacks):
#   asan      build-asan, -DPV_LXCCLI_SANITIZE=ON (ASan + UBSan): ctest unit,
#             symbols and faults
#   fuzz      build-fuzz, clang -DPV_LXCCLI_FUZZ=ON: tests/fuzz_config for
#             FUZZ_SECONDS (60) from tests/corpus; any crash, leak,
#             sanitizer report or timeout fails
#   valgrind  build-valgrind: memcheck of the pvhost CLI through one real
#             container lifecycle (busybox rootfs, 2 s); no error and no
#             definite leak in any of its processes, helpers included
#   lint      cppcheck and clang-tidy (.clang-tidy) on pv_lxccli.c, for
#             both core layouts; any finding fails
# Usage: tests/ci-hardening.sh [STEP...] (default: all four). Every step
# runs even when an earlier one failed; each keeps its log in
# build-hardening/<step>.log; the exit code is 0 only if all passed.
# About 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}
all_steps=(asan fuzz valgrind lint)

log() { printf 'ci-hardening: %s\n' "$*"; }
die() { printf 'ci-hardening: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] ||
	die "run as root: the fault tests write /run, valgrind runs a container"
bash tests/install-deps.sh cmake make gcc libc6-dev libcmocka-dev lxc \
	busybox-static clang libclang-rt-14-dev valgrind cppcheck clang-tidy

# ------------------------------------------------------------------ steps

step_asan() {
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPV_LXCCLI_SANITIZE=ON -DPV_LXCCLI_WERROR=ON >/dev/null
	cmake --build build-asan -j"$jobs" --target pv_lxccli pv_lxccli_fast \
		test_unit test_symbols test_faults
	# symbols stays: its dlopen check holds under ASan too (the plugin then
	# needs libasan, which the ASan test executable already has loaded)
	(cd build-asan &&
		ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest -R '^(unit|symbols|faults)$' --output-on-failure)
}

step_fuzz() {
	local out=build-fuzz/corpus
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPV_LXCCLI_FUZZ=ON \
		-DPV_LXCCLI_WERROR=ON >/dev/null
	cmake --build build-fuzz -j"$jobs" --target fuzz_config
	mkdir -p "$out"
	rm -f build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* \
		build-fuzz/oom-*
	# new inputs go to build-fuzz/corpus; tests/corpus stays the seeds
	build-fuzz/tests/fuzz_config -max_total_time="$fuzz_seconds" \
		-max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build-fuzz/ \
		"$out" tests/corpus
	if compgen -G 'build-fuzz/crash-*' >/dev/null ||
		compgen -G 'build-fuzz/leak-*' >/dev/null ||
		compgen -G 'build-fuzz/timeout-*' >/dev/null; then
		echo "fuzz_config left artifacts:" build-fuzz/{crash,leak,timeout}-*
		return 1
	fi
}

step_valgrind() {
	local tmp rc=0 bad
	cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPV_LXCCLI_WERROR=ON >/dev/null
	cmake --build build-valgrind -j"$jobs" --target pv_lxccli pvhost
	tmp=$(mktemp -d /tmp/ci-hardening-vg.XXXXXX)
	# forked helpers stay under valgrind (--trace-children is about exec):
	# each process gets its own log, all are checked
	valgrind --tool=memcheck --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=1 \
		--trace-children=no --log-file="$tmp/vg.%p.log" \
		build-valgrind/tests/pvhost --plugin build-valgrind/pv_lxccli.so \
		--name fltvalgrind --config "$tmp/fltvalgrind.conf" \
		--make-rootfs "$tmp/rootfs" --time 2 || rc=$?
	bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' \
		"$tmp"/vg.*.log || true)
	for f in $bad; do
		echo "---- $f"
		cat "$f"
	done
	echo "valgrind: pvhost exit $rc, $(ls "$tmp"/vg.*.log | wc -l) process logs"
	rm -rf "$tmp" /run/pantavisor/lxccli/fltvalgrind
	[ "$rc" -eq 0 ] && [ -z "$bad" ]
}

step_lint() {
	local core rc=0
	for core in 202608 202601; do
		echo "== core $core"
		cppcheck --enable=warning,performance,portability \
			--error-exitcode=1 --inline-suppr --std=c11 --quiet \
			--suppress=missingIncludeSystem -I. -D_GNU_SOURCE \
			-DPV_LXCCLI_CORE=$core pv_lxccli.c || rc=1
		clang-tidy --quiet pv_lxccli.c -- -I. -D_GNU_SOURCE \
			-DPV_LXCCLI_CORE=$core -std=gnu11 || rc=1
	done
	return $rc
}

# ------------------------------------------------------------------- main

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=("${all_steps[@]}")
start=$(date +%s)
failed=()
for s in "${steps[@]}"; do
	case " ${all_steps[*]} " in
	*" $s "*) ;;
	*) die "unknown step '$s' (steps: ${all_steps[*]})" ;;
	esac
	t0=$(date +%s)
	mkdir -p "$src/build-hardening"
	log="$src/build-hardening/$s.log"
	log "$s ..."
	if (set -euo pipefail; "step_$s") >"$log" 2>&1; then
		log "$s passed ($(($(date +%s) - t0)) s)"
	else
		log "$s FAILED ($(($(date +%s) - t0)) s); last lines of $log:"
		tail -n 40 "$log" | sed 's/^/  | /'
		failed+=("$s")
	fi
done
log "total $(($(date +%s) - start)) s"
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
log "all passed: ${steps[*]}"
