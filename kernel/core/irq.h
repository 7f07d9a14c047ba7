// The hypervisor's own interrupts: GICv3 bring-up for EL2, and IRQs taken at EL2
// (arch/aarch64/boot/vectors.S -> handle_el2_irq()) dispatched by INTID to handlers
// registered with irq_register(). IRQs stay masked at EL2 (PSTATE.I) except where a
// caller unmasks them with arch::irq_enable(). Target only. docs/boot.md, "Interrupts
// at EL2", lists the INTIDs and priorities.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/platform_info.h"

namespace hyp {

// SGIs the hypervisor reserves for itself (INTIDs 0-15 of the physical GIC).
inline constexpr std::uint32_t sgi_reschedule = 0;  // "call schedule() soon" (kernel/sched)
inline constexpr std::uint32_t sgi_kick = 1;        // wake a CPU from WFI; the handler may do nothing

// GIC priorities (lower is more urgent); the CPU interface's mask lets all of them in.
inline constexpr std::uint8_t irq_priority_timer = 0x80;
inline constexpr std::uint8_t irq_priority_sgi = 0x90;
inline constexpr std::uint8_t irq_priority_guest = 0xa0;  // the virtual timer, GIC maintenance

using IrqHandler = void (*)(std::uint32_t intid);

// Boot CPU, once, with the final EL2 map active: distributor, then this CPU's
// redistributor and CPU interface (irq_init_cpu()). Fatal on failure.
void irq_init_boot(const platform::GicInfo& gic, const platform::TimerInfo& timer, std::uint64_t boot_mpidr);

// Every other CPU, after irq_init_boot(): its redistributor (found by MPIDR), its CPU
// interface, and its EL2 timer stopped. IRQs stay masked. Fatal on failure.
void irq_init_cpu();

// Prints "hyp: GICv3: N redistributors, M CPUs' CPU interfaces up".
void irq_report();

// The EL2 physical timer's PPI (from the device tree).
[[nodiscard]] std::uint32_t irq_timer_intid();
// The EL1 virtual timer's PPI (from the device tree; 0 when it names none) and the GIC's
// maintenance PPI (the device tree's, or 25). Both are enabled on every CPU.
[[nodiscard]] std::uint32_t irq_vtimer_intid();
[[nodiscard]] std::uint32_t irq_maintenance_intid();

// Turns a PPI of this CPU on or off (its priority set at init).
void irq_enable_local(std::uint32_t intid, bool enabled);
// Turns an SPI on, at `priority`, delivered to the boot CPU.
void irq_enable_spi(std::uint32_t intid, std::uint8_t priority);

// Installs `handler` for `intid` on every CPU (SGIs and PPIs are per CPU, the handler
// is shared). Setup code calls it, one CPU at a time. False when the table is full or the INTID is not one we deliver.
bool irq_register(std::uint32_t intid, IrqHandler handler);

// SPIs forwarded to VMs (kernel/object/hwirq.h): every SPI without a handler of its own
// goes to `handler` (set once at boot). The handler masks the SPI before it returns, as
// the end of interrupt follows at once and a level line would fire again.
void irq_set_forwarding_handler(IrqHandler handler);
// Whether the hypervisor handles SPI `intid` itself (irq_register): never forwarded.
[[nodiscard]] bool irq_spi_is_hypervisors(std::uint32_t intid);
// One past the last SPI of the physical GIC.
[[nodiscard]] std::uint32_t irq_spi_end();
// An SPI forwarded to a VM, disabled at the distributor (masked) or enabled again at the
// guests' priority (unmasked), delivered to the boot CPU. The distributor keeps a masked
// SPI pending if its line is high or an edge came.
void irq_mask_spi(std::uint32_t intid);
void irq_unmask_spi(std::uint32_t intid);

// Interrupts acknowledged with no handler registered, since boot.
[[nodiscard]] std::uint64_t irq_unhandled_count();

}  // namespace hyp

// Called from the EL2 IRQ vector with IRQs masked: acknowledge, dispatch, EOI.
extern "C" void handle_el2_irq();
