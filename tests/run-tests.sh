#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian, as root),
# builds the plugin and its tests, and runs them with ctest. The tests that
# need root and stock LXC say so and skip when run otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make gcc libc6-dev libcmocka-dev lxc busybox-static)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-tests: missing packages: ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "run-tests: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure
