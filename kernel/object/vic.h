// The virtual interrupt controller: Gunyah's vic object (partition_create_vic), one per
// VM, holding that VM's virtual GICv3 (kernel/virt/vgic). The resource manager creates it,
// configures how many vCPUs and SPIs it has (vic_configure), and attaches each vCPU at its
// GIC index (vic_attach_vcpu). When the first attached vCPU is activated, the vGIC's
// distributor and redistributors appear on that vCPU's address space's MMIO bus at the
// platform's GIC addresses (the "default addresses" of vic_configure), and the VM's
// vPL011 interrupt is wired to its SPI.
//
//   create -> init: configure -> activate -> active: vCPUs attach (each in init)
//
// References: each attached vCPU holds one on the vic; the vic keeps plain pointers to its
// vCPUs, which each vCPU takes back when it is destroyed, and one reference on the
// address space whose bus carries its devices.
//
// Virtual interrupt sources (VirqSource, below): a message queue's send or receive side
// or a doorbell, bound to one SPI of a vic and raised as an edge. A bound source holds a
// reference on the vic, so the vic and its vGIC outlive every source bound to them
// (deleting the vic's caps while a queue is bound leaves the vic in place until the queue
// unbinds or is destroyed); the vic only records which SPIs are taken, never a pointer to
// a source, so a source's destruction needs nothing from the vic but unbind_source().
//
// Locking: `lock` (the object lock) is taken after a vCPU's lock (attach, detach) and
// after a source owner's lock (MsgQueue::lock, Doorbell::lock: bind, unbind, and raise,
// whose vGIC calls interrupt_pending), and before the scheduler's; the vGIC's own lock is
// a leaf below it.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vpl011.h"

namespace hyp {

class AddrSpace;
class Vcpu;
class Vic;

// An interrupt output of a kernel object, bound to one SPI of a vic (Vic::bind_source)
// and raised as an edge: each raise() sets the SPI's pending latch, which the vGIC routes
// by GICD_IROUTER like any SPI. Its fields belong to its owner's lock, which is held
// across bind_source, unbind_source and raise(). The owner unbinds it before it goes.
class VirqSource {
public:
    VirqSource() = default;
    VirqSource(const VirqSource&) = delete;
    VirqSource& operator=(const VirqSource&) = delete;

    [[nodiscard]] bool bound() const { return vic_ != nullptr; }
    [[nodiscard]] Vic* vic() const { return vic_; }
    [[nodiscard]] std::uint32_t virq() const { return virq_; }  // its INTID, when bound
    // Sets the bound SPI pending (nothing when unbound); the vCPU it routes to is told.
    void raise();
    // Drives the bound SPI's line instead (a hardware interrupt's, kernel/object/hwirq.h).
    void set_level(bool asserted);
    // How many raise() calls reached a vGIC since the source was made: a statistic for
    // diagnostics and for the tests that pin "one interrupt per edge".
    [[nodiscard]] std::uint64_t raised() const { return __atomic_load_n(&raised_, __ATOMIC_RELAXED); }

private:
    friend class Vic;
    Vic* vic_ = nullptr;  // a reference held while bound
    std::uint32_t virq_ = 0;
    std::uint64_t raised_ = 0;
};

// vic_configure options.
inline constexpr std::uint64_t vic_option_max_msis_valid = 1u << 0;
inline constexpr std::uint64_t vic_option_disable_default_addr = 1u << 1;

class Vic final : public Object, private virt::VgicNotify {
public:
    static constexpr ObjectType object_type = ObjectType::vic;
    static constexpr std::uint64_t max_vcpus = virt::Vgic::max_vcpus;
    static constexpr std::uint64_t max_virqs = virt::Vgic::max_spis;

    explicit Vic(ObjectDestroyer destroyer);
    ~Vic();

    // init only (object_state). arg_inval: 0 or too many vCPUs or virqs (SPIs; rounded
    // up to a multiple of 32), undefined option bits. unimplemented: MSIs (no ITS) and
    // disable_default_addr (no way to place the GIC elsewhere yet).
    [[nodiscard]] Status configure(std::uint64_t vcpus, std::uint64_t virqs, std::uint64_t options,
                                   std::uint64_t max_msis);
    // object_config when not configured; nomem if the platform has no GIC addresses for VMs.
    [[nodiscard]] Status activate();

    // Vcpu::attach_vic, with the vCPU's lock held: records it at GIC index `index`.
    // object_state unless active; arg_inval for an index beyond the configured vCPUs; busy
    // if the index is taken.
    [[nodiscard]] Status add_vcpu(std::uint32_t index, Vcpu& vcpu);
    // Vcpu::activate: puts the vGIC on `as`'s bus the first time; a vCPU of another
    // address space is arg_inval.
    [[nodiscard]] Status vcpu_activated(AddrSpace& as);
    // The vCPU's destructor; returns once no interrupt_pending call uses it any more.
    void remove_vcpu(std::uint32_t index, const Vcpu& vcpu);

    // Binds `source` to SPI `virq` (an INTID, 32 .. 32 + SPIs - 1) with the owner's lock
    // held; the source takes a reference on the vic. In this order: irq_bound if the
    // source is bound already; object_state unless the vic is active; arg_inval for an
    // INTID that is not one of its SPIs (any bits above 31 included); irq_bound if the
    // SPI is another source's, or the vPL011's once it is wired.
    [[nodiscard]] Status bind_source(VirqSource& source, std::uint64_t virq);
    // Unbinds `source` (owner's lock held): irq_unbound if it is not bound. Returns the
    // vic whose reference the source held, for the caller to put() once it has dropped
    // its own lock: that may destroy the vic.
    [[nodiscard]] static Result<Vic*> unbind_source(VirqSource& source);

    // A hardware interrupt's source (kernel/object/hwirq.h): bound as bind_source() binds
    // one (the same errors), and the SPI forwarded from physical SPI `physical`
    // (Vgic::set_forwarded).
    [[nodiscard]] Status bind_hwirq(VirqSource& source, std::uint64_t virq, std::uint32_t physical);
    // Its unbind: the line dropped, forwarding off, then as unbind_source().
    [[nodiscard]] static Result<Vic*> unbind_hwirq(VirqSource& source);
    // After a fold of one of its vCPUs' list registers (the run loop): unmasks the physical
    // interrupts behind the forwarded SPIs the guest has finished with. Cheap when none.
    void resample_forwarded()
    {
        if (vgic_.has_resampled()) {
            resample_forwarded_slow();
        }
    }

    [[nodiscard]] virt::Vgic& vgic() { return vgic_; }
    // Whether vCPU `index` was told of a new interrupt since the last call (which clears
    // it): the run loop refills its list registers before the next entry only then, or
    // when its list registers held something.
    [[nodiscard]] bool take_refill(std::uint32_t index)
    {
        return index < max_vcpus && __atomic_exchange_n(&refill_[index], std::uint8_t{0}, __ATOMIC_ACQUIRE) != 0;
    }
    // For the run loop, handling an exit of vCPU `index` on its CPU, after raising an
    // interrupt for it without notifying it (Vgic::raise_edge's `target_running`): its
    // list registers are refilled before the next entry.
    void request_refill(std::uint32_t index)
    {
        if (index < max_vcpus) {
            __atomic_store_n(&refill_[index], std::uint8_t{1}, __ATOMIC_RELEASE);
        }
    }
    // The virtual timer's PPI as the VM's device tree names it.
    [[nodiscard]] std::uint32_t vtimer_intid() const;

    mutable SpinLock lock;

private:
    // The vPL011's interrupt output, driving its SPI.
    class UartLine final : public virt::IrqLine {
    public:
        explicit UartLine(Vic& vic) : vic_{vic} {}
        void set_level(bool asserted) override;

    private:
        Vic& vic_;
    };

    // VgicNotify: wakes vCPU `index` from WFI, and makes its CPU refill its list registers.
    void interrupt_pending(unsigned index) override;
    void resample_forwarded_slow();

    virt::Vgic vgic_;
    UartLine uart_line_{*this};
    std::uint64_t vcpu_count_ = 0;
    std::uint64_t spi_count_ = 0;
    Vcpu* vcpus_[max_vcpus] = {};
    std::uint8_t refill_[max_vcpus] = {};  // set by interrupt_pending, taken by take_refill
    // interrupt_pending calls still at work on vCPU `index` after dropping `lock` (it tells
    // the vCPU, which may raise an interrupt on another vic): remove_vcpu waits for 0.
    std::uint32_t notifying_[max_vcpus] = {};
    Bitmap<max_virqs> sources_;       // SPIs (INTID - 32) bound to a VirqSource, under `lock`
    AddrSpace* addrspace_ = nullptr;  // a reference held, once the devices are on its bus
    std::uint32_t uart_intid_ = 0;    // the SPI the vPL011 drives, once wired
    // The physical INTID behind each forwarded SPI (INTID - 32), 0 for none: written under
    // `lock` by bind_hwirq / unbind_hwirq, read without it by resample_forwarded.
    std::uint16_t forwarded_physical_[max_virqs] = {};
};

// The *_bind_virq / *_unbind_virq of an object that owns a VirqSource (a message queue's
// side, a doorbell): under the owner's lock, object_state unless the owner is active, then
// Vic::bind_source's or unbind_source's errors. The vic reference an unbind drops is put
// after the owner's lock is released.
template <SelfLocking Owner>
[[nodiscard]] Status bind_owned_source(Owner& owner, VirqSource& source, Vic& vic, std::uint64_t virq)
{
    Locked<Owner> held(owner);
    if (owner.state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    return vic.bind_source(source, virq);
}

template <SelfLocking Owner>
[[nodiscard]] Status unbind_owned_source(Owner& owner, VirqSource& source)
{
    Vic* vic = nullptr;
    {
        Locked<Owner> held(owner);
        if (owner.state() != ObjectState::active) {
            return fail(Error::object_state);
        }
        Result<Vic*> was = Vic::unbind_source(source);
        if (!was) {
            return fail(was.error());
        }
        vic = *was;
    }
    vic->put();
    return success();
}

// For the owner's destructor, when nobody else can reach the source (no lock): unbinds
// it if it is bound.
inline void release_source(VirqSource& source)
{
    if (Result<Vic*> vic = Vic::unbind_source(source); vic) {
        (*vic)->put();
    }
}

}  // namespace hyp
