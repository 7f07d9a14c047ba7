# Target toolchain: GNU C++ for AArch64, linked with ld.lld.
# Prefers the bare-metal GNU Arm toolchain (aarch64-none-elf-) and falls back to
# Debian's cross compiler (aarch64-linux-gnu-). Both are used freestanding.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

find_program(HYP_GXX NAMES aarch64-none-elf-g++ aarch64-linux-gnu-g++)
find_program(HYP_GCC NAMES aarch64-none-elf-gcc aarch64-linux-gnu-gcc)
if(NOT HYP_GXX OR NOT HYP_GCC)
  message(FATAL_ERROR "No AArch64 GNU toolchain found (aarch64-none-elf- or aarch64-linux-gnu-): run scripts/deps")
endif()
get_filename_component(_hyp_bindir "${HYP_GXX}" DIRECTORY)
get_filename_component(_hyp_gxx_name "${HYP_GXX}" NAME)
string(REGEX REPLACE "g\\+\\+$" "" HYP_CROSS_PREFIX "${_hyp_gxx_name}")

set(CMAKE_C_COMPILER "${HYP_GCC}")
set(CMAKE_CXX_COMPILER "${HYP_GXX}")
set(CMAKE_ASM_COMPILER "${HYP_GCC}")
find_program(CMAKE_OBJCOPY NAMES ${HYP_CROSS_PREFIX}objcopy llvm-objcopy HINTS "${_hyp_bindir}")
find_program(CMAKE_SIZE NAMES ${HYP_CROSS_PREFIX}size llvm-size HINTS "${_hyp_bindir}")

find_program(HYP_LD_LLD NAMES ld.lld ld.lld-16 ld.lld-15 ld.lld-14)
if(NOT HYP_LD_LLD)
  message(FATAL_ERROR "ld.lld not found: run scripts/deps")
endif()

set(HYP_COMPILER_FLAGS "-mno-outline-atomics")
# A cross gcc looks for "<triple>-ld.lld", which Debian does not ship: give its driver
# a directory holding just ld.lld (made by cmake/target.cmake) to find it in.
set(HYP_GCC_NEEDS_LLD_DIR ON)
set(HYP_LINKER_FLAGS "-fuse-ld=lld")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
