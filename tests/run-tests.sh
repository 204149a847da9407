#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian, as root),
# builds the plugin and its tests, and runs them with ctest. The real-LXC
# tests need root and stock LXC; without them they say so and are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh cmake make gcc libc6-dev libcmocka-dev lxc squashfs-tools \
	busybox-static
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPV_LXCCLI_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure
