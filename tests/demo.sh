#!/usr/bin/env bash
# The README's main-job command: on Debian 12 as root, installs what is
# missing, builds the plugin and the Pantavisor-like host, makes a busybox
# root filesystem (no download) and runs one container through the plugin,
# loaded as Pantavisor loads it. It shows the console, the generated config
# and its path, the pid, then a graceful stop with its timing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: LXC runs containers as root: run it as root (bash tests/demo.sh)" >&2
	exit 1
fi
bash tests/install-deps.sh cmake make gcc libc6-dev libcmocka-dev lxc squashfs-tools \
	busybox-static
if ! command -v lxc-start >/dev/null || ! lxc-start --version >/dev/null; then
	echo "demo: no working lxc-start on PATH (apt-get install lxc)" >&2
	exit 1
fi
echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target pv_lxccli pvhost >/dev/null
work=$(mktemp -d /tmp/pv_lxccli-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== LXC $(lxc-start --version); plugin build/pv_lxccli.so; work folder $work"
# A platform folder as a revision holds it (run.json, lxc.container.conf
# from pvr's template, root.squashfs made from busybox): pvhost loop-mounts
# it as the core does, starts it through the plugin, stops it, undoes all.
# DEMO_PLATFORM=DIR runs a platform folder of your own instead; with
# DEMO_VOLUMES=/volumes its volumes go where its pvr config expects them.
exec_status=0
if [ -n "${DEMO_PLATFORM:-}" ]; then
	build/tests/pvhost --plugin build/pv_lxccli.so \
		--platform "$DEMO_PLATFORM" --sandbox "$work/sandbox" \
		${DEMO_VOLUMES:+--volumes "$DEMO_VOLUMES"} \
		--time "${DEMO_SECONDS:-3}" || exec_status=$?
else
	build/tests/pvhost --plugin build/pv_lxccli.so --name demo \
		--platform "$work/trails/0/demo" --make-platform \
		--sandbox "$work/sandbox" --time "${DEMO_SECONDS:-3}" ||
		exec_status=$?
fi
exit $exec_status
