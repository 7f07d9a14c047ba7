// The portable half of a virtual GICv3 for one VM: the distributor and redistributors a
// guest's irq-gic-v3 driver programs (as MMIO devices), the state of every interrupt, the
// sources that raise them (device lines, edges, SGIs) and the choice of what goes into the
// hardware list registers. No system register is touched here: the arch glue reads and
// writes ICH_LR<n>_EL2, ICH_HCR_EL2 and ICH_VMCR_EL2, traps ICC_SGI1R_EL1 and calls in.
//
// What the guest sees (Arm IHI 0069H):
//   - GICv3 with affinity routing always on (GICD_CTLR.ARE RAO/WI) and one Security state
//     (GICD_CTLR.DS RAO/WI, GICD_TYPER.SecurityExtn 0): GICD_CTLR bit 0 enables Group 0,
//     bit 1 Group 1. No LPIs, no ITS, no extended SPI/PPI ranges, no Aff3 (A3V 0), 1-of-N
//     routing supported (No1N 0), no range selector (RSS 0: vCPU Aff0 is always < 16).
//   - INTIDs: SGIs 0..15 and PPIs 16..31 per vCPU, SPIs 32..32+spi_count-1 per VM.
//     5 priority bits (the low 3 bits of every priority are RAZ/WI).
//   - GICD_IIDR / GICR_IIDR 0x4700043b (gicv3_regs.h); PIDR2 0x30 (ArchRev 3).
//   - Every offset and access width inside the frames is answered (MmioResult::done,
//     never abort): unimplemented registers and unsupported widths read as zero and
//     ignore writes. Widths: 32-bit everywhere, 8-bit also for IPRIORITYR (and the RAZ/WI
//     ITARGETSR), 64-bit for GICD_IROUTER and GICR_TYPER (both also as 32-bit halves).
//   - GICR_WAKER.ProcessorSleep is stored (reset 1) and ChildrenAsleep follows it. It
//     does not gate delivery; it only steers 1-of-N SPIs (below).
//
// Interrupt model (per INTID; SGIs/PPIs per vCPU, SPIs per VM):
//   group (reset Group 1, as KVM's vGICv3), enabled, priority, config (edge or level;
//   SGIs always edge, PPIs and SPIs per ICFGR, reset level), active, a pending latch, and
//   the input line's level. Pending = latch | (config is level & line high).
//   - The latch is set by ISPENDR, raise_edge(), write_sgi1r() and a rising line on an
//     edge-configured interrupt; cleared by ICPENDR and by the guest acknowledging it.
//   - An interrupt is *deliverable* when pending, enabled and its group enabled in
//     GICD_CTLR; the guest can *take* it when it is also not active (an active and
//     pending interrupt is signalled only once deactivated). Priority masking
//     (ICH_VMCR) is the guest's business.
//   - SPI routing: GICD_IROUTER Aff2.Aff1.Aff0 names one vCPU (hyp_api/vcpu_mpidr.h); an
//     affinity that names no vCPU leaves the SPI pending but undelivered. IRM = 1 ("any"):
//     the lowest-numbered vCPU whose redistributor is awake (GICR_WAKER.ProcessorSleep
//     clear), vCPU 0 if none is. An SPI in a vCPU's list registers, or active there, stays
//     with that vCPU until the guest deactivates it; a new IROUTER applies after that.
//
// List registers (list_register.h for the layout). Between a flush() and the next fold()
// for a vCPU, the interrupts flush() returned are "in its LRs": nobody else gets them.
//   - flush() lists, in order: active interrupts first (they must stay visible so the guest
//     can deactivate them, even if disabled meanwhile), then deliverable ones; within each,
//     by priority (lower value first), ties by lower INTID. Up to `lr_count` of them.
//   - The state written: pending if the latch is set (the latch moves into the LR) or, for
//     level interrupts, the line is high; active if active. A level-sensitive interrupt
//     that is active is written as active only, with the EOI bit: when the guest
//     deactivates it, the maintenance interrupt makes the glue fold, and the interrupt is
//     pending again only if its line is still high (or the latch was set again). An edge
//     interrupt that fired again while active is written pending+active.
//   - fold() reads the LRs back: a pending bit still there goes back into the latch; the
//     active bit becomes the interrupt's active state; an LR the guest acknowledged
//     (pending -> active) or deactivated (-> invalid) thus clears pending or active.
//   - MMIO writes to ICPENDR / ISACTIVER / ICACTIVER for an interrupt in some vCPU's LRs
//     take effect on the guest's view at that vCPU's next fold/flush (its next exit);
//     ISPENDR and sources are immediate (a new pend is notified as below).
//
// Notifications (VgicNotify::interrupt_pending(v)): when an interrupt becomes deliverable
// for vCPU v (it was not, or it was pending for another vCPU), or becomes takeable (an
// ICACTIVER write deactivated a pending one); this includes a new pend of an interrupt
// already in v's LRs (an edge that fires again after being listed: the guest may have
// taken the first already, and its LR must become pending+active). A fold() never tells
// the vCPU folded (it refills next), only another vCPU an SPI now goes to. Deduplicated:
// once told, v is not told again until its next flush(), or a has_deliverable(v) that
// answers false. Always called with the vGIC's lock released, possibly from any CPU, and
// possibly while v runs, is about to block, or is blocked: a wake-up must not be lost
// between a false has_deliverable() and the vCPU blocking (that is the kernel's part).
//
// Locking: one spinlock per Vgic, a leaf (nothing else is taken under it). Any CPU may call
// any function concurrently, except that fold() and flush() for vCPU v come only from the
// CPU running v. set_level() may be called with a device's lock held (the vPL011 does).
#pragma once

#include <cstdint>

#include "support/addr.h"
#include "support/bitmap.h"
#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/virt/mmio_bus.h"
#include "kernel/virt/vgic/gicv3_regs.h"

namespace hyp::virt {

struct VgicConfig {
    unsigned vcpu_count = 0;  // 1..64; vCPU i has MPIDR vcpu_mpidr(i) (hyp_api/vcpu_mpidr.h)
    // SPIs (INTID 32..32+spi_count-1): 0..960 in multiples of 32, or 988 (all of 32..1019).
    unsigned spi_count = 0;
    IpaRange distributor{};    // GICD: 64 KiB, 64 KiB aligned
    // GICR: 2 x 64 KiB frames (RD_base, SGI_base) per vCPU, vCPU order, packed; 64 KiB
    // aligned; must not overlap the distributor or wrap.
    Ipa redistributor_base{};
};

// Told when vCPU `index` gains an interrupt it could take (pending, enabled, group enabled):
// the kernel wakes it if it waits in WFI and makes its CPU refill its list registers.
class VgicNotify {
public:
    virtual void interrupt_pending(unsigned vcpu) = 0;

protected:
    ~VgicNotify() = default;
};

class Vgic {
public:
    static constexpr unsigned max_vcpus = 64, max_spis = 988, max_lrs = 16;

    Vgic() : distributor_{*this}, redistributors_{*this} {}
    Vgic(const Vgic&) = delete;
    Vgic& operator=(const Vgic&) = delete;

    // Checks `config` and resets every interrupt and register to its reset state (all
    // interrupts Group 1, disabled, inactive, not pending, priority 0, level but SGIs;
    // IROUTER 0 = vCPU 0; GICD_CTLR 0; every redistributor asleep; nothing in any LR).
    // arg_inval for a bad config, and nothing changes then. May be called again (a VM
    // reset) only while no vCPU of the VM runs. Before a successful init the devices read
    // as zero and ignore writes, and every other call does nothing.
    [[nodiscard]] Status init(const VgicConfig& config, VgicNotify& notify);

    MmioDevice& distributor() { return distributor_; }        // on the VM's MmioBus at distributor_range()
    MmioDevice& redistributors() { return redistributors_; }  // at redistributor_range()
    [[nodiscard]] IpaRange distributor_range() const { return dist_range_; }  // config.distributor
    // [redistributor_base, + vcpu_count * 128 KiB).
    [[nodiscard]] IpaRange redistributor_range() const;
    [[nodiscard]] unsigned vcpu_count() const { return vcpu_count_; }
    [[nodiscard]] unsigned spi_count() const { return spi_count_; }

    // Sources. Out-of-range vCPUs and INTIDs are ignored; `vcpu` is ignored for SPIs.
    // A level-sensitive line (SPIs from devices: the vPL011's IrqLine, later doorbells).
    // On an edge-configured interrupt a rising line sets the latch instead.
    void set_level(unsigned vcpu, std::uint32_t intid, bool level);
    // An edge: sets the pending latch, as a write to ISPENDR would, whatever the config
    // (the virtual timer's PPI as the glue injects it; message-queue SPIs). On a
    // level-configured interrupt the latch lasts until the guest acknowledges it.
    //
    // `target_running`: the caller is handling an exit of vCPU `vcpu` on its own CPU, and
    // refills its list registers before it enters it again (Vic::request_refill): so it
    // is not notified, which would take the scheduler's locks and a reschedule for nothing.
    void raise_edge(unsigned vcpu, std::uint32_t intid, bool target_running = false);
    // A guest's write of ICC_SGI1R_EL1 from vCPU `sender` (IHI 0069H 12.2.22): INTID [27:24];
    // IRM [40] = 1: every vCPU but the sender; else the vCPUs with Aff3 [55:48], Aff2
    // [39:32], Aff1 [23:16] and Aff0 = RS [47:44] * 16 + each bit of TargetList [15:0]
    // (affinities that name no vCPU are skipped). Pends the SGI on each target, which is
    // notified. SGIs of either group are pended (as KVM does with one Security state).
    // What becomes of an SGI the sender sends itself: pended and the sender told (as any
    // target); pended without telling it (`quiet`: raise_edge's `target_running`); or not
    // pended at all (`to_caller`: the run loop lists it itself, pend_into_lrs). Returns
    // whether the sender was among the targets.
    enum class SgiToSender : std::uint8_t { tell, quiet, to_caller };
    bool write_sgi1r(unsigned sender, std::uint64_t value, SgiToSender to_sender = SgiToSender::tell);

    // Around each entry to vCPU `vcpu`: first fold what the guest did to the list registers
    // since the last flush (the values read back from ICH_LR<n>_EL2, n < lr_count, in the
    // order flush() returned them), then flush: choose the interrupts for `lr_count` list
    // registers (ICH_VTR_EL2.ListRegs + 1; more than max_lrs counts as max_lrs) and return
    // their values (list_register.h): lrs[0..used) to ICH_LR0.. in that order, zero (invalid)
    // in the others. more_pending: more interrupts wait for this vCPU than fit (the glue then
    // sets ICH_HCR_EL2.UIE for an underflow maintenance interrupt).
    // Fold as soon as the LRs have been read back after the vCPU stopped (at the latest
    // before the next flush): until then its listed interrupts stay bound to it. A flush()
    // with no fold() since the previous flush() takes the LRs as unchanged, which is right
    // only if the vCPU did not run in between. fold() of fewer LRs than were used takes
    // the rest as unchanged; an LR whose vINTID is not what flush() put there is ignored
    // (taken as unchanged). Both ignore a vCPU index >= vcpu_count.
    void fold(unsigned vcpu, const std::uint64_t* lrs, unsigned lr_count);
    struct Flush {
        std::uint64_t lrs[max_lrs];  // [0, used); the rest is left as it was (not cleared)
        unsigned used;
        bool more_pending;
    };
    [[nodiscard]] Flush flush(unsigned vcpu, unsigned lr_count);
    // The short way for a private interrupt (the virtual timer's PPI) raised for vCPU
    // `vcpu` while this CPU handles its exit with its list registers still as the guest
    // left them: no fold() since the last flush(); `lrs` are those registers read back,
    // `lr_count` of them, as many as that flush used. Pends `intid` and, when that needs
    // no choice among interrupts, lists it at once: in the LR that held it if the guest has
    // finished with it there (invalid, and no register write touched it since), else in the
    // next unused one while fewer than `capacity` are used. `index` is then the LR to write
    // with `value` (the caller writes it; the vGIC's state already says it is listed there).
    // Otherwise (not enabled, still pending or active in the guest, no room) changes nothing
    // and returns no_lr: the caller raises it the usual way and has the LRs folded and
    // refilled. The result is what fold() then flush() would have written to that LR.
    static constexpr unsigned no_lr = ~0u;
    struct LrWrite {
        unsigned index = no_lr;
        std::uint64_t value = 0;
    };
    [[nodiscard]] LrWrite pend_into_lrs(unsigned vcpu, std::uint32_t intid, const std::uint64_t* lrs,
                                        unsigned lr_count, unsigned capacity);
    // Hardware forwarding (kernel/object/hwirq.h): SPI `intid` follows a physical
    // interrupt, which the hypervisor masks while the guest handles the virtual one. Its
    // line is driven by set_level(). flush() lists it with the EOI bit, always, so that the
    // guest's deactivation is seen at once (a maintenance interrupt, then a fold); the fold
    // that finds the guest done with it (listed pending or active, now neither) drops its
    // line and records it for take_resampled(), after which the caller unmasks the
    // physical interrupt: a device still asserting it raises the line again.
    void set_forwarded(std::uint32_t intid, bool forwarded);
    // The forwarded SPIs the guest finished with since the last call: up to `capacity` of
    // them into `intids`, the rest kept for the next call; how many. Cheap when there are
    // none (has_resampled()).
    [[nodiscard]] unsigned take_resampled(std::uint32_t* intids, unsigned capacity);
    [[nodiscard]] bool has_resampled() const { return __atomic_load_n(&resampled_any_, __ATOMIC_ACQUIRE); }

    // For WFI: does vCPU `vcpu` have an interrupt it could take (pending + enabled + group
    // enabled and not active, in its LRs or not)? Priority masking is the guest's
    // (ICH_VMCR) and is not considered. For an interrupt in its LRs this is the state as of
    // the last fold, so fold first. A false answer re-arms notifications for the vCPU.
    [[nodiscard]] bool has_deliverable(unsigned vcpu);

private:
    static constexpr std::uint8_t no_vcpu = 0xff;

    // One interrupt's state. `bound`: for an SPI, the vCPU whose LRs hold it or which has
    // it active (it goes nowhere else meanwhile); for SGIs/PPIs, the owner while in its LRs.
    struct Irq {
        std::uint8_t priority = 0;
        std::uint8_t flags = 0;  // f_*
        std::uint8_t bound = no_vcpu;
        std::uint8_t listing = 0;  // lr_*: while in some vCPU's LRs
    };
    static_assert(sizeof(Irq) == 4, "3,000 of these per VM");
    static constexpr std::uint8_t f_group1 = 1u << 0;
    static constexpr std::uint8_t f_enabled = 1u << 1;
    static constexpr std::uint8_t f_latch = 1u << 2;
    static constexpr std::uint8_t f_line = 1u << 3;
    static constexpr std::uint8_t f_active = 1u << 4;
    static constexpr std::uint8_t f_edge = 1u << 5;
    // The flags of an interrupt flush() may list: active, or pending by latch or line.
    static constexpr std::uint8_t wanting_flags = f_active | f_latch | f_line;
    static constexpr std::uint8_t lr_listed = 1u << 0;        // in the LRs of vCPU `bound`
    static constexpr std::uint8_t lr_wrote_pending = 1u << 1; // flush() wrote it pending
    static constexpr std::uint8_t lr_moved_latch = 1u << 2;   // ... and the latch went into the LR
    static constexpr std::uint8_t lr_clear_pending = 1u << 3; // ICPENDR since: drop the LR's pending
    static constexpr std::uint8_t lr_set_active = 1u << 4;    // ISACTIVER since
    static constexpr std::uint8_t lr_clear_active = 1u << 5;  // ICACTIVER since

    struct Slot {
        std::uint16_t intid;
        std::uint8_t state;  // the LR state flush() wrote, >> lr::state_shift
    };
    struct Cpu {
        alignas(8) Irq irqs[gicv3::private_count];  // read two at a time by flush()
        Slot slots[max_lrs];
        unsigned used = 0;  // slots filled by the last flush, not folded yet
    };

    // An interrupt and where it lives: `owner` is the vCPU for an SGI/PPI, no_vcpu for an SPI.
    struct Ref {
        Irq* irq;
        std::uint32_t intid;
        unsigned owner;
    };
    // What decides notifications, under a given GICD_CTLR and set of awake vCPUs.
    struct Context {
        std::uint32_t ctlr;
        std::uint64_t awake;
    };
    struct Snapshot {
        bool deliverable;  // pending, enabled, group enabled: it would be listed pending
        bool takeable;     // ... and not active: the guest could take it now
        unsigned target;
    };
    // vCPUs to notify once the lock is released.
    struct Wakeups {
        std::uint64_t mask = 0;
    };

    class Distributor final : public MmioDevice {
    public:
        explicit Distributor(Vgic& vgic) : vgic_{vgic} {}
        [[nodiscard]] MmioResult mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value) override;
        [[nodiscard]] MmioResult mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value) override;

    private:
        Vgic& vgic_;
    };
    class Redistributors final : public MmioDevice {
    public:
        explicit Redistributors(Vgic& vgic) : vgic_{vgic} {}
        [[nodiscard]] MmioResult mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value) override;
        [[nodiscard]] MmioResult mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value) override;

    private:
        Vgic& vgic_;
    };

    // The kinds of one-bit-per-INTID registers, in their order in the frames.
    enum class BitReg : std::uint8_t {
        group,
        set_enable,
        clear_enable,
        set_pending,
        clear_pending,
        set_active,
        clear_active,
    };

    // vgic.cpp: state, sources, notifications.
    [[nodiscard]] Ref lookup(const LockGuard& held, unsigned owner, std::uint32_t intid);
    [[nodiscard]] Context context(const LockGuard& held) const;
    [[nodiscard]] unsigned route(const LockGuard& held, std::uint32_t spi, std::uint64_t awake) const;
    [[nodiscard]] unsigned target(const LockGuard& held, const Ref& ref, std::uint64_t awake) const;
    [[nodiscard]] Snapshot snapshot(const LockGuard& held, const Ref& ref, const Context& ctx) const;
    // Pending outside any list register: the latch, or a high line on a level interrupt.
    [[nodiscard]] static bool pending_now(const Irq& irq);
    [[nodiscard]] static bool group_enabled(const Irq& irq, std::uint32_t ctlr);
    [[nodiscard]] static bool deliverable(const Irq& irq, std::uint32_t ctlr);
    // Whether going from `before` to `after` is worth telling `after.target` about.
    [[nodiscard]] static bool is_news(const Snapshot& before, const Snapshot& after);
    // After `ref` changed from `before`: keeps the SPI live set, and queues a notification
    // for the target if the interrupt became deliverable there (unless it is `except`).
    void settle(const LockGuard& held, const Ref& ref, const Snapshot& before, Wakeups& wake,
                unsigned except = no_vcpu);
    // Queues a notification for `vcpu` unless it was told since its last flush.
    void tell(const LockGuard& held, unsigned vcpu, Wakeups& wake);
    // After a change to GICD_CTLR or to the awake vCPUs, from `before`.
    void settle_all(const LockGuard& held, const Context& before, Wakeups& wake);
    void deliver(const Wakeups& wake);
    void pend(const LockGuard& held, unsigned owner, std::uint32_t intid, Wakeups& wake, unsigned except = no_vcpu);
    [[nodiscard]] bool pending_seen(const Irq& irq) const;

    // vgic_lr.cpp: list registers.
    void unlist(const LockGuard& held, unsigned vcpu, const std::uint64_t* lrs, unsigned lr_count, Wakeups& wake);

    // vgic_regs.cpp: registers shared by the distributor and the redistributors.
    [[nodiscard]] std::uint32_t read_bits(const LockGuard& held, BitReg reg, unsigned owner, std::uint32_t first);
    void write_bits(const LockGuard& held, BitReg reg, unsigned owner, std::uint32_t first, std::uint32_t value,
                    Wakeups& wake);
    [[nodiscard]] std::uint8_t read_priority(const LockGuard& held, unsigned owner, std::uint32_t intid);
    void write_priority(const LockGuard& held, unsigned owner, std::uint32_t intid, std::uint8_t value);
    [[nodiscard]] std::uint32_t read_config(const LockGuard& held, unsigned owner, std::uint32_t first);
    void write_config(const LockGuard& held, unsigned owner, std::uint32_t first, std::uint32_t value, Wakeups& wake);

    // vgic_dist.cpp / vgic_redist.cpp.
    [[nodiscard]] std::uint64_t dist_read(std::uint32_t offset, unsigned size);
    void dist_write(std::uint32_t offset, unsigned size, std::uint64_t value);
    [[nodiscard]] std::uint64_t redist_read(std::uint64_t offset, unsigned size);
    void redist_write(std::uint64_t offset, unsigned size, std::uint64_t value);

    Distributor distributor_;
    Redistributors redistributors_;

    SpinLock lock_;
    VgicNotify* notify_ = nullptr;
    unsigned vcpu_count_ = 0;  // 0 until init
    unsigned spi_count_ = 0;
    IpaRange dist_range_{};
    Ipa redist_base_{};
    std::uint32_t ctlr_ = 0;        // GICD_CTLR EnableGrp0 | EnableGrp1
    std::uint64_t awake_ = 0;       // vCPUs with GICR_WAKER.ProcessorSleep clear
    std::uint64_t notified_ = 0;    // told since their last flush (or has_deliverable false)
    Cpu cpus_[max_vcpus];
    Irq spis_[max_spis];
    std::uint32_t irouter_[max_spis] = {};
    Bitmap<max_spis> spi_live_;     // SPIs pending, active, or bound: the ones flush looks at
    Bitmap<max_spis> forwarded_;    // SPIs a physical interrupt drives (set_forwarded)
    Bitmap<max_spis> resampled_;    // forwarded SPIs the guest finished with: take_resampled()
    bool resampled_any_ = false;    // resampled_ has a bit set (read without the lock)
};

}  // namespace hyp::virt
