// Bringing up the secondary CPUs at cold boot.
#pragma once

#include <cstddef>

#include "platform/platform_info.h"

namespace hyp {

struct SmpReport {
    std::size_t online = 0;  // including the boot CPU
    std::size_t found = 0;   // CPU nodes in the device tree
};

// Starts every CPU the device tree lists, other than the boot CPU, through PSCI CPU_ON
// and waits (bounded) for each to check in. Failures are logged, never waited on forever.
[[nodiscard]] SmpReport start_secondary_cpus(const platform::PlatformInfo& info, std::uint64_t boot_mpidr);

// The secondaries wait, idle, until this is called; then each enters the vCPU run loop
// (kernel/virt/vcpu_run.h). Once, after the run loop is initialised.
void release_secondary_cpus();

}  // namespace hyp
