#!/usr/bin/env bash
# CI: the README's test command on the LXC versions device makers run, for
# real, beside the host's own (bookworm, 5.0.2, run by tests/run-tests.sh):
#   bullseye  LXC 4.0.6, glibc 2.31   debootstrapped root, chroot
#   trixie    LXC 6.0.4, glibc 2.41   debootstrapped root, chroot
#   cgroup2   the host's build, in a private mount namespace where only
#             cgroup2 is mounted at /sys/fs/cgroup (a pure cgroup2 host)
# Each root is made once and reused while its stamp (suite, mirror, package
# list) matches; the project goes in as a fresh clone of the commit under
# test. Every suite runs under the shared LXC lock, one at a time: cgroup
# names are global to the kernel. Mounts are undone on any exit.
#
#   tests/ci-versions.sh [bullseye|trixie|cgroup2]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
roots=${PV_LXCCLI_ROOTS:-/var/tmp/pv_lxccli-roots}
lock=/tmp/pv-lxc.lock
build=${BUILD_DIR:-build}
pkgs=lxc,busybox-static,cmake,make,gcc,libc6-dev,libcmocka-dev,git,iproute2
pkgs+=,squashfs-tools
sources=/etc/apt/sources.list.d/debian.sources

die() {
	echo "ci-versions: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root: debootstrap, chroot and mounts"

# ---- the pure cgroup2 view, run inside `unshare -m` (see step_cgroup2)
if [ "${1:-}" = --cgroup2-inner ]; then
	umount -R /sys/fs/cgroup
	mount -t cgroup2 none /sys/fs/cgroup
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		die "/sys/fs/cgroup is not cgroup2 after mounting it"
	cd "$2"
	exec ctest --output-on-failure
fi

# a fresh machine has no debootstrap (it brings wget along)
bash "$(dirname "$0")/install-deps.sh" debootstrap

# ---- mounts, undone in reverse on any exit
mounted=()
teardown() {
	local i rc=0

	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		if ! umount -R "${mounted[i]}"; then
			echo "ci-versions: cannot unmount ${mounted[i]}" >&2
			rc=1
		fi
	done
	mounted=()
	return $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM HUP # through the EXIT trap
mnt() {
	mount "$@"
	mounted+=("${*: -1}")
}

# Mounts a killed earlier run left below the roots, deepest first.
clear_stale_mounts() {
	local m

	findmnt -rn -o TARGET | { grep "^$roots/" || true; } | sort -r |
		while read -r m; do umount -R "$m" 2>/dev/null || true; done
	if findmnt -rn -o TARGET | grep -q "^$roots/"; then
		die "mounts left below $roots cannot be removed"
	fi
}

mirror() {
	local m

	m=$(awk '$1 == "URIs:" { print $2; exit }' "$sources" 2>/dev/null)
	[ -n "$m" ] || die "no mirror in $sources: cannot debootstrap"
	echo "$m"
}

# A root for one suite: reused when its stamp matches, else made afresh.
make_root() {
	local suite=$1 root=$roots/$1 m want

	m=$(mirror) || exit 1 # loudly: CI must not skip a suite
	want="$suite $m $pkgs"
	if [ -x "$root/usr/bin/lxc-start" ] &&
		[ "$(cat "$root.stamp" 2>/dev/null)" = "$want" ]; then
		echo "reusing $root ($(chroot "$root" lxc-start --version))"
		return
	fi
	echo "debootstrap $suite from $m ..."
	rm -rf --one-file-system "$root" "$root.new" "$root.stamp"
	mkdir -p "$roots"
	debootstrap --variant=minbase --include="$pkgs" "$suite" \
		"$root.new" "$m" >"$roots/$suite.log" 2>&1 ||
		die "debootstrap $suite failed: see $roots/$suite.log"
	mv "$root.new" "$root"
	echo "$want" >"$root.stamp"
}

# What the notes say a root needs for LXC: itself as a mount point (4.0.6
# fails pivot_root otherwise), the host's /proc /sys /dev as slaves (an
# unmount inside never reaches the host) and a /run of its own.
prepare_root() {
	local root=$1 d

	mnt --bind "$root" "$root" || return
	mount --make-private "$root" || return
	for d in proc sys dev; do
		mnt --rbind "/$d" "$root/$d" || return
		mount --make-rslave "$root/$d" || return
	done
	mnt -t tmpfs -o mode=755 tmpfs "$root/run"
}

# The argv prefix of a command in a root, with a clean environment (the
# host's PATH is not the root's).
in_root() {
	chroot_argv=(chroot "$1" /usr/bin/env -i HOME=/root TERM=dumb
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
}

step_root() {
	local suite=$1 root=$roots/$1 commit rc=0

	# errexit is off in a function called with ||: each step checked
	make_root "$suite" || return
	commit=$(git -C "$src" rev-parse HEAD) || return
	rm -rf --one-file-system "$root/root/pv_lxccli" || return
	git clone -q "$src" "$root/root/pv_lxccli" || return
	git -C "$root/root/pv_lxccli" checkout -q --detach "$commit" || return
	prepare_root "$root" || { teardown; return 1; }
	in_root "$root"
	# built first, outside the lock: the test command then only runs ctest
	"${chroot_argv[@]}" cmake -S /root/pv_lxccli -B /root/pv_lxccli/build \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPV_LXCCLI_WERROR=ON \
		>/dev/null &&
		"${chroot_argv[@]}" cmake --build /root/pv_lxccli/build \
			-j"$(nproc)" >/dev/null || rc=$?
	if [ $rc -eq 0 ]; then
		flock "$lock" "${chroot_argv[@]}" \
			bash /root/pv_lxccli/tests/run-tests.sh || rc=$?
	fi
	teardown || rc=1
	return $rc
}

step_cgroup2() {
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPV_LXCCLI_WERROR=ON >/dev/null || return
	cmake --build "$build" -j"$(nproc)" >/dev/null || return
	# the namespace, and with it the cgroup2-only mount, ends with ctest
	flock "$lock" unshare -m --propagation private \
		"$src/tests/ci-versions.sh" --cgroup2-inner "$src/$build"
}

steps=("$@")
[ ${#steps[@]} -ne 0 ] || steps=(bullseye trixie cgroup2)
if [ -n "$(git status --porcelain)" ]; then
	echo "note: uncommitted changes are not in the clones (HEAD is)"
fi
clear_stale_mounts
results=()
failed=0
for s in "${steps[@]}"; do
	t0=$(date +%s)
	echo "==== $s"
	rc=0
	case $s in
	bullseye | trixie) step_root "$s" || rc=$? ;;
	cgroup2) step_cgroup2 || rc=$? ;;
	*) die "unknown step '$s' (bullseye, trixie, cgroup2)" ;;
	esac
	[ $rc -eq 0 ] || failed=1
	results+=("$s: $([ $rc -eq 0 ] && echo pass || echo "FAIL ($rc)"), $(($(date +%s) - t0)) s")
done
printf '%s\n' "---- LXC versions and cgroup layouts" "${results[@]}"
exit $failed
