// Reading the boot-info structure (hyp_api/rm_boot_info.h) on the resource manager's
// side: checking it before trusting any count or string in it, picking the primary VM's
// modules, and turning its platform facts into the primary VM's RAM and DT inputs.
// No hypercalls; the RM's boot code calls these, then makes the hypercalls.
#pragma once

#include <cstddef>

#include "hyp_api/rm_boot_info.h"
#include "support/addr.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/primary_dt.h"
#include "rm/vm/vm_layout.h"

namespace hyp::rm {

static_assert(RM_BOOT_INFO_MAX_CPUS <= primary_max_vcpus, "the primary VM gets a vCPU per physical CPU");

// Whether `info` (of which `available` bytes are mapped) is a boot-info structure this RM
// understands and self-consistent: magic, version, size, every count within its array,
// every bootargs NUL-terminated, every module of a known kind with a non-empty range,
// at least one CPU and the boot CPU among them, RAM ranges that do not wrap.
[[nodiscard]] Status check_boot_info(const rm_boot_info& info, std::size_t available, Diagnostic& diag);

// The primary VM's modules: the first multiboot,kernel and the first multiboot,ramdisk
// (null when there is none). No kernel module is an error whose message says so: the RM
// prints it and powers off, having nothing to run.
struct PrimaryModules {
    const rm_boot_module* kernel = nullptr;
    const rm_boot_module* ramdisk = nullptr;
};
[[nodiscard]] Result<PrimaryModules> find_primary_modules(const rm_boot_info& info, Diagnostic& diag);

// The primary VM's RAM: `size` bytes at a 2 MiB boundary from the free ranges, mapped at
// the same IPA (choose_vm_ram()).
[[nodiscard]] Result<IpaRange> choose_primary_ram(const rm_boot_info& info, std::uint64_t size, Diagnostic& diag);

// The DT inputs for the primary VM: one vCPU per physical CPU (MPIDRs by
// hyp_api/vcpu_mpidr.h, not the physical ones), the GIC, timer and UART at the platform's
// addresses and INTIDs (the VM's device IPAs equal the physical addresses), RAM and
// initrd from `layout`, the kernel module's bootargs (they stay in `info`, which must
// outlive `config`). Refuses when the platform's redistributor region cannot hold a
// frame pair per vCPU.
[[nodiscard]] Status configure_primary_dt(const rm_boot_info& info, const rm_boot_module& kernel,
                                          const VmLayout& layout, PrimaryDtConfig& config, Diagnostic& diag);
// The same with `vcpu_count` vCPUs (rm.vcpus) instead of one per physical CPU.
[[nodiscard]] Status configure_primary_dt(const rm_boot_info& info, const rm_boot_module& kernel,
                                          const VmLayout& layout, std::size_t vcpu_count, PrimaryDtConfig& config,
                                          Diagnostic& diag);

}  // namespace hyp::rm
