# The resource manager (docs/resource-manager.md): rm.elf, an EL1 program linked as a
# static PIE at 0 with linker/rm.ld; rm.bin, its flat image; and rm_blob, the object
# that embeds rm.bin in hyp.elf and hyp-selftest.elf (cmake/target.cmake links it).
# Uses what cmake/target.cmake sets up: HYP_TARGET_FLAGS, the toolchain flags, hyp_libfdt.

# Target only: entry, vectors, the HVC client and the program's main. The portable RM
# sources (RM_PORTABLE_SOURCES) and the portable kernel/core pieces they use come along.
set(RM_TARGET_SOURCES
  rm/boot/entry.S
  rm/boot/vectors.S
  rm/arch/aarch64/hvc_hypervisor.cpp
  rm/arch/aarch64/runtime.cpp
  rm/main.cpp
  kernel/core/cmdline.cpp
  kernel/core/error.cpp
  kernel/core/format.cpp
  kernel/libc/string.cpp
  kernel/libc/stdlib.cpp
)

set(_rm_ld_script "${CMAKE_SOURCE_DIR}/linker/rm.ld")
set(RM_BIN "${CMAKE_BINARY_DIR}/rm.bin")

add_executable(rm.elf ${RM_PORTABLE_SOURCES} ${RM_TARGET_SOURCES})
target_include_directories(rm.elf PRIVATE "${CMAKE_SOURCE_DIR}")
if(HYP_SYSTEM_INCLUDE_DIRS)
  target_include_directories(rm.elf SYSTEM PRIVATE ${HYP_SYSTEM_INCLUDE_DIRS})
endif()
target_compile_options(rm.elf PRIVATE ${_hyp_toolchain_flags} ${HYP_TARGET_FLAGS}
  $<$<COMPILE_LANGUAGE:CXX>:-fno-use-cxa-atexit> "-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=")
target_compile_definitions(rm.elf PRIVATE HYP_RM=1)
target_link_libraries(rm.elf PRIVATE hyp_warnings hyp_libfdt)
target_link_options(rm.elf PRIVATE ${_hyp_toolchain_ldflags} -nostdlib -static
  -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -Wl,-z,max-page-size=4096
  -Wl,--gc-sections -Wl,--build-id=none -Wl,-T,${_rm_ld_script}
  -Wl,-Map=${CMAKE_BINARY_DIR}/rm.map)
set_target_properties(rm.elf PROPERTIES LINK_DEPENDS "${_rm_ld_script}")

add_custom_command(OUTPUT "${RM_BIN}"
  COMMAND "${CMAKE_OBJCOPY}" -O binary $<TARGET_FILE:rm.elf> "${RM_BIN}"
  COMMAND "${CMAKE_SIZE}" $<TARGET_FILE:rm.elf>
  DEPENDS rm.elf
  COMMENT "rm.bin: the resource manager's flat image")
add_custom_target(rm_bin ALL DEPENDS "${RM_BIN}")

# rm.bin inside the hypervisor image. OBJECT_DEPENDS reassembles it (and so relinks
# hyp.elf) whenever rm.bin changes.
add_library(rm_blob OBJECT rm/boot/rm_blob.S)
target_compile_definitions(rm_blob PRIVATE "RM_BIN_PATH=\"${RM_BIN}\"")
set_source_files_properties(rm/boot/rm_blob.S PROPERTIES OBJECT_DEPENDS "${RM_BIN}")
add_dependencies(rm_blob rm_bin)
