// The EL1 stage for self-tests (see el1_stage.h).
#include "tests/selftest/el1_stage.h"

#include <arch/registers.h>
#include <arch/sysreg.h>
#include <arch/tlb.h>

#include "kernel/core/log.h"
#include "kernel/mem/stage2_config.h"

extern "C" char __image_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __image_end[];

// EL1's own vectors: any exception there is reported to EL2 (HVC #0xff01, hvc_el1_fault).
asm(R"(
    .section .text.el1_vectors, "ax"
    .balign 2048
    .global el1_selftest_vectors
el1_selftest_vectors:
    .rept 16
    hvc #0xff01
    b .
    .balign 128
    .endr
)");
extern "C" char el1_selftest_vectors[];

namespace hyp::selftest {
namespace {

PhysAddr pa(const void* p) { return PhysAddr{reinterpret_cast<std::uintptr_t>(p)}; }

bool map_image(mem::Stage2Table& table)
{
    using mem::Stage2Access;
    auto identity = [&](const char* from, const char* to, Stage2Access access) {
        return table.map(Ipa{pa(from).raw()}, pa(from), static_cast<std::uint64_t>(to - from),
                         mem::Stage2Attrs{access, mem::Stage2MemType::normal_wb}).ok();
    };
    return identity(__image_start, __text_end, Stage2Access::rx) &&
           identity(__rodata_start, __rodata_end, Stage2Access::r) &&
           identity(__data_start, __image_end, Stage2Access::rw);
}

}  // namespace

bool El1Stage::enter(const char* tag)
{
    unsigned pa_bits = mem::pa_bits_from_mmfr0(arch::read_id_aa64mmfr0_el1());
    Result<unsigned> ipa_bits = mem::stage2_ipa_bits(pa_bits, 40);
    Result<std::uint64_t> vtcr = mem::stage2_vtcr(ipa_bits.value_or(0), pa_bits, 8);
    if (!ipa_bits || !vtcr || !table_.init(pool_, mem::Stage2Config{*ipa_bits, pa_bits, 1}) || !map_image(table_)) {
        log::error("{}: FAIL: cannot build the stage-2 map of the image", tag);
        return false;
    }
    arch::write_vtcr_el2(*vtcr);
    arch::write_vttbr_el2(table_.vttbr());
    arch::write_sctlr_el1(arch::sctlr_el1::reset_mmu_off);
    arch::write_vbar_el1(vectors());
    saved_hcr_ = arch::read_hcr_el2();
    namespace hcr = arch::hcr;
    arch::write_hcr_el2(arch::hcr_el2::rw | hcr::vm | hcr::dc | hcr::tsc | hcr::imo | hcr::fmo | hcr::amo);
    arch::isb();
    arch::tlb_invalidate_vmid(arch::TlbVm{table_.vttbr()});
    entered_ = true;
    return true;
}

void El1Stage::leave()
{
    if (!entered_) {
        return;
    }
    arch::write_hcr_el2(saved_hcr_);
    arch::write_vttbr_el2(0);
    arch::isb();
    table_.destroy();
    entered_ = false;
}

arch::GuestRegs El1Stage::initial_regs(void (*entry)(), void* stack_top)
{
    arch::GuestRegs regs;
    regs.elr = reinterpret_cast<std::uintptr_t>(entry);
    regs.spsr = arch::spsr::mode_el1h | arch::spsr::d | arch::spsr::a | arch::spsr::i | arch::spsr::f;
    regs.sp_el1 = reinterpret_cast<std::uintptr_t>(stack_top);
    return regs;
}

std::uint64_t El1Stage::vectors() { return reinterpret_cast<std::uintptr_t>(el1_selftest_vectors); }

}  // namespace hyp::selftest
