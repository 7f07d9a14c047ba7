// Stage-2 TLB maintenance: invalidating what CPUs have cached of one VM's stage-2
// translations after its tables change, with the barriers the Arm ARM requires around it.
// The host build has a fake with the same interface (arch/host/include/arch/tlb.h) that
// records the calls; keep the two declarations in step.
#pragma once

#include <cstdint>

#include "support/addr.h"

namespace hyp::arch {

// The VM whose cached translations go: its VTTBR_EL2 value (root | VMID << 48). TLBI
// instructions take the VMID from VTTBR_EL2, so the target loads this for the duration of
// the invalidation; loading the whole register rather than only a VMID keeps a speculative
// walk during that window on the right tables.
struct TlbVm {
    std::uint64_t vttbr = 0;

    [[nodiscard]] constexpr std::uint16_t vmid() const { return static_cast<std::uint16_t>(vttbr >> 48); }
};

// `level` for an entry that was not a leaf (a table descriptor), or not known.
inline constexpr unsigned tlb_level_unknown = 4;

// Invalidates every cached stage-2 entry (leaf and walk cache) for `ipa` and, because
// combined stage-1+2 entries cannot be invalidated by IPA, all of the VM's stage-1
// entries too. `level` is the level of the leaf that changed, a hint for FEAT_TTL.
// Runs: dsb ishst; tlbi ipas2e1is; dsb ish; tlbi vmalle1is; dsb ish; isb.
// Call it after the descriptor was written; on return no CPU uses the old entry.
void tlb_invalidate_ipa(TlbVm vm, Ipa ipa, unsigned level);

// Invalidates everything cached for the VM, both stages (tlbi vmalls12e1is).
void tlb_invalidate_vmid(TlbVm vm);

// Makes descriptor writes visible to every CPU's table walker (dsb ishst): after filling
// in new entries where there were none, which needs no invalidation.
void tlb_publish_tables();

}  // namespace hyp::arch
