# Native build against musl with Debian's musl-tools (musl-gcc). Not a cross
# build: the programs run on the host, so ctest needs no emulator. musl-gcc
# drops /usr/include from the search path on purpose, and so must find_*:
# glibc's headers and libraries must not leak in. cmocka for musl is looked
# up only in PV_LXCCLI_DEPS_ROOT (include/, lib/), a prefix where cmocka was
# built with musl-gcc, as tests/ci-embedded.sh does from Debian's source
# package.
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/musl.cmake \
#         -DPV_LXCCLI_DEPS_ROOT=/path/to/prefix -DPV_LXCCLI_UNIT_ONLY=ON ...
set(CMAKE_C_COMPILER musl-gcc)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PV_LXCCLI_DEPS_ROOT)

# Without a deps root, re-root to musl's own folder, which holds no
# cmocka: an empty root list would search /usr and find glibc's cmocka.
if(PV_LXCCLI_DEPS_ROOT)
	set(CMAKE_FIND_ROOT_PATH ${PV_LXCCLI_DEPS_ROOT})
else()
	set(CMAKE_FIND_ROOT_PATH /usr/lib/x86_64-linux-musl)
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
