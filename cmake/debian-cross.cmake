# Shared part of the Debian cross toolchain files; set PV_LXCCLI_TRIPLET,
# PV_LXCCLI_QEMU and CMAKE_SYSTEM_PROCESSOR, then include this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${PV_LXCCLI_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${PV_LXCCLI_TRIPLET})

# Toolchain files are read again for every try_compile; keep the deps root.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PV_LXCCLI_DEPS_ROOT)

# The cross libc lives in /usr/<triplet>; target libraries (cmocka) in the
# deps root, laid out as a Debian root (usr/include, usr/lib/<triplet>).
set(CMAKE_FIND_ROOT_PATH /usr/${PV_LXCCLI_TRIPLET} ${PV_LXCCLI_DEPS_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs the target's programs under qemu-user through the cross
# libc's dynamic loader, called explicitly. qemu's -L (QEMU_LD_PREFIX) is
# avoided on purpose: it redirects every absolute path that exists under the
# prefix, "/" included, so code that walks from "/" with openat() (the
# plugin's runtime folder) would silently work inside /usr/<triplet>.
# cmocka from the deps root is found through the build RPATH CMake gives
# the tests. Children exec()ed by the tests (sh, sleep, scripted lxc-*) are
# host programs and run natively.
if(PV_LXCCLI_TRIPLET STREQUAL "arm-linux-gnueabihf")
	set(PV_LXCCLI_LDSO ld-linux-armhf.so.3)
elseif(PV_LXCCLI_TRIPLET STREQUAL "aarch64-linux-gnu")
	set(PV_LXCCLI_LDSO ld-linux-aarch64.so.1)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${PV_LXCCLI_QEMU}
	/usr/${PV_LXCCLI_TRIPLET}/lib/${PV_LXCCLI_LDSO}
	--library-path /usr/${PV_LXCCLI_TRIPLET}/lib)
