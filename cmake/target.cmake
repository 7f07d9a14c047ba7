# The target build: hyp.elf (with symbols, for gdb) and hyp.bin (flat arm64 Image).

# libfdt for AArch64: Debian's libfdt-dev:arm64 static archive. It cannot be installed
# beside the host's libfdt-dev (the packages conflict), so scripts/deps unpacks it here.
set(HYP_LIBFDT_TARGET_DIR "${HYP_CACHE_DIR}/deps/libfdt-arm64/usr" CACHE PATH
    "Unpacked libfdt-dev:arm64 (include/ and lib/aarch64-linux-gnu/libfdt.a)")
set(_hyp_libfdt_archive "${HYP_LIBFDT_TARGET_DIR}/lib/aarch64-linux-gnu/libfdt.a")
if(NOT EXISTS "${_hyp_libfdt_archive}")
  message(FATAL_ERROR "libfdt for AArch64 not found at ${_hyp_libfdt_archive}: run scripts/deps")
endif()
add_library(hyp_libfdt STATIC IMPORTED)
set_target_properties(hyp_libfdt PROPERTIES
  IMPORTED_LOCATION "${_hyp_libfdt_archive}"
  INTERFACE_INCLUDE_DIRECTORIES "${HYP_LIBFDT_TARGET_DIR}/include")

set(HYP_TARGET_FLAGS
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-common
  -fno-stack-protector -fpie -fvisibility=hidden
  -ffunction-sections -fdata-sections
  -march=armv8-a -mgeneral-regs-only -mstrict-align
  -O2 -g)
separate_arguments(_hyp_toolchain_flags UNIX_COMMAND "${HYP_COMPILER_FLAGS}")

# The hypervisor image chooses its board at run time (platform/boards/board.h); this
# says only where the test guests (tests/guest) expect the platform's UART.
set(HYP_PLATFORM "qemu-virt" CACHE STRING "Board whose UART address the test guests use (platform/<board>/board.h)")
if(NOT EXISTS "${CMAKE_SOURCE_DIR}/platform/${HYP_PLATFORM}/board.h")
  message(FATAL_ERROR "Unknown HYP_PLATFORM '${HYP_PLATFORM}': no platform/${HYP_PLATFORM}/board.h")
endif()

# The C library functions must not be compiled into calls to themselves.
set_source_files_properties(support/libc/string.cpp support/libc/stdlib.cpp PROPERTIES COMPILE_OPTIONS
  "-fno-builtin;$<$<CXX_COMPILER_ID:GNU>:-fno-tree-loop-distribute-patterns>")
# Code that runs once, at cold boot, or only on the way to a stop, compiled for size:
# hyp.bin has a budget (hyp_image(hyp ...) below) and no guest ever waits on any of this.
# What runs while guests do (traps, vCPU switch, scheduler, hypercalls, vGIC, logging)
# keeps -O2. About 5 KB of text with GCC 12.
set(HYP_BOOT_ONLY_SOURCES ${HYP_PORTABLE_SOURCES})
list(FILTER HYP_BOOT_ONLY_SOURCES INCLUDE REGEX "^platform/dt/")  # device-tree discovery
list(APPEND HYP_BOOT_ONLY_SOURCES
  kernel/boot/cold_boot.cpp
  kernel/boot/gunzip.cpp        # unpacks the RM, once
  kernel/boot/rm_boot_info_builder.cpp
  kernel/boot/root_vm.cpp
  kernel/boot/smp.cpp
  kernel/mem/hyp_map.cpp
  kernel/object/root_objects.cpp
  platform/boards/board.cpp     # which board this is, once
  platform/drivers/gicv3.cpp    # distributor and redistributor bring-up
  arch/aarch64/exception.cpp)   # the report of an unexpected exception
# The control plane: object creation, configuration and teardown, capability and memory
# management calls, power management (PSCI, VPM groups), and the Qualcomm pieces. (Not
# the consoles or MMIO decoding: a booting Linux's every console byte goes through them.) A VM calls these when it is built
# or changes shape, not per interrupt, per message or per switch (the paths
# tests/bench/budgets.txt holds to instruction counts stay -O2).
list(APPEND HYP_BOOT_ONLY_SOURCES
  kernel/hypercall/addrspace_calls.cpp
  kernel/hypercall/cspace_calls.cpp
  kernel/hypercall/debug_calls.cpp
  kernel/hypercall/memextent_calls.cpp
  kernel/hypercall/object_calls.cpp
  kernel/hypercall/vic_calls.cpp
  kernel/hypercall/vpm_calls.cpp
  kernel/object/addrspace_mappings.cpp
  kernel/object/memextent.cpp
  kernel/object/memextent_donate.cpp
  kernel/object/partition.cpp
  kernel/object/lifecycle.cpp
  kernel/object/addrspace.cpp
  kernel/object/hwirq.cpp
  kernel/object/vic_hwirq.cpp
  kernel/virt/vgic/vgic_forward.cpp
  kernel/virt/vgic/vgic_dist.cpp  # a guest programming its distributor and redistributors:
  kernel/virt/vgic/vgic_redist.cpp  # set-up, not delivery (that is the list registers'
  kernel/virt/vgic/vgic_regs.cpp    # and the trapped ICC_SGI1R_EL1's, -O2)
  kernel/object/vcpu.cpp        # configuration, power on and off (the run loop is vcpu_run.cpp)
  kernel/object/vcpu_proxy.cpp  # vcpu_run: a VMM's way of running a vCPU, not the scheduler's
  support/format.cpp            # the hypervisor's own log lines (guests' console bytes do not format)
  kernel/object/vpm_group.cpp
  kernel/virt/vm_devices.cpp
  kernel/virt/vmmio_ranges.cpp
  kernel/virt/vpsci.cpp
  kernel/virt/fault_injection.cpp
  kernel/mem/stage2_config.cpp
  kernel/mem/vmid_allocator.cpp
  # Ownership and stage-2 edits: at map, lend and reclaim time, never per trap (a walk
  # for a guest access, kernel/mem/stage2_table.cpp, stays -O2).
  kernel/mem/memdb.cpp
  kernel/mem/page_allocator.cpp
  kernel/mem/stage2_edit.cpp
  kernel/mem/stage2_edit_sync.cpp
  kernel/object/addrspace_follow.cpp
  platform/qcom/geni_uart.cpp
  platform/qcom/sip_allowlist.cpp
  platform/qcom/sip_forward.cpp)
# clang's -Oz is its smallest (GCC has no -Oz; -Os is its smallest).
set_source_files_properties(${HYP_BOOT_ONLY_SOURCES} PROPERTIES COMPILE_OPTIONS
  "$<IF:$<CXX_COMPILER_ID:Clang>,-Oz,-Os>")

# Every kernel object file, compiled once and linked into both images.
add_library(hyp_kernel OBJECT ${HYP_PORTABLE_SOURCES} ${HYP_TARGET_SOURCES})
target_include_directories(hyp_kernel PUBLIC "${CMAKE_SOURCE_DIR}" "${CMAKE_SOURCE_DIR}/arch/aarch64/include")
if(HYP_SYSTEM_INCLUDE_DIRS)
  target_include_directories(hyp_kernel SYSTEM PUBLIC ${HYP_SYSTEM_INCLUDE_DIRS})
endif()
target_compile_options(hyp_kernel PUBLIC ${_hyp_toolchain_flags} ${HYP_TARGET_FLAGS}
  $<$<COMPILE_LANGUAGE:CXX>:-fno-use-cxa-atexit>)
target_compile_definitions(hyp_kernel PUBLIC HYP_TARGET=1)
# Panics name files relative to the tree, whichever directory it was built in.
target_compile_options(hyp_kernel PUBLIC "-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=")
target_link_libraries(hyp_kernel PUBLIC hyp_warnings hyp_libfdt)

set(_hyp_ld_script "${CMAKE_SOURCE_DIR}/linker/hyp.ld")
separate_arguments(_hyp_toolchain_ldflags UNIX_COMMAND "${HYP_LINKER_FLAGS}")
if(HYP_GCC_NEEDS_LLD_DIR)
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/lld-bin")
  file(CREATE_LINK "${HYP_LD_LLD}" "${CMAKE_BINARY_DIR}/lld-bin/ld.lld" SYMBOLIC)
  list(APPEND _hyp_toolchain_ldflags "-B${CMAKE_BINARY_DIR}/lld-bin/")
endif()

# How hyp.elf and rm.elf (cmake/rm.cmake) are linked: static PIEs at 0 that relocate
# themselves (arch/aarch64/self_relocate.h), which applies only packed relative
# relocations (DT_RELR: a few hundred bytes where RELA took 24 per pointer); the linker
# scripts refuse anything left in .rela.dyn. The option is lld's: Debian 12's lld 14 does
# not know -z pack-relative-relocs (it warns and ignores it), and GNU ld 2.40 ignores
# that for AArch64.
set(HYP_SELF_RELOCATING_LINK_OPTIONS ${_hyp_toolchain_ldflags} -nostdlib -static
  -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -Wl,-z,max-page-size=4096
  -Wl,--pack-dyn-relocs=relr -Wl,--gc-sections -Wl,--build-id=none)

# hyp_image(NAME [MAX_BIN_SIZE bytes] sources...): NAME.elf from the kernel objects plus
# `sources`, and NAME.bin, its flat arm64 Image. With MAX_BIN_SIZE, a NAME.bin larger than
# that fails the build, right after it is made (cmake/check_bin_size.cmake): a step of the
# link rather than a ctest test, so that no build that skips the tests hands one on.
function(hyp_image name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MAX_BIN_SIZE" "")
  set(bin "${CMAKE_BINARY_DIR}/${name}.bin")
  add_executable(${name}.elf ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name}.elf PRIVATE hyp_kernel rm_blob)  # rm_blob: cmake/rm.cmake
  target_link_options(${name}.elf PRIVATE ${HYP_SELF_RELOCATING_LINK_OPTIONS} -Wl,-T,${_hyp_ld_script}
    -Wl,-Map=${CMAKE_BINARY_DIR}/${name}.map)
  set_target_properties(${name}.elf PROPERTIES LINK_DEPENDS "${_hyp_ld_script}")
  set(check)
  if(arg_MAX_BIN_SIZE)
    set(check COMMAND "${CMAKE_COMMAND}" -DBIN=${bin} -DMAX_SIZE=${arg_MAX_BIN_SIZE}
                      -P "${CMAKE_SOURCE_DIR}/cmake/check_bin_size.cmake")
  endif()
  add_custom_command(TARGET ${name}.elf POST_BUILD
    COMMAND "${CMAKE_OBJCOPY}" -O binary $<TARGET_FILE:${name}.elf> ${bin}
    COMMAND "${CMAKE_SIZE}" $<TARGET_FILE:${name}.elf>
    ${check}
    BYPRODUCTS ${bin}
    COMMENT "${name}.bin: flat arm64 Image")
endfunction()

# 256 KiB: the budget for the image that is booted or flashed, the RM inside
# (docs/building.md, "Image size"). hyp-selftest.bin, a test image, has none.
hyp_image(hyp MAX_BIN_SIZE 262144)
# The same kernel with the in-kernel self-tests (tests/selftest) linked in.
file(GLOB HYP_SELFTEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/selftest/*.cpp")
hyp_image(hyp-selftest ${HYP_SELFTEST_SOURCES})
