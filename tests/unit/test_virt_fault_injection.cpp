// Fault injection: exact ESR_EL1 values, vector addresses, SPSR_EL1 and the new PSTATE
// for data aborts, instruction aborts and UNDEFINED taken from EL0, EL1t and EL1h; the
// PSTATE rules of exception entry; AArch32 refused.
#include <catch2/catch.hpp>

#include "kernel/virt/fault_injection.h"
#include "test_virt_support.h"

using namespace hyp::virt;
using virt_test::Guest;

namespace {

constexpr std::uint64_t vbar = 0xffff800010010800;
constexpr std::uint64_t el0t = 0x0;
constexpr std::uint64_t el1t = 0x4;
constexpr std::uint64_t el1h = 0x5;
constexpr std::uint64_t daif = 0x3c0;
constexpr std::uint64_t nzcv = 0xf0000000;
constexpr std::uint64_t pan = std::uint64_t{1} << 22;
constexpr std::uint64_t ssbs = std::uint64_t{1} << 12;
constexpr std::uint64_t tco = std::uint64_t{1} << 25;
constexpr std::uint64_t dit = std::uint64_t{1} << 24;
constexpr std::uint64_t span = std::uint64_t{1} << 23;
constexpr std::uint64_t dssbs = std::uint64_t{1} << 44;

El1State el1(std::uint64_t sctlr = span)
{
    El1State s;
    s.vbar = vbar;
    s.sctlr = sctlr;
    return s;
}

GuestFault data_abort(std::uint64_t va, bool write)
{
    GuestFault f;
    f.kind = FaultKind::data_abort;
    f.address = va;
    f.write = write;
    return f;
}

GuestFault instruction_abort(std::uint64_t va)
{
    GuestFault f;
    f.kind = FaultKind::instruction_abort;
    f.address = va;
    return f;
}

}  // namespace

TEST_CASE("a data abort from EL0 is a lower-EL abort at VBAR_EL1 + 0x400", "[virt][inject]")
{
    std::uint64_t pstate = el0t | nzcv;
    Injection in = compute_injection(pstate, 0x400123, data_abort(0x7fff0000, false), el1());
    REQUIRE(in.supported);
    CHECK(in.esr_el1 == 0x92000010);  // EC 0x24, IL, DFSC synchronous external abort
    CHECK(in.elr_el1 == 0x400123);
    CHECK(in.spsr_el1 == pstate);
    CHECK(in.far_el1 == 0x7fff0000);
    CHECK(in.write_far);
    CHECK(in.pc == vbar + 0x400);
    CHECK(in.pstate == (nzcv | daif | el1h));
}

TEST_CASE("a data abort from EL1h is a same-EL abort at VBAR_EL1 + 0x200, with WnR for writes",
          "[virt][inject]")
{
    Injection in = compute_injection(el1h, 0xffff800008001000, data_abort(0xffff000009000000, true), el1());
    REQUIRE(in.supported);
    CHECK(in.esr_el1 == 0x96000050);  // EC 0x25, IL, WnR, DFSC 0x10
    CHECK(in.pc == vbar + 0x200);
    CHECK(in.far_el1 == 0xffff000009000000);
    CHECK(in.spsr_el1 == el1h);
    CHECK(in.pstate == (daif | el1h));
}

TEST_CASE("a data abort from EL1t goes to the SP_EL0 vector at VBAR_EL1 + 0x000", "[virt][inject]")
{
    Injection in = compute_injection(el1t | daif, 0x1000, data_abort(0x2000, false), el1());
    REQUIRE(in.supported);
    CHECK(in.esr_el1 == 0x96000010);
    CHECK(in.pc == vbar);
    CHECK(in.spsr_el1 == (el1t | daif));
    CHECK(in.pstate == (daif | el1h));  // the handler always runs on SP_EL1
}

TEST_CASE("instruction aborts report EC 0x20 from EL0 and 0x21 from EL1", "[virt][inject]")
{
    Injection from_el0 = compute_injection(el0t, 0x400000, instruction_abort(0x400000), el1());
    CHECK(from_el0.esr_el1 == 0x82000010);
    CHECK(from_el0.pc == vbar + 0x400);
    CHECK(from_el0.far_el1 == 0x400000);
    Injection from_el1 = compute_injection(el1h, 0xffff800000000000, instruction_abort(0xffff800000000000), el1());
    CHECK(from_el1.esr_el1 == 0x86000010);
    CHECK(from_el1.pc == vbar + 0x200);
    Injection from_el1t = compute_injection(el1t, 0x8000, instruction_abort(0x8000), el1());
    CHECK(from_el1t.esr_el1 == 0x86000010);
    CHECK(from_el1t.pc == vbar);
}

TEST_CASE("UNDEFINED is EC 0 with IL set and leaves FAR_EL1 alone", "[virt][inject]")
{
    GuestFault undef;
    for (auto [mode, offset] : {std::pair{el0t, 0x400ull}, {el1t, 0x0ull}, {el1h, 0x200ull}}) {
        Injection in = compute_injection(mode, 0x5000, undef, el1());
        REQUIRE(in.supported);
        CHECK(in.esr_el1 == 0x02000000);
        CHECK_FALSE(in.write_far);
        CHECK(in.elr_el1 == 0x5000);  // the handler sees the instruction that trapped
        CHECK(in.pc == vbar + offset);
    }
}

TEST_CASE("an abort whose FAR is not valid reports FnV and does not write FAR_EL1", "[virt][inject]")
{
    GuestFault f = data_abort(0xdead, false);
    f.address_valid = false;
    Injection in = compute_injection(el1h, 0x1000, f, el1());
    CHECK(in.esr_el1 == 0x96000410);
    CHECK_FALSE(in.write_far);
}

TEST_CASE("exception entry keeps NZCV and DIT and clears SS, IL, BTYPE, UAO and ALLINT", "[virt][inject]")
{
    std::uint64_t old = nzcv | dit | el0t | (std::uint64_t{1} << 21) | (std::uint64_t{1} << 20) |
                        (std::uint64_t{3} << 10) | (std::uint64_t{1} << 23) | (std::uint64_t{1} << 13);
    Injection in = compute_injection(old, 0, GuestFault{}, el1());
    CHECK(in.spsr_el1 == old);
    CHECK(in.pstate == (nzcv | dit | daif | el1h));
}

TEST_CASE("PSTATE.PAN is set on entry when SCTLR_EL1.SPAN is 0 and kept otherwise", "[virt][inject]")
{
    El1State no_span = el1(0);
    no_span.features.pan = true;
    CHECK((compute_injection(el0t, 0, GuestFault{}, no_span).pstate & pan) != 0);

    El1State with_span = el1(span);
    with_span.features.pan = true;
    CHECK((compute_injection(el1h, 0, GuestFault{}, with_span).pstate & pan) == 0);
    CHECK((compute_injection(el1h | pan, 0, GuestFault{}, with_span).pstate & pan) != 0);

    // Without FEAT_PAN the bit is RES0, whatever SCTLR_EL1 and the old PSTATE say.
    CHECK((compute_injection(el1h | pan, 0, GuestFault{}, el1(0)).pstate & pan) == 0);
}

TEST_CASE("PSTATE.SSBS comes from SCTLR_EL1.DSSBS and TCO is set, with the features", "[virt][inject]")
{
    El1State s = el1(span | dssbs);
    CHECK((compute_injection(el1h, 0, GuestFault{}, s).pstate & ssbs) == 0);  // no FEAT_SSBS
    s.features.ssbs = true;
    CHECK((compute_injection(el1h, 0, GuestFault{}, s).pstate & ssbs) != 0);
    s.sctlr = span;
    CHECK((compute_injection(el1h | ssbs, 0, GuestFault{}, s).pstate & ssbs) == 0);
    CHECK((compute_injection(el1h, 0, GuestFault{}, s).pstate & tco) == 0);
    s.features.mte = true;
    CHECK((compute_injection(el1h, 0, GuestFault{}, s).pstate & tco) != 0);
}

TEST_CASE("the low 11 bits of VBAR_EL1 do not move the vector", "[virt][inject]")
{
    El1State s = el1();
    s.vbar = 0x80000 | 0x7ff;
    CHECK(compute_injection(el1h, 0, GuestFault{}, s).pc == 0x80200);
}

TEST_CASE("AArch32 and impossible modes are refused with nothing to write", "[virt][inject]")
{
    for (std::uint64_t pstate : {0x10ull, 0x13ull, 0x1full, 0x8ull, 0x9ull, 0x1ull, 0x2ull, 0x6ull, 0xcull}) {
        INFO("pstate " << pstate);
        Injection in = compute_injection(pstate, 0x1000, data_abort(0, false), el1());
        CHECK_FALSE(in.supported);
        Guest g;
        g.pstate = pstate;
        g.pc = 0x1000;
        CHECK_FALSE(inject_fault(g.regs(), data_abort(0, false), el1()).supported);
        CHECK(g.pc == 0x1000);
        CHECK(g.pstate == pstate);
    }
}

TEST_CASE("inject_fault moves the guest to the vector and leaves its registers", "[virt][inject]")
{
    Guest g;
    g.pc = 0x40001234;
    g.pstate = el1h | nzcv;
    g.x[0] = 42;
    Injection in = inject_fault(g.regs(), data_abort(0x9000000, false), el1());
    REQUIRE(in.supported);
    CHECK(g.pc == vbar + 0x200);
    CHECK(g.pstate == (nzcv | daif | el1h));
    CHECK(in.elr_el1 == 0x40001234);
    CHECK(in.spsr_el1 == (el1h | nzcv));
    CHECK(g.x[0] == 42);
}
