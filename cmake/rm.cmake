# The resource manager (docs/resource-manager.md): rm.elf, an EL1 program linked as a
# static PIE at 0 with linker/rm.ld; rm.bin, its flat image; rm.bin.gz, that compressed;
# and rm_blob, the object that embeds rm.bin.gz in hyp.elf and hyp-selftest.elf
# (cmake/target.cmake links it).
# Uses what cmake/target.cmake sets up: HYP_TARGET_FLAGS, the toolchain flags,
# HYP_SELF_RELOCATING_LINK_OPTIONS, hyp_libfdt.

# Target only: entry, vectors, the HVC client and the program's main. The portable RM
# sources (RM_PORTABLE_SOURCES) and the freestanding support/ library they use comes along.
set(RM_TARGET_SOURCES
  rm/boot/entry.S
  rm/boot/vectors.S
  rm/arch/aarch64/hvc_hypervisor.cpp
  rm/arch/aarch64/runtime.cpp
  rm/main.cpp
  support/cmdline.cpp
  support/error.cpp
  support/format.cpp
  support/libc/string.cpp
  support/libc/stdlib.cpp
)

set(_rm_ld_script "${CMAKE_SOURCE_DIR}/linker/rm.ld")
set(RM_BIN "${CMAKE_BINARY_DIR}/rm.bin")
set(RM_BIN_GZ "${CMAKE_BINARY_DIR}/rm.bin.gz")
find_package(Python3 REQUIRED COMPONENTS Interpreter)

add_executable(rm.elf ${RM_PORTABLE_SOURCES} ${RM_TARGET_SOURCES})
target_include_directories(rm.elf PRIVATE "${CMAKE_SOURCE_DIR}")
if(HYP_SYSTEM_INCLUDE_DIRS)
  target_include_directories(rm.elf SYSTEM PRIVATE ${HYP_SYSTEM_INCLUDE_DIRS})
endif()
# -Os, -Oz with clang (after HYP_TARGET_FLAGS' -O2, so it wins): the RM is a control-plane program whose
# speed no guest notices, and its size is hyp.bin's. ~10% of rm.bin with GCC 12.
target_compile_options(rm.elf PRIVATE ${_hyp_toolchain_flags} ${HYP_TARGET_FLAGS}
  $<$<COMPILE_LANGUAGE:CXX>:-fno-use-cxa-atexit> "-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/="
  $<IF:$<CXX_COMPILER_ID:Clang>,-Oz,-Os>)
target_compile_definitions(rm.elf PRIVATE HYP_RM=1)
target_link_libraries(rm.elf PRIVATE hyp_warnings hyp_libfdt)
target_link_options(rm.elf PRIVATE ${HYP_SELF_RELOCATING_LINK_OPTIONS} -Wl,-T,${_rm_ld_script}
  -Wl,-Map=${CMAKE_BINARY_DIR}/rm.map)
set_target_properties(rm.elf PROPERTIES LINK_DEPENDS "${_rm_ld_script}")

add_custom_command(OUTPUT "${RM_BIN}"
  COMMAND "${CMAKE_OBJCOPY}" -O binary $<TARGET_FILE:rm.elf> "${RM_BIN}"
  COMMAND "${CMAKE_SIZE}" $<TARGET_FILE:rm.elf>
  DEPENDS rm.elf
  COMMENT "rm.bin: the resource manager's flat image")
# Compressed for hyp.bin: the kernel unpacks it (kernel/boot/gunzip.h), at boot.
add_custom_command(OUTPUT "${RM_BIN_GZ}"
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_SOURCE_DIR}/cmake/gzip_file.py" "${RM_BIN}" "${RM_BIN_GZ}"
  DEPENDS "${RM_BIN}" "${CMAKE_SOURCE_DIR}/cmake/gzip_file.py"
  COMMENT "rm.bin.gz: rm.bin compressed, for hyp.bin"
  VERBATIM)
add_custom_target(rm_bin ALL DEPENDS "${RM_BIN}" "${RM_BIN_GZ}")

# rm.bin.gz inside the hypervisor image. OBJECT_DEPENDS reassembles it (and so relinks
# hyp.elf) whenever rm.bin.gz changes.
add_library(rm_blob OBJECT rm/boot/rm_blob.S)
target_compile_definitions(rm_blob PRIVATE "RM_BIN_GZ_PATH=\"${RM_BIN_GZ}\"")
set_source_files_properties(rm/boot/rm_blob.S PROPERTIES OBJECT_DEPENDS "${RM_BIN_GZ}")
add_dependencies(rm_blob rm_bin)
