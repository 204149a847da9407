#!/usr/bin/env bash
# CI: the plugin and every test build warning-free (-Werror) with gcc and
# clang at each CMake build type and with none (plain -O0 defaults). Build
# only: the README's test command runs them once. A newer compiler's new
# warning fails here, in CI, not in a device maker's recipe (there
# PV_LXCCLI_WERROR stays off).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh cmake make gcc clang libc6-dev libcmocka-dev
jobs=$(nproc)
failed=()
for cc in gcc clang; do
	for type in Release RelWithDebInfo MinSizeRel ""; do
		dir=build-cc/$cc-${type:-none}
		echo "== $cc ${type:-(no build type)}"
		if ! cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" \
			-DCMAKE_BUILD_TYPE="$type" -DPV_LXCCLI_WERROR=ON \
			>/dev/null ||
			! cmake --build "$dir" -j"$jobs" -- -k --no-print-directory \
				>"$dir.log" 2>&1; then
			cat "$dir.log" 2>/dev/null || true
			failed+=("$cc/${type:-none}")
		fi
	done
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "warnings or errors with: ${failed[*]}" >&2
	exit 1
fi
echo "gcc and clang, 4 build types each: warning-free"
