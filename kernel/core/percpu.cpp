// Per-CPU data and stacks (see percpu.h).
#include "kernel/core/percpu.h"

#include <arch/cpu.h>
#include <arch/sysreg.h>

namespace hyp {
namespace {

constinit PerCpu cpus[max_cpus];

}  // namespace

extern "C" {
alignas(16) constinit std::uint8_t cpu_stacks[HYP_MAX_CPUS][HYP_STACK_SIZE];
}

PerCpu& per_cpu(std::uint32_t index) { return cpus[index]; }

void percpu_install(std::uint32_t index, std::uint64_t mpidr)
{
    PerCpu& cpu = cpus[index];
    cpu.index = index;
    cpu.mpidr = mpidr;
    arch::write_tpidr_el2(reinterpret_cast<std::uintptr_t>(&cpu));
}

std::uint32_t arch::current_cpu_index()
{
    auto* cpu = reinterpret_cast<const PerCpu*>(static_cast<std::uintptr_t>(arch::read_tpidr_el2()));
    return cpu == nullptr ? 0 : cpu->index;
}

}  // namespace hyp
