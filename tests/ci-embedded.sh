#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Embedded builds of the plugin and its unit tests, run as root on Debian 12:
#   musl       native x86_64 build with musl-gcc (musl-tools); cmocka is
#              built for musl from Debian's source package (apt-get source)
#   armhf      arm-linux-gnueabihf, default 32-bit time_t and off_t
#   armhf-t64  the same with -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64
#              (Yocto's default for 32-bit ARM)
#   arm64      aarch64-linux-gnu
# Cross variants use cmake/<triplet>.cmake, take cmocka from Debian's armhf
# and arm64 packages (apt-get download, dpkg -x) and run the tests under
# qemu-user. Only the unit and symbol tests run: the integration tests need
# root, LXC and the host's architecture.
#
# Installs what it lacks (apt-get, dpkg --add-architecture, a deb-src entry
# for the configured Debian mirror if none exists); reruns reuse everything.
# Builds go to build-musl, build-armhf, build-armhf-t64 and build-arm64;
# each keeps its log in <build>/ci.log. Usage: tests/ci-embedded.sh [VARIANT...]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
all_variants=(musl armhf armhf-t64 arm64)
jobs=$(nproc 2>/dev/null || echo 2)

log() { printf 'ci-embedded: %s\n' "$*"; }
die() { printf 'ci-embedded: error: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ setup

have_pkg() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *"ok installed" ]]
}

apt_update() {
	# A mirror in mid-sync fails single indexes; what is needed may
	# still be there, and a real gap fails the install or download.
	apt-get update -qq || log "warning: apt-get update reported errors, continuing"
}

# Adds a deb-src entry for the Debian mirror already in use, for
# `apt-get source cmocka`; only if no deb-src entry exists.
ensure_deb_src() {
	local mirror suite file=/etc/apt/sources.list.d/pv-lxccli-deb-src.sources
	if grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 1
	fi
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -nE 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' |
		grep -E '/debian/?$' | head -n1 || true)
	if [ -z "$mirror" ]; then
		mirror=$(sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+\/debian\/?)[[:space:]].*/\2/p' \
			/etc/apt/sources.list 2>/dev/null | head -n1 || true)
	fi
	mirror=${mirror:-http://deb.debian.org/debian}
	[ "$(id -u)" -eq 0 ] || die "run as root: a deb-src entry for $mirror is needed for cmocka's source"
	# shellcheck disable=SC1091
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	log "adding deb-src for $mirror $suite in $file"
	cat >"$file" <<-EOF
		Types: deb-src
		URIs: $mirror
		Suites: $suite
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	return 0
}

setup() {
	local want=() missing=() update=0 v arch
	want+=(cmake make gcc libc6-dev xz-utils)
	for v in "$@"; do
		case $v in
		musl) want+=(musl-tools) ;;
		armhf | armhf-t64)
			want+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user) ;;
		arm64) want+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
		esac
	done
	for p in "${want[@]}"; do
		have_pkg "$p" || missing+=("$p")
	done
	for v in "$@"; do
		case $v in
		armhf | armhf-t64) arch=armhf ;;
		arm64) arch=arm64 ;;
		*) continue ;;
		esac
		# no grep -q in pipes: with pipefail, its early exit fails them
		if ! dpkg --print-foreign-architectures | grep -x "$arch" >/dev/null; then
			[ "$(id -u)" -eq 0 ] || die "run as root: dpkg --add-architecture $arch is needed"
			log "dpkg --add-architecture $arch"
			dpkg --add-architecture "$arch"
			update=1
		fi
	done
	if [[ " $* " == *" musl "* ]] && [ ! -e build-musl/_deps/cmocka/include/cmocka.h ]; then
		if ensure_deb_src; then
			update=1
		fi
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root to install them"
		update=1
	fi
	[ $update -eq 0 ] || apt_update
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# ---------------------------------------------------------------- variants

# cmocka built with musl-gcc from Debian's source package, installed in
# build-musl/_deps/cmocka (include/, lib/).
musl_cmocka() {
	local deps=$src/build-musl/_deps orig
	[ -e "$deps/cmocka/include/cmocka.h" ] && return 0
	rm -rf "$deps/src" "$deps/cmocka-build" "$deps/cmocka"
	mkdir -p "$deps/src"
	(cd "$deps/src" && apt-get source --download-only -qq \
		-o APT::Sandbox::User=root cmocka)
	for orig in "$deps"/src/cmocka_*.orig.tar.*; do
		[[ $orig == *.asc ]] || tar -xf "$orig" -C "$deps/src"
	done
	cmake -S "$(echo "$deps"/src/cmocka-*/)" -B "$deps/cmocka-build" \
		-DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=Release \
		-DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
		-DCMAKE_INSTALL_PREFIX="$deps/cmocka" -DCMAKE_INSTALL_LIBDIR=lib
	cmake --build "$deps/cmocka-build" -j"$jobs"
	cmake --install "$deps/cmocka-build"
}

# Debian's cmocka for ARCH unpacked in build dir's _deps/sysroot.
cross_cmocka() {
	local arch=$1 deps=$2/_deps
	[ -e "$deps/sysroot/usr/include/cmocka.h" ] && return 0
	rm -rf "$deps/debs" "$deps/sysroot"
	mkdir -p "$deps/debs" "$deps/sysroot"
	(cd "$deps/debs" && apt-get download -qq -o APT::Sandbox::User=root \
		"libcmocka-dev:$arch" "libcmocka0:$arch")
	for deb in "$deps"/debs/*.deb; do
		dpkg -x "$deb" "$deps/sysroot"
	done
}

# ctest, for the armhf time32 variant with /tmp on a tmpfs: qemu-user is a
# 64-bit process, so ext4 hands it 64-bit directory cookies that a 32-bit
# readdir() without _FILE_OFFSET_BITS=64 cannot return (EOVERFLOW). A real
# 32-bit kernel or an arm64 kernel's compat layer gets 32-bit cookies. The
# unit tests keep their sandbox in /tmp.
run_ctest() {
	local build=$1 tmpfs=$2
	local cmd=(ctest --output-on-failure --timeout 300)
	if [ "$tmpfs" = yes ]; then
		case $(realpath "$build") in
		/tmp/*) log "warning: $build is under /tmp, no tmpfs for its tests" ;;
		*)
			if unshare -m true 2>/dev/null; then
				# shellcheck disable=SC2016 # expanded by the inner bash
				unshare -m bash -c 'mount -t tmpfs -o mode=1777 pv-ci-tmp /tmp &&
					cd "$1" && shift && exec "$@"' _ "$build" "${cmd[@]}"
				return
			fi
			log "warning: unshare -m not permitted, running on the host's /tmp"
			;;
		esac
	fi
	(cd "$build" && "${cmd[@]}")
}

# The helper program itself under qemu-user: the unit and symbol tests
# cannot execve() it from an emulated process (tests/CMakeLists.txt). Run
# through the target's loader, without a job it must say so and exit 1.
helper_program_check() {
	local build=$1 qemu=$2 triplet=$3 ldso=$4 out rc=0
	out=$("$qemu" "/usr/$triplet/lib/$ldso" --library-path \
		"/usr/$triplet/lib" "$build/pv_lxccli.so" 2>&1) || rc=$?
	if [ $rc -ne 1 ] || ! grep -q 'helper cannot read its job' <<<"$out"; then
		log "the helper program under $qemu: exit $rc: $out"
		return 1
	fi
	log "the helper program runs under $qemu: exit 1, '$out'"
}

variant() {
	local v=$1 build=$src/build-$1 args=() tmpfs=no
	case $v in
	musl)
		musl_cmocka
		args=(-DCMAKE_TOOLCHAIN_FILE=cmake/musl.cmake
			-DPV_LXCCLI_DEPS_ROOT="$build/_deps/cmocka"
			-DPV_LXCCLI_UNIT_ONLY=ON)
		;;
	armhf | armhf-t64)
		cross_cmocka armhf "$build"
		args=(-DCMAKE_TOOLCHAIN_FILE=cmake/arm-linux-gnueabihf.cmake
			-DPV_LXCCLI_DEPS_ROOT="$build/_deps/sysroot")
		if [ "$v" = armhf-t64 ]; then
			args+=(-DCMAKE_C_FLAGS="-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64")
		else
			args+=(-DCMAKE_C_FLAGS=)
			tmpfs=yes
		fi
		;;
	arm64)
		cross_cmocka arm64 "$build"
		args=(-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
			-DPV_LXCCLI_DEPS_ROOT="$build/_deps/sysroot")
		;;
	*) die "unknown variant '$v' (${all_variants[*]})" ;;
	esac
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DBUILD_TESTING=ON -DPV_LXCCLI_WERROR=ON "${args[@]}"
	cmake --build "$build" -j"$jobs"
	run_ctest "$build" "$tmpfs" || return
	case $v in
	armhf | armhf-t64)
		helper_program_check "$build" qemu-arm arm-linux-gnueabihf \
			ld-linux-armhf.so.3
		;;
	arm64)
		helper_program_check "$build" qemu-aarch64 aarch64-linux-gnu \
			ld-linux-aarch64.so.1
		;;
	esac
}

# One line per variant: result, ctest's count, what the plugin was built as.
summary() {
	local v=$1 rc=$2 secs=$3 build=$src/build-$1 tests elf needed t64=""
	tests=$(grep -Eo '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' \
		"$build/ci.log" | tail -n1 || true)
	elf=$(readelf -h "$build/pv_lxccli.so" 2>/dev/null |
		awk -F: '/Class|Machine/ { gsub(/^ +/, "", $2); printf "%s ", $2 }' || true)
	if [ "$v" = armhf ] || [ "$v" = armhf-t64 ]; then
		if readelf --dyn-syms -W "$build/pv_lxccli.so" 2>/dev/null |
			grep '_time64@' >/dev/null; then
			t64=", time64 symbols"
		else
			t64=", time32 symbols"
		fi
	fi
	needed=$(readelf -d "$build/pv_lxccli.so" 2>/dev/null |
		sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | paste -sd, || true)
	printf 'ci-embedded: %-10s %s  %ss  %s  [%s, needs %s%s]\n' "$v" \
		"$([ "$rc" -eq 0 ] && echo PASS || echo FAIL)" "$secs" \
		"${tests:-no test run}" "${elf% }" "${needed:-?}" "$t64"
}

if [ "${1:-}" = __variant ]; then
	variant "$2"
	exit
fi

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=("${all_variants[@]}")
for v in "${variants[@]}"; do
	[[ " ${all_variants[*]} " == *" $v "* ]] || die "unknown variant '$v' (${all_variants[*]})"
done

start=$SECONDS
setup "${variants[@]}"
log "setup done in $((SECONDS - start))s"

failed=0
lines=()
for v in "${variants[@]}"; do
	mkdir -p "build-$v"
	t0=$SECONDS
	log "$v: building and testing (log in build-$v/ci.log)"
	rc=0
	# A fresh bash per variant, so set -e holds inside it.
	"$BASH" "$0" __variant "$v" >"build-$v/ci.log" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		failed=1
		tail -n 40 "build-$v/ci.log" | sed "s/^/  $v| /"
	fi
	lines+=("$(summary "$v" "$rc" $((SECONDS - t0)))")
done

printf '%s\n' "${lines[@]}"
log "total $((SECONDS - start))s: $([ $failed -eq 0 ] && echo all passed || echo FAILURES)"
exit $failed
