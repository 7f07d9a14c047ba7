// Stage-2 TLB invalidation on AArch64 (see arch/tlb.h).
//
// The sequence for a stage-2 change by IPA, from the Arm ARM's TLB maintenance examples:
//     (descriptor store)
//     DSB ISHST          the store reaches the point where every walker sees it
//     TLBI IPAS2E1IS     drop stage-2-only entries for the IPA, on every CPU
//     DSB ISH            ... and wait for that, so that no walk can refill a combined
//                        entry from the stale stage-2 entry after the next step
//     TLBI VMALLE1IS     drop combined stage-1+2 entries: they are tagged by VA, not IPA,
//                        so all of the VM's go
//     DSB ISH            wait for completion on every CPU
//     ISB                this CPU's later instructions see the result
// Both TLBIs act on the VMID in VTTBR_EL2, so the target VM's VTTBR is loaded around them
// (the EL2 kernel runs with some VM's VTTBR, not necessarily this one's).
//
// Callers hold the lock of the address space being changed and run at EL2 with no vCPU of
// this CPU in flight, so nothing enters a guest while VTTBR_EL2 is borrowed.
#include <arch/tlb.h>

#include <arch/sysreg.h>

namespace hyp::arch {

namespace {

// TLBI by-IPA operand: IPA[47:12] in bits 35:0, and with FEAT_TTL a level hint in 47:44
// (TTL[3:2] = granule, 0b01 for 4 KiB; TTL[1:0] = level of the leaf).
constexpr unsigned tlbi_ipa_shift = 12;
constexpr std::uint64_t tlbi_ipa_mask = (std::uint64_t{1} << 36) - 1;
constexpr unsigned tlbi_ttl_shift = 44;
constexpr std::uint64_t ttl_granule_4k = 0b01 << 2;
constexpr unsigned max_leaf_level = 3;

// ID_AA64MMFR2_EL1.TTL, bits 51:48: non-zero when TLBI by address takes a level hint.
// Without FEAT_TTL bits 47:44 of the operand are RES0, so the hint must not be sent.
constexpr unsigned mmfr2_ttl_shift = 48;
constexpr std::uint64_t mmfr2_ttl_mask = 0xf;

bool has_ttl()
{
    std::uint64_t mmfr2;
    asm volatile("mrs %0, id_aa64mmfr2_el1" : "=r"(mmfr2));
    return ((mmfr2 >> mmfr2_ttl_shift) & mmfr2_ttl_mask) != 0;
}

// Loads a VM's VTTBR_EL2 for the lifetime of the scope and puts the previous one back.
class BorrowVttbr {
public:
    explicit BorrowVttbr(std::uint64_t vttbr) : saved_{read_vttbr_el2()}, switched_{saved_ != vttbr}
    {
        if (switched_) {
            write_vttbr_el2(vttbr);
            isb();  // the TLBIs below must see the new VMID
        }
    }
    ~BorrowVttbr()
    {
        if (switched_) {
            write_vttbr_el2(saved_);
            isb();
        }
    }
    BorrowVttbr(const BorrowVttbr&) = delete;
    BorrowVttbr& operator=(const BorrowVttbr&) = delete;

private:
    std::uint64_t saved_;
    bool switched_;
};

}  // namespace

void tlb_invalidate_ipa(TlbVm vm, Ipa ipa, unsigned level)
{
    std::uint64_t operand = (ipa.raw() >> tlbi_ipa_shift) & tlbi_ipa_mask;
    if (level <= max_leaf_level && has_ttl()) {
        operand |= (ttl_granule_4k | level) << tlbi_ttl_shift;
    }
    dsb_ishst();
    BorrowVttbr borrow{vm.vttbr};
    asm volatile("tlbi ipas2e1is, %0" : : "r"(operand) : "memory");
    dsb_ish();
    asm volatile("tlbi vmalle1is" : : : "memory");
    dsb_ish();
    isb();
}

void tlb_invalidate_vmid(TlbVm vm)
{
    dsb_ishst();
    BorrowVttbr borrow{vm.vttbr};
    asm volatile("tlbi vmalls12e1is" : : : "memory");
    dsb_ish();
    isb();
}

void tlb_publish_tables() { dsb_ishst(); }

}  // namespace hyp::arch
