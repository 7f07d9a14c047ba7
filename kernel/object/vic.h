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
// Locking: `lock` (the object lock) is taken after a vCPU's lock (attach, detach) and
// before the scheduler's; the vGIC's own lock is a leaf below it.
#pragma once

#include <cstdint>

#include "kernel/core/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vpl011.h"

namespace hyp {

class AddrSpace;
class Vcpu;

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
    // The vCPU's destructor.
    void remove_vcpu(std::uint32_t index, const Vcpu& vcpu);

    [[nodiscard]] virt::Vgic& vgic() { return vgic_; }
    // Whether vCPU `index` was told of a new interrupt since the last call (which clears
    // it): the run loop refills its list registers before the next entry only then, or
    // when its list registers held something.
    [[nodiscard]] bool take_refill(std::uint32_t index)
    {
        return index < max_vcpus && __atomic_exchange_n(&refill_[index], std::uint8_t{0}, __ATOMIC_ACQUIRE) != 0;
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

    virt::Vgic vgic_;
    UartLine uart_line_{*this};
    std::uint64_t vcpu_count_ = 0;
    std::uint64_t spi_count_ = 0;
    Vcpu* vcpus_[max_vcpus] = {};
    std::uint8_t refill_[max_vcpus] = {};  // set by interrupt_pending, taken by take_refill
    AddrSpace* addrspace_ = nullptr;  // a reference held, once the devices are on its bus
    std::uint32_t uart_intid_ = 0;    // the SPI the vPL011 drives, once wired
};

}  // namespace hyp
