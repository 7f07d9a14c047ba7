// The vGIC's distributor, GICD (IHI 0069H 12.9; see vgic.h for what it presents). With
// affinity routing on, the registers for INTIDs 0..31 (SGIs and PPIs) live in the
// redistributors, so here their blocks read as zero and ignore writes, as do GICD_SGIR,
// ITARGETSR, IGRPMODR, NSACR, CPENDSGIR/SPENDSGIR and the message-based SPI registers.
#include "kernel/virt/vgic/vgic.h"
#include "kernel/virt/vgic/vgic_state.h"

namespace hyp::virt {

using namespace gicv3;

namespace {

// The block of one-bit-per-INTID registers an offset is in, and the INTID of its bit 0:
// IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER, in BitReg order.
constexpr bool in_bit_registers(std::uint32_t offset)
{
    return offset >= gicd_igroupr && offset < gicd_icactiver + bit_block_size;
}
constexpr unsigned bit_block(std::uint32_t offset) { return (offset - gicd_igroupr) / bit_block_size; }
constexpr std::uint32_t bit_first_intid(std::uint32_t offset) { return (offset % bit_block_size) / 4 * 32; }

constexpr bool in_priorities(std::uint32_t offset)
{
    return offset >= gicd_ipriorityr && offset < gicd_ipriorityr + byte_block_size;
}
constexpr bool in_configs(std::uint32_t offset) { return offset >= gicd_icfgr && offset < gicd_icfgr + cfg_block_size; }
constexpr bool in_routers(std::uint32_t offset) { return offset >= gicd_irouter && offset < irouter_end; }

}  // namespace

MmioResult Vgic::Distributor::mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value)
{
    value = offset < distributor_size ? vgic_.dist_read(static_cast<std::uint32_t>(offset), size) : 0;
    return MmioResult::done;
}

MmioResult Vgic::Distributor::mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value)
{
    if (offset < distributor_size) {
        vgic_.dist_write(static_cast<std::uint32_t>(offset), size, value);
    }
    return MmioResult::done;
}

std::uint64_t Vgic::dist_read(std::uint32_t offset, unsigned size)
{
    if (size == 0 || offset % size != 0) {
        return 0;  // unaligned: RAZ
    }
    LockGuard held{lock_};
    if (vcpu_count_ == 0) {
        return 0;
    }
    if (size == 1) {
        return in_priorities(offset) && offset - gicd_ipriorityr >= private_count
                   ? read_priority(held, no_vcpu, offset - gicd_ipriorityr)
                   : 0;  // IPRIORITYR bytes; ITARGETSR RAZ
    }
    if (size == 8) {
        if (!in_routers(offset)) {
            return 0;
        }
        std::uint32_t intid = (offset - gicd_irouter) / 8;
        return intid >= private_count && intid - private_count < spi_count_ ? irouter_[intid - private_count] : 0;
    }
    if (size != 4) {
        return 0;
    }
    switch (offset) {
    case gicd_ctlr: return ctlr_ | ctlr_are | ctlr_ds;
    case gicd_typer:
        // ITLinesNumber: 32 * (N + 1) INTIDs; CPUNumber 0 (ARE); no LPIs, MBIS, ESPI,
        // security extensions or Aff3; 1 of N supported.
        return ((spi_count_ + 31) / 32) << typer_itlines_shift | typer_idbits << typer_idbits_shift;
    case gicd_iidr: return iidr;
    default: break;
    }
    if (in_bit_registers(offset)) {
        std::uint32_t first = bit_first_intid(offset);
        return first < private_count ? 0 : read_bits(held, static_cast<BitReg>(bit_block(offset)), no_vcpu, first);
    }
    if (in_priorities(offset)) {
        std::uint32_t value = 0;
        for (std::uint32_t i = 0; i < 4; ++i) {
            std::uint32_t intid = offset - gicd_ipriorityr + i;
            value |= intid >= private_count ? std::uint32_t{read_priority(held, no_vcpu, intid)} << (8 * i) : 0;
        }
        return value;
    }
    if (in_configs(offset)) {
        std::uint32_t first = (offset - gicd_icfgr) / 4 * 16;
        return first < private_count ? 0 : read_config(held, no_vcpu, first);
    }
    if (in_routers(offset)) {
        std::uint32_t intid = (offset - gicd_irouter) / 8;
        bool valid = intid >= private_count && intid - private_count < spi_count_;
        // The upper half is Aff3 (RES0 without A3V).
        return valid && offset % 8 == 0 ? irouter_[intid - private_count] : 0;
    }
    return id_register(offset);
}

void Vgic::dist_write(std::uint32_t offset, unsigned size, std::uint64_t value)
{
    if (size == 0 || offset % size != 0) {
        return;  // unaligned: WI
    }
    Wakeups wake;
    {
        LockGuard held{lock_};
        if (vcpu_count_ == 0) {
            return;
        }
        auto write_router = [&](std::uint32_t intid, std::uint64_t router) {
            Ref ref = lookup(held, no_vcpu, intid);
            if (intid < private_count || ref.irq == nullptr) {
                return;
            }
            Snapshot before = snapshot(held, ref, context(held));
            irouter_[intid - private_count] = static_cast<std::uint32_t>(router & irouter_bits);
            settle(held, ref, before, wake);  // a pending SPI may now be another vCPU's
        };
        std::uint32_t word = static_cast<std::uint32_t>(value);
        if (size == 1) {
            if (in_priorities(offset) && offset - gicd_ipriorityr >= private_count) {
                write_priority(held, no_vcpu, offset - gicd_ipriorityr, static_cast<std::uint8_t>(value));
            }
        } else if (size == 8) {
            if (in_routers(offset)) {
                write_router((offset - gicd_irouter) / 8, value);
            }
        } else if (size != 4) {
            // WI
        } else if (offset == gicd_ctlr) {
            Context before = context(held);
            ctlr_ = word & (ctlr_enable_grp0 | ctlr_enable_grp1);
            settle_all(held, before, wake);
        } else if (in_bit_registers(offset)) {
            std::uint32_t first = bit_first_intid(offset);
            if (first >= private_count) {
                write_bits(held, static_cast<BitReg>(bit_block(offset)), no_vcpu, first, word, wake);
            }
        } else if (in_priorities(offset)) {
            for (std::uint32_t i = 0; i < 4; ++i) {
                std::uint32_t intid = offset - gicd_ipriorityr + i;
                if (intid >= private_count) {
                    write_priority(held, no_vcpu, intid, static_cast<std::uint8_t>(word >> (8 * i)));
                }
            }
        } else if (in_configs(offset)) {
            std::uint32_t first = (offset - gicd_icfgr) / 4 * 16;
            if (first >= private_count) {
                write_config(held, no_vcpu, first, word, wake);
            }
        } else if (in_routers(offset) && offset % 8 == 0) {
            // The lower half holds all there is (Aff2.Aff1.Aff0 and IRM); the upper is Aff3, WI.
            write_router((offset - gicd_irouter) / 8, word);
        }
    }
    deliver(wake);
}

}  // namespace hyp::virt
