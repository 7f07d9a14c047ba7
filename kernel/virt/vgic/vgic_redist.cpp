// The vGIC's redistributors, GICR (IHI 0069H 12.10, 12.11; see vgic.h): one RD_base and one
// SGI_base frame per vCPU, packed in vCPU order. No LPIs: GICR_CTLR, PROPBASER, PENDBASER
// and the LPI registers read as zero and ignore writes.
#include "hyp_api/vcpu_mpidr.h"
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vgic/vgic_state.h"

namespace hyp::virt {

using namespace gicv3;

namespace {

constexpr std::uint64_t bit(unsigned i) { return std::uint64_t{1} << i; }

// SGI_base holds one register of each one-bit-per-INTID kind (for INTIDs 0..31) at the
// start of its block; the rest of each block is for extended PPIs, which there are none of.
constexpr bool is_bit_register(std::uint32_t offset)
{
    return offset >= gicr_igroupr0 && offset <= gicr_icactiver0 && offset % bit_block_size == 0;
}
constexpr bool in_priorities(std::uint32_t offset)
{
    return offset >= gicr_ipriorityr0 && offset < gicr_ipriorityr0 + private_count;
}

// GICR_TYPER.Affinity_Value: Aff3.Aff2.Aff1.Aff0 of the vCPU's MPIDR.
constexpr std::uint64_t affinity_value(unsigned vcpu)
{
    std::uint64_t mpidr = hyp_abi::vcpu_mpidr(vcpu);
    return (mpidr & 0xffffff) | (((mpidr >> 32) & 0xff) << 24);
}

}  // namespace

MmioResult Vgic::Redistributors::mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value)
{
    value = vgic_.redist_read(offset, size);
    return MmioResult::done;
}

MmioResult Vgic::Redistributors::mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value)
{
    vgic_.redist_write(offset, size, value);
    return MmioResult::done;
}

std::uint64_t Vgic::redist_read(std::uint64_t offset, unsigned size)
{
    if (size == 0 || offset % size != 0) {
        return 0;  // unaligned: RAZ
    }
    LockGuard held{lock_};
    if (offset >= std::uint64_t{vcpu_count_} * redistributor_stride) {
        return 0;
    }
    unsigned vcpu = static_cast<unsigned>(offset / redistributor_stride);
    bool sgi = (offset % redistributor_stride) >= sgi_frame;
    std::uint32_t reg = static_cast<std::uint32_t>(offset % frame_size);

    if (!sgi) {
        std::uint64_t typer = (affinity_value(vcpu) << gicr_typer_affinity_shift) |
                              (std::uint64_t{vcpu} << gicr_typer_processor_number_shift) |
                              (vcpu + 1 == vcpu_count_ ? gicr_typer_last : 0);
        if (size == 8) {
            return reg == gicr_typer ? typer : 0;
        }
        if (size != 4) {
            return 0;
        }
        switch (reg) {
        case gicr_iidr: return iidr;
        case gicr_typer: return static_cast<std::uint32_t>(typer);
        case gicr_typer + 4: return static_cast<std::uint32_t>(typer >> 32);
        case gicr_waker: return (awake_ & bit(vcpu)) != 0 ? 0 : waker_processor_sleep | waker_children_asleep;
        default: return id_register(reg);  // CTLR, STATUSR, LPI registers: 0
        }
    }

    if (size == 1) {
        return in_priorities(reg) ? read_priority(held, vcpu, reg - gicr_ipriorityr0) : 0;
    }
    if (size != 4) {
        return 0;
    }
    if (is_bit_register(reg)) {
        return read_bits(held, static_cast<BitReg>((reg - gicr_igroupr0) / bit_block_size), vcpu, 0);
    }
    if (in_priorities(reg)) {
        std::uint32_t value = 0;
        for (std::uint32_t i = 0; i < 4; ++i) {
            value |= std::uint32_t{read_priority(held, vcpu, reg - gicr_ipriorityr0 + i)} << (8 * i);
        }
        return value;
    }
    switch (reg) {
    case gicr_icfgr0: return 0xaaaaaaaa;  // SGIs: edge, read-only
    case gicr_icfgr1: return read_config(held, vcpu, sgi_count);
    default: return 0;  // IGRPMODR0, NSACR and the rest
    }
}

void Vgic::redist_write(std::uint64_t offset, unsigned size, std::uint64_t value)
{
    if (size != 1 && size != 4) {
        return;  // nothing here takes another width (GICR_TYPER is read-only)
    }
    if (offset % size != 0) {
        return;
    }
    Wakeups wake;
    {
        LockGuard held{lock_};
        if (offset >= std::uint64_t{vcpu_count_} * redistributor_stride) {
            return;
        }
        unsigned vcpu = static_cast<unsigned>(offset / redistributor_stride);
        bool sgi = (offset % redistributor_stride) >= sgi_frame;
        std::uint32_t reg = static_cast<std::uint32_t>(offset % frame_size);
        std::uint32_t word = static_cast<std::uint32_t>(value);

        if (!sgi) {
            if (size == 4 && reg == gicr_waker) {
                // ProcessorSleep is stored; ChildrenAsleep follows it at once. Only 1-of-N
                // routing looks at it.
                Context before = context(held);
                if ((word & waker_processor_sleep) != 0) {
                    awake_ &= ~bit(vcpu);
                } else {
                    awake_ |= bit(vcpu);
                }
                if (awake_ != before.awake) {
                    settle_all(held, before, wake);
                }
            }
        } else if (size == 1) {
            if (in_priorities(reg)) {
                write_priority(held, vcpu, reg - gicr_ipriorityr0, static_cast<std::uint8_t>(value));
            }
        } else if (is_bit_register(reg)) {
            write_bits(held, static_cast<BitReg>((reg - gicr_igroupr0) / bit_block_size), vcpu, 0, word, wake);
        } else if (in_priorities(reg)) {
            for (std::uint32_t i = 0; i < 4; ++i) {
                write_priority(held, vcpu, reg - gicr_ipriorityr0 + i, static_cast<std::uint8_t>(word >> (8 * i)));
            }
        } else if (reg == gicr_icfgr1) {
            write_config(held, vcpu, sgi_count, word, wake);
        }
    }
    deliver(wake);
}

}  // namespace hyp::virt
