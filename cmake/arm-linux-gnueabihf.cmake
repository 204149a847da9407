# Cross build for 32-bit ARM (armhf, ARM EABI hard-float) with Debian's
# gcc-arm-linux-gnueabihf. Tests run under qemu-arm (qemu-user); cmocka for
# armhf is looked up in PV_LXCCLI_DEPS_ROOT, a folder holding the contents of
# Debian's libcmocka-dev:armhf and libcmocka0:armhf (dpkg -x), as
# tests/ci-embedded.sh prepares it.
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/arm-linux-gnueabihf.cmake \
#         -DPV_LXCCLI_DEPS_ROOT=/path/to/sysroot ...
# Yocto's 64-bit time_t: add -DCMAKE_C_FLAGS="-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64".
set(PV_LXCCLI_TRIPLET arm-linux-gnueabihf)
set(PV_LXCCLI_QEMU qemu-arm)
set(CMAKE_SYSTEM_PROCESSOR arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
