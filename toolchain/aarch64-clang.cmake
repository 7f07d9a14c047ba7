# Target toolchain: clang for aarch64-none-elf, linked with ld.lld.
# The second compiler keeps the code honest; it uses the C++ headers of the GNU cross
# toolchain (type_traits, concepts, bit: all freestanding, header-only).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

find_program(HYP_CLANGXX NAMES clang++ clang++-16 clang++-15 clang++-14)
find_program(HYP_CLANG NAMES clang clang-16 clang-15 clang-14)
if(NOT HYP_CLANGXX OR NOT HYP_CLANG)
  message(FATAL_ERROR "clang not found: run scripts/deps")
endif()
set(CMAKE_C_COMPILER "${HYP_CLANG}")
set(CMAKE_CXX_COMPILER "${HYP_CLANGXX}")
set(CMAKE_ASM_COMPILER "${HYP_CLANG}")
set(CMAKE_C_COMPILER_TARGET aarch64-none-elf)
set(CMAKE_CXX_COMPILER_TARGET aarch64-none-elf)
set(CMAKE_ASM_COMPILER_TARGET aarch64-none-elf)

find_program(CMAKE_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 aarch64-none-elf-objcopy aarch64-linux-gnu-objcopy)
find_program(CMAKE_SIZE NAMES llvm-size llvm-size-14 aarch64-none-elf-size aarch64-linux-gnu-size)

# libstdc++'s freestanding headers from whichever GNU cross toolchain is installed.
file(GLOB _hyp_cxx_dirs LIST_DIRECTORIES true
     /usr/aarch64-linux-gnu/include/c++/* /usr/lib/aarch64-none-elf/include/c++/*)
list(SORT _hyp_cxx_dirs COMPARE NATURAL ORDER DESCENDING)
list(GET _hyp_cxx_dirs 0 _hyp_cxx)
if(NOT _hyp_cxx)
  message(FATAL_ERROR "No libstdc++ headers for AArch64 found: run scripts/deps")
endif()
get_filename_component(_hyp_cxx_root "${_hyp_cxx}/../.." ABSOLUTE)
set(HYP_SYSTEM_INCLUDE_DIRS "${_hyp_cxx}" "${_hyp_cxx}/aarch64-linux-gnu" "${_hyp_cxx_root}")
set(HYP_COMPILER_FLAGS "")
set(HYP_LINKER_FLAGS "-fuse-ld=lld")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
