// Per-CPU data: one PerCpu per physical CPU, found through TPIDR_EL2.
#pragma once

#include <cstdint>

#include "kernel/core/config.h"

namespace hyp {

struct PerCpu {
    // Read by arch/aarch64/guest_entry.S at the offsets asserted below.
    void* guest_regs = nullptr;      // the lower-EL state guest_run() is running, else null
    std::uint64_t host_sp = 0;       // EL2 stack pointer to go back to when the guest traps
    // Hypercalls the lower-EL vector answered without an exit (arch/fast_hypercall.h).
    std::uint64_t fast_hypercalls = 0;

    std::uint32_t index = 0;  // logical index: 0 is the boot CPU, then device-tree order
    std::uint64_t mpidr = 0;  // affinity fields only
    std::uint32_t online = 0; // set (release) by the CPU itself once it runs the kernel
};
static_assert(__builtin_offsetof(PerCpu, guest_regs) == 0, "guest_entry.S PERCPU_GUEST_REGS");
static_assert(__builtin_offsetof(PerCpu, host_sp) == 8, "guest_entry.S PERCPU_HOST_SP");
static_assert(__builtin_offsetof(PerCpu, fast_hypercalls) == 16, "vectors.S PERCPU_FAST_HYPERCALLS");

inline constexpr std::uint32_t max_cpus = HYP_MAX_CPUS;

[[nodiscard]] PerCpu& per_cpu(std::uint32_t index);

// Points this CPU's TPIDR_EL2 at its PerCpu.
void percpu_install(std::uint32_t index, std::uint64_t mpidr);

// Each CPU's EL2 stack, used from head.S (index * HYP_STACK_SIZE).
extern "C" std::uint8_t cpu_stacks[HYP_MAX_CPUS][HYP_STACK_SIZE];

}  // namespace hyp
