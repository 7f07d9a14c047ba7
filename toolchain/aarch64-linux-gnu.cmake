# Userspace toolchain: Debian's GNU cross compiler for arm64 Linux (g++-aarch64-linux-gnu)
# with its glibc. For programs that run inside the primary VM (vmm/), not for the
# hypervisor, whose toolchains (aarch64-gcc.cmake, aarch64-clang.cmake) are bare-metal.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

find_program(HYP_LINUX_GCC aarch64-linux-gnu-gcc)
find_program(HYP_LINUX_GXX aarch64-linux-gnu-g++)
if(NOT HYP_LINUX_GCC OR NOT HYP_LINUX_GXX)
  message(FATAL_ERROR "aarch64-linux-gnu-g++ not found: run scripts/deps (g++-aarch64-linux-gnu)")
endif()
set(CMAKE_C_COMPILER "${HYP_LINUX_GCC}")
set(CMAKE_CXX_COMPILER "${HYP_LINUX_GXX}")

# Libraries and headers from the cross sysroot (and paths given explicitly), never the
# host's; programs (cmake, dtc) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
