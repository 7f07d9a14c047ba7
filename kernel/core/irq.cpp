// IRQs at EL2 and the GICv3 bring-up around them (see irq.h).
#include "kernel/core/irq.h"

#include <arch/el2_timer.h>
#include <arch/gic_cpu.h>
#include <arch/psci.h>
#include <arch/registers.h>
#include <arch/sysreg.h>

#include "kernel/core/log.h"
#include "platform/drivers/gicv3.h"

namespace hyp {
namespace {

constexpr std::size_t max_handlers = 16;
constexpr std::uint32_t max_intid = 1019;

struct Slot {
    std::uint32_t intid;
    IrqHandler handler;  // null: free
};

constinit Slot slots[max_handlers] = {};
constinit std::uint32_t timer_intid = 0;
constinit std::uint32_t vtimer_intid = 0;
constinit std::uint32_t maintenance_intid = 0;
// The GICv3 spec's recommended PPI for the virtual CPU interface's maintenance interrupt
// (SBSA: INTID 25), for a device tree that does not name one.
constexpr std::uint32_t default_maintenance_intid = 25;
constinit std::uint32_t cpus_up = 0;
constinit std::uint64_t unhandled = 0;
constinit IrqHandler forwarding_handler = nullptr;

[[noreturn]] void fatal(const char* what, std::uint64_t mpidr)
{
    log::error("hyp: fatal: GICv3: {} (cpu mpidr {:#x}); powering off", what, mpidr);
    arch::psci::system_off();
}

IrqHandler find(std::uint32_t intid)
{
    for (const Slot& slot : slots) {
        IrqHandler handler = __atomic_load_n(&slot.handler, __ATOMIC_ACQUIRE);
        if (handler != nullptr && slot.intid == intid) {
            return handler;
        }
    }
    return nullptr;
}

}  // namespace

void irq_init_boot(const platform::GicInfo& gic, const platform::TimerInfo& timer, std::uint64_t boot_mpidr)
{
    if (timer.hyp_phys_intid < 16 || timer.hyp_phys_intid > 31) {
        log::error("hyp: fatal: the device tree gives no EL2 physical timer PPI (got INTID {}); powering off",
                   timer.hyp_phys_intid);
        arch::psci::system_off();
    }
    timer_intid = timer.hyp_phys_intid;
    vtimer_intid = timer.virt_intid >= 16 && timer.virt_intid < 32 ? timer.virt_intid : 0;
    maintenance_intid = gic.maintenance_intid >= 16 && gic.maintenance_intid < 32 ? gic.maintenance_intid
                                                                                   : default_maintenance_intid;
    if (const char* error = platform::gicv3::distributor_init(gic, boot_mpidr)) {
        fatal(error, boot_mpidr);
    }
    irq_init_cpu();
}

void irq_init_cpu()
{
    std::uint64_t mpidr = arch::read_mpidr_el1() & arch::mpidr::affinity_mask;
    arch::irq_disable();
    arch::el2_timer::stop();  // CNTHP_CTL_EL2.ENABLE resets to an UNKNOWN value
    // Physical IRQs to EL2: without HCR_EL2.IMO they target EL1 and stay masked while
    // we run at EL2. (Code that runs a guest sets its own HCR_EL2 and restores ours.)
    arch::write_hcr_el2(arch::read_hcr_el2() | arch::hcr::imo);
    arch::isb();

    // The virtual CPU interface's maintenance interrupt too (it fires only while a vCPU
    // with a virtual GIC runs), and the EL1 virtual timer's PPI at its priority but off:
    // the run loop turns it on while a vCPU whose virtual GIC takes it is loaded.
    const platform::gicv3::PrivateIrq irqs[] = {
        {sgi_reschedule, irq_priority_sgi},
        {sgi_kick, irq_priority_sgi},
        {timer_intid, irq_priority_timer},
        {maintenance_intid, irq_priority_guest},
        {vtimer_intid, irq_priority_guest},
    };
    std::size_t count = sizeof irqs / sizeof irqs[0];
    if (vtimer_intid == 0) {
        --count;  // no virtual timer PPI in the device tree
    }
    if (const char* error = platform::gicv3::redistributor_init(mpidr, irqs, count)) {
        fatal(error, mpidr);
    }
    if (vtimer_intid != 0) {
        platform::gicv3::enable_private(vtimer_intid, false);
    }
    if (!arch::gic_cpu::init()) {
        fatal("the CPU interface has no system-register access (ICC_SRE_EL2.SRE stays 0)", mpidr);
    }
    __atomic_fetch_add(&cpus_up, 1, __ATOMIC_ACQ_REL);
}

void irq_report()
{
    log::info("hyp: GICv3: {} redistributors, {} CPUs' CPU interfaces up; EL2 timer PPI {}",
              platform::gicv3::redistributor_count(), __atomic_load_n(&cpus_up, __ATOMIC_ACQUIRE), timer_intid);
}

std::uint32_t irq_timer_intid() { return timer_intid; }

std::uint32_t irq_vtimer_intid() { return vtimer_intid; }

std::uint32_t irq_maintenance_intid() { return maintenance_intid; }

void irq_enable_local(std::uint32_t intid, bool enabled) { platform::gicv3::enable_private(intid, enabled); }

void irq_enable_spi(std::uint32_t intid, std::uint8_t priority) { platform::gicv3::enable_spi(intid, priority); }

bool irq_register(std::uint32_t intid, IrqHandler handler)
{
    if (intid > max_intid || handler == nullptr) {
        return false;
    }
    for (Slot& slot : slots) {
        IrqHandler current = __atomic_load_n(&slot.handler, __ATOMIC_ACQUIRE);
        if (current != nullptr && slot.intid == intid) {
            __atomic_store_n(&slot.handler, handler, __ATOMIC_RELEASE);
            return true;
        }
    }
    for (Slot& slot : slots) {
        if (__atomic_load_n(&slot.handler, __ATOMIC_ACQUIRE) == nullptr) {
            slot.intid = intid;  // before the handler is published
            __atomic_store_n(&slot.handler, handler, __ATOMIC_RELEASE);
            return true;
        }
    }
    return false;
}

std::uint64_t irq_unhandled_count() { return __atomic_load_n(&unhandled, __ATOMIC_RELAXED); }

void irq_set_forwarding_handler(IrqHandler handler) { __atomic_store_n(&forwarding_handler, handler, __ATOMIC_RELEASE); }

bool irq_spi_is_hypervisors(std::uint32_t intid) { return find(intid) != nullptr; }

std::uint32_t irq_spi_end() { return platform::gicv3::spi_end(); }

void irq_mask_spi(std::uint32_t intid) { platform::gicv3::disable_spi(intid); }

void irq_unmask_spi(std::uint32_t intid) { platform::gicv3::enable_spi(intid, irq_priority_guest); }

}  // namespace hyp

extern "C" void handle_el2_irq()
{
    using namespace hyp;
    for (;;) {
        std::uint32_t intid = arch::gic_cpu::acknowledge();
        if (intid >= arch::gic_cpu::icc_iar::spurious_first && intid <= arch::gic_cpu::icc_iar::spurious_last) {
            return;
        }
        if (IrqHandler handler = find(intid)) {
            handler(intid);
        } else if (IrqHandler forward = __atomic_load_n(&forwarding_handler, __ATOMIC_ACQUIRE);
                   forward != nullptr && intid >= 32 && intid <= max_intid) {
            forward(intid);
        } else {
            __atomic_fetch_add(&unhandled, 1, __ATOMIC_RELAXED);
            if (intid == timer_intid) {
                arch::el2_timer::stop();  // level-triggered: it would fire again at once
            }
            log::warn("hyp: IRQ {} on cpu mpidr {:#x} has no handler", intid,
                      arch::read_mpidr_el1() & arch::mpidr::affinity_mask);
        }
        arch::gic_cpu::end_of_interrupt(intid);
    }
}
