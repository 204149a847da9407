# Cross build for arm64 with Debian's gcc-aarch64-linux-gnu. Tests run under
# qemu-aarch64 (qemu-user); cmocka for arm64 is looked up in
# PV_LXCCLI_DEPS_ROOT, a folder holding the contents of Debian's
# libcmocka-dev:arm64 and libcmocka0:arm64 (dpkg -x), as
# tests/ci-embedded.sh prepares it.
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DPV_LXCCLI_DEPS_ROOT=/path/to/sysroot ...
set(PV_LXCCLI_TRIPLET aarch64-linux-gnu)
set(PV_LXCCLI_QEMU qemu-aarch64)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
