// Hardware interrupts (Gunyah's hwirq objects): a physical SPI a VM's device driver
// handles. Made at boot, one for every SPI of the physical GIC that the hypervisor does
// not handle itself (its console's), each with a cap in the root cspace that boot info
// hands the resource manager (hwirq_caps, indexed by INTID - 32). No hypercall creates or
// destroys them. The RM binds one to a VM's vic (hwirq_bind_virq): from then on the VM's
// virtual SPI follows the physical one.
//
// How it follows (the physical interrupt is never left for the VM to deactivate: the
// list registers' HW bit is not used, so the hypervisor's own interrupts keep EOImode 0):
//   1. The physical SPI fires; the EL2 handler (hwirq_fired) disables it at the
//      distributor and raises the virtual SPI's line (Vgic::set_level); the end of
//      interrupt follows, and the masked SPI cannot fire again.
//   2. The guest takes the virtual SPI, handles the device and deactivates it. Its list
//      register asks for EOI maintenance (Vgic::set_forwarded), so the deactivation exits
//      to EL2, whose fold drops the virtual line and records the SPI.
//   3. The run loop (Vic::resample_forwarded, hwirq_resampled) enables the physical SPI
//      again. A device still asserting it (level), or an edge that came meanwhile
//      (pending at the distributor), fires it again at once: back to 1.
// The physical SPI keeps the trigger mode distributor bring-up gave it from the device
// tree (platform/dt/discover_triggers.cpp: edge where the tree says so, else level); the
// guest's GICD_ICFGR writes change only the virtual one. Physical SPIs go to the boot CPU.
//
//   boot: made active, masked -> bind: unmasked, forwarded -> unbind: masked again
//
// LOCKING: `lock` guards the binding; taken before the vic's and the vGIC's (bind,
// unbind, fired: as a doorbell's, vic.h), in the EL2 IRQ handler with IRQs masked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/cspace.h"
#include "kernel/object/object.h"
#include "kernel/object/vic.h"

namespace hyp {

class Partition;

class Hwirq final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::hwirq;

    // Never destroyed: made at boot, for the life of the machine.
    explicit Hwirq(std::uint32_t intid) : Object{ObjectType::hwirq, nullptr}, intid_{intid} {}

    [[nodiscard]] std::uint32_t intid() const { return intid_; }
    [[nodiscard]] std::uint32_t bound_virq() const;  // 0 when unbound

    // hwirq_bind_virq: irq_bound if it is bound already; then Vic::bind_source()'s errors.
    // The physical SPI is unmasked once the VM's SPI follows it.
    [[nodiscard]] Status bind(Vic& vic, std::uint64_t virq);
    // hwirq_unbind_virq: irq_unbound if it is not bound. The physical SPI is masked and
    // the virtual line dropped.
    [[nodiscard]] Status unbind();

    mutable SpinLock lock;

private:
    friend void hwirq_fired(std::uint32_t intid);
    friend void hwirq_resampled(std::uint32_t intid, const Vic& vic, std::uint32_t virq);

    VirqSource source_;
    const std::uint32_t intid_;
};

// Boot: makes a Hwirq for each SPI in [32, irq_spi_end()) that the hypervisor does not
// handle itself, from `partition`'s memory (one allocation for all), each with a cap in
// `cspace` (HWIRQ_ALL rights); caps[i] is INTID 32 + i's, GUNYAH_CAP_ID_INVALID where
// there is none, for `capacity` entries. Installs the EL2 handler. Returns how many it
// made. nomem or cspace_full when they do not fit.
[[nodiscard]] Result<std::size_t> create_hwirqs(Partition& partition, CSpace& cspace, std::uint64_t* caps,
                                                std::size_t capacity);

// The EL2 IRQ handler for forwarded SPIs (step 1 above). An SPI nobody bound stays masked.
void hwirq_fired(std::uint32_t intid);
// Step 3: `vic`'s guest finished with virtual `virq`, which physical SPI `intid` drives.
// Unmasks it, if that binding still stands.
void hwirq_resampled(std::uint32_t intid, const Vic& vic, std::uint32_t virq);

}  // namespace hyp
