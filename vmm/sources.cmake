# The VMM's sources, for vmm/CMakeLists.txt (the arm64 program) and for the host unit
# tests (tests/unit/CMakeLists.txt), which compile the pure ones under ASan and UBSan.
set(_vmm_dir "${CMAKE_CURRENT_LIST_DIR}")

# Pure logic and plain POSIX: no /dev/gunyah, no threads; unit-tested on the host.
set(VMM_PORTABLE_SOURCES
  ${_vmm_dir}/dt_builder.cpp
  ${_vmm_dir}/exit_verdict.cpp
  ${_vmm_dir}/guest_memory.cpp
  ${_vmm_dir}/layout.cpp
  ${_vmm_dir}/loader.cpp
  ${_vmm_dir}/options.cpp
  ${_vmm_dir}/pl011.cpp
  ${_vmm_dir}/primary_gic.cpp
)

# The rest of the program: /dev/gunyah, the vCPU and console threads, the terminal.
set(VMM_PROGRAM_SOURCES
  ${_vmm_dir}/console.cpp
  ${_vmm_dir}/gunyah_vm.cpp
  ${_vmm_dir}/main.cpp
  ${_vmm_dir}/terminal.cpp
  ${_vmm_dir}/vcpu.cpp
  ${_vmm_dir}/vm.cpp
)
