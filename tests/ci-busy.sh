#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The suite once more with every core busy, as on a loaded CI machine or a
# small board: one busy-looping process per core (at normal priority) for
# the whole ctest run of an existing build, stopped at the end whatever
# happens. Usage: tests/ci-busy.sh BUILD_DIR [RUNS] (RUNS default 1).
set -euo pipefail
build=${1:?usage: tests/ci-busy.sh BUILD_DIR [RUNS]}
runs=${2:-1}
hogs=()
stop_hogs() {
	[ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
	(while :; do :; done) &
	hogs+=($!)
done
echo "ci-busy: ${#hogs[@]} busy loops running"
for i in $(seq "$runs"); do
	echo "ci-busy: run $i of $runs"
	(cd "$build" && ctest --output-on-failure)
done
