// The MPIDR each vCPU of a VM reports, by vCPU index: the one convention the resource
// manager (which writes it into the VM's /cpus as each cpu node's `reg`) and the
// hypervisor's virtual PSCI (which maps CPU_ON's target MPIDR back to a vCPU, and sets
// VMPIDR_EL2) must share. Header-only and dependency-free so either side can use it.
//
// Convention: Aff0 = index % 16, Aff1 = index / 16, Aff2 = Aff3 = 0.
//   vCPU 0..15  -> 0x000..0x00f   (Aff0 = index, as QEMU numbers its CPUs)
//   vCPU 16..31 -> 0x100..0x10f, vCPU 17 -> 0x101, ...
// Why 16 per Aff1: a GICv3 SGI names its targets as an Aff0 bitmap of 16 bits within
// one Aff3.Aff2.Aff1 cluster (ICC_SGI1R_EL1.TargetList), so a cluster larger than 16
// could not be reached by one SGI write; Linux's GICv3 driver assumes the same.
// Bit 31 (RES1) and the MT/U bits are the hypervisor's to set in VMPIDR_EL2; the DT
// `reg` holds the affinity fields only.
#pragma once

#include <cstdint>

namespace hyp_abi {

inline constexpr std::uint32_t vcpus_per_aff1 = 16;
// Aff1 is 8 bits: 256 clusters of 16.
inline constexpr std::uint32_t max_vcpu_index_by_mpidr = 256 * vcpus_per_aff1 - 1;

[[nodiscard]] constexpr std::uint64_t vcpu_mpidr(std::uint32_t index)
{
    return (std::uint64_t{index / vcpus_per_aff1} << 8) | (index % vcpus_per_aff1);
}

// The vCPU index an MPIDR's affinity fields name under this convention, or -1 when no
// vCPU has that MPIDR (Aff0 >= 16, Aff2/Aff3 set). Non-affinity bits are ignored.
[[nodiscard]] constexpr std::int64_t vcpu_index_of_mpidr(std::uint64_t mpidr)
{
    std::uint64_t aff0 = mpidr & 0xff;
    std::uint64_t aff1 = (mpidr >> 8) & 0xff;
    std::uint64_t aff2 = (mpidr >> 16) & 0xff;
    std::uint64_t aff3 = (mpidr >> 32) & 0xff;
    if (aff0 >= vcpus_per_aff1 || aff2 != 0 || aff3 != 0) {
        return -1;
    }
    return static_cast<std::int64_t>(aff1 * vcpus_per_aff1 + aff0);
}

static_assert(vcpu_mpidr(0) == 0x0 && vcpu_mpidr(15) == 0xf && vcpu_mpidr(16) == 0x100 && vcpu_mpidr(17) == 0x101);
static_assert(vcpu_index_of_mpidr(vcpu_mpidr(max_vcpu_index_by_mpidr)) == max_vcpu_index_by_mpidr);

}  // namespace hyp_abi
