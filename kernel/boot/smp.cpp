// Secondary CPU bring-up (see smp.h). Each secondary enters head.S's secondary_entry
// with its logical index in x0, turns its MMU on with the boot CPU's tables and checks
// in through its PerCpu.online flag.
#include "kernel/boot/smp.h"

#include <arch/gic_cpu.h>
#include <arch/mmu.h>
#include <arch/psci.h>
#include <arch/registers.h>
#include <arch/sysreg.h>
#include <arch/timer.h>

#include "kernel/core/irq.h"
#include "kernel/core/log.h"
#include "kernel/core/percpu.h"
#include "kernel/virt/vcpu_run.h"

extern "C" void secondary_entry();

namespace hyp {
namespace {

// How long a started CPU gets to reach the kernel. Generous: under QEMU's TCG a CPU
// may not be scheduled for a while when there are more vCPUs than host cores.
constexpr std::uint64_t checkin_timeout_ms = 5000;

constinit std::uint32_t released = 0;

bool is_online(std::uint32_t index) { return __atomic_load_n(&per_cpu(index).online, __ATOMIC_ACQUIRE) != 0; }

}  // namespace

SmpReport start_secondary_cpus(const platform::PlatformInfo& info, std::uint64_t boot_mpidr)
{
    SmpReport report;
    report.found = info.cpu_nodes_found;
    report.online = 1;

    bool boot_cpu_listed = false;
    std::uint32_t started[max_cpus] = {};
    std::uint32_t started_count = 0;
    std::uint32_t next_index = 1;
    for (std::size_t i = 0; i < info.cpu_count; ++i) {
        std::uint64_t mpidr = info.cpus[i].mpidr;
        if (mpidr == boot_mpidr) {
            boot_cpu_listed = true;
            continue;
        }
        if (next_index >= max_cpus) {
            log::warn("cpu mpidr {:#x} not started: this build supports {} cpus", mpidr, max_cpus);
            continue;
        }
        std::uint32_t index = next_index++;
        per_cpu(index).mpidr = mpidr;
        std::int64_t rc = arch::psci::cpu_on(mpidr, reinterpret_cast<std::uintptr_t>(&secondary_entry), index);
        if (rc != 0) {
            log::warn("cpu {} (mpidr {:#x}) failed to start: PSCI CPU_ON returned {} ({})", index, mpidr, rc,
                      arch::psci::return_code_name(rc));
            continue;
        }
        started[started_count++] = index;
    }
    if (!boot_cpu_listed) {
        log::warn("the boot cpu (mpidr {:#x}) is not in the device tree", boot_mpidr);
    }

    std::uint64_t frequency = arch::counter_frequency();
    std::uint64_t deadline = arch::counter() + frequency * checkin_timeout_ms / 1000;
    for (std::uint32_t n = 0; n < started_count; ++n) {
        std::uint32_t index = started[n];
        while (!is_online(index) && arch::counter() < deadline) {
        }
        if (is_online(index)) {
            ++report.online;
        } else {
            log::warn("cpu {} (mpidr {:#x}) did not come online within {} ms", index, per_cpu(index).mpidr,
                      checkin_timeout_ms);
        }
    }
    return report;
}

extern "C" [[noreturn]] void cold_boot_secondary(std::uint32_t index)
{
    percpu_install(index, arch::read_mpidr_el1() & arch::mpidr::affinity_mask);
    irq_init_cpu();  // redistributor and GIC CPU interface, before we count as online
    __atomic_store_n(&per_cpu(index).online, 1, __ATOMIC_RELEASE);
    // Idle with IRQs open, so that SGIs reach this CPU, until the run loop may start.
    arch::irq_enable();
    while (__atomic_load_n(&released, __ATOMIC_ACQUIRE) == 0) {
        arch::wfi();
    }
    arch::irq_disable();
    virt::run_vcpus();
}

void release_secondary_cpus()
{
    __atomic_store_n(&released, 1, __ATOMIC_RELEASE);
    arch::gic_cpu::send_sgi_to_others(sgi_kick);  // out of their WFI
}

}  // namespace hyp
