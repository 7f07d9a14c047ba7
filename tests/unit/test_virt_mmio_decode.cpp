// Data-abort decoding and MMIO completion: every access size and extension, XZR, W
// registers, the syndromes that cannot be emulated, and stepping over the instruction.
#include <catch2/catch.hpp>

#include "kernel/virt/mmio_decode.h"
#include "test_virt_support.h"

using namespace hyp;
using namespace hyp::virt;
using virt_test::Dabt;
using virt_test::Guest;

namespace {

constexpr std::uint64_t uart = 0x09000000;

MmioAccess decode_ok(const Dabt& d, std::uint64_t ipa = uart)
{
    DecodeResult r = decode_data_abort(virt_test::syndrome(d, ipa));
    REQUIRE(r.status == DecodeStatus::emulate);
    return r.access;
}

DecodeStatus status_of(const Dabt& d) { return decode_data_abort(virt_test::syndrome(d, uart)).status; }

}  // namespace

TEST_CASE("a word load from an unmapped IPA decodes to a 4-byte read of its register", "[virt][decode]")
{
    Dabt d;
    d.srt = 3;
    d.sf = false;
    MmioAccess a = decode_ok(d, uart + 0x18);
    CHECK(a.ipa == Ipa{uart + 0x18});
    CHECK(a.size == 4);
    CHECK_FALSE(a.write);
    CHECK(a.reg == 3);
    CHECK_FALSE(a.sign_extend);
    CHECK_FALSE(a.reg64);
}

TEST_CASE("SAS gives access sizes of 1, 2, 4 and 8 bytes", "[virt][decode]")
{
    for (unsigned sas = 0; sas < 4; ++sas) {
        Dabt d;
        d.sas = sas;
        CHECK(decode_ok(d).size == (1u << sas));
    }
}

TEST_CASE("a store decodes as a write of its source register, with AR and SF", "[virt][decode]")
{
    Dabt d;
    d.write = true;
    d.srt = 30;
    d.extra = std::uint64_t{1} << 14;  // AR: STLR
    MmioAccess a = decode_ok(d);
    CHECK(a.write);
    CHECK(a.reg == 30);
    CHECK(a.reg64);
    CHECK(a.acquire_release);
}

TEST_CASE("the IPA is HPFAR_EL2's page with FAR_EL2's page offset, other HPFAR bits ignored", "[virt][decode]")
{
    AbortSyndrome s{Dabt{}.esr(), 0xffff8000deadbabc, 0};
    s.hpfar = (0x000f123456789000ull >> 12) << 4;  // a 52-bit IPA
    s.hpfar |= (std::uint64_t{1} << 63) | 0xf;     // NS and the RES0 bits below FIPA
    CHECK(fault_ipa(s) == Ipa{0x000f123456789abc});
    CHECK(decode_data_abort(s).access.ipa == Ipa{0x000f123456789abc});
}

TEST_CASE("translation faults at every level and access-flag faults can be emulated", "[virt][decode]")
{
    for (std::uint64_t fsc : {0x04, 0x05, 0x06, 0x07, 0x2b, 0x08, 0x09, 0x0a, 0x0b}) {
        Dabt d;
        d.fsc = fsc;
        INFO("fsc " << fsc);
        CHECK(status_of(d) == DecodeStatus::emulate);
    }
}

TEST_CASE("permission, alignment, external and other faults are not MMIO", "[virt][decode]")
{
    for (std::uint64_t fsc : {0x00, 0x03, 0x0c, 0x0d, 0x0f, 0x10, 0x14, 0x18, 0x21, 0x30, 0x29, 0x35}) {
        Dabt d;
        d.fsc = fsc;
        INFO("fsc " << fsc);
        CHECK(status_of(d) == DecodeStatus::not_translation);
    }
}

TEST_CASE("ISV clear cannot be emulated: the instruction is not described", "[virt][decode]")
{
    Dabt d;
    d.isv = false;
    CHECK(status_of(d) == DecodeStatus::no_syndrome);
}

TEST_CASE("a stage-1 table walk through the address is not an access to it", "[virt][decode]")
{
    Dabt d;
    d.extra = std::uint64_t{1} << 7;  // S1PTW
    CHECK(status_of(d) == DecodeStatus::stage1_walk);
    d.extra |= std::uint64_t{1} << 8;  // with CM too: the walk decides
    CHECK(status_of(d) == DecodeStatus::stage1_walk);
}

TEST_CASE("cache maintenance by VA is reported as such, before ISV or FnV matter", "[virt][decode]")
{
    Dabt d;
    d.isv = false;
    d.write = true;
    d.extra = (std::uint64_t{1} << 8) | (std::uint64_t{1} << 10);  // CM, FnV
    CHECK(status_of(d) == DecodeStatus::cache_maintenance);
}

TEST_CASE("without a valid FAR the page offset is unknown", "[virt][decode]")
{
    Dabt d;
    d.extra = std::uint64_t{1} << 10;  // FnV
    CHECK(status_of(d) == DecodeStatus::far_not_valid);
}

TEST_CASE("a VNCR fault is not emulated", "[virt][decode]")
{
    Dabt d;
    d.extra = std::uint64_t{1} << 13;
    CHECK(status_of(d) == DecodeStatus::unsupported);
}

TEST_CASE("other exception classes are not guest data aborts", "[virt][decode]")
{
    for (std::uint64_t ec : {0x25, 0x20, 0x18, 0x16, 0x00}) {
        Dabt d;
        d.ec = ec;
        CHECK(status_of(d) == DecodeStatus::not_data_abort);
    }
}

TEST_CASE("reads complete with the sign and zero extension of each load form", "[virt][decode]")
{
    struct Case {
        const char* insn;
        unsigned size;
        bool sse;
        bool sf;
        std::uint64_t device;
        std::uint64_t expected;
    };
    const Case cases[] = {
        {"ldrb w", 1, false, false, 0xfffffff80, 0x80},
        {"ldrsb w", 1, true, false, 0x80, 0xffffff80},
        {"ldrsb x", 1, true, true, 0x80, 0xffffffffffffff80},
        {"ldrsb x positive", 1, true, true, 0x7f, 0x7f},
        {"ldrh w", 2, false, false, 0x12348765, 0x8765},
        {"ldrsh w", 2, true, false, 0x8765, 0xffff8765},
        {"ldrsh x", 2, true, true, 0x8765, 0xffffffffffff8765},
        {"ldr w", 4, false, false, 0xdead0000cafef00d, 0xcafef00d},
        {"ldrsw x", 4, true, true, 0x80000001, 0xffffffff80000001},
        {"ldrsw x positive", 4, true, true, 0x7fffffff, 0x7fffffff},
        {"ldr x", 8, false, true, 0x8123456789abcdef, 0x8123456789abcdef},
    };
    for (const Case& c : cases) {
        INFO(c.insn);
        Guest g;
        g.x[5] = 0x5555555555555555;
        MmioAccess a;
        a.size = static_cast<std::uint8_t>(c.size);
        a.reg = 5;
        a.sign_extend = c.sse;
        a.reg64 = c.sf;
        complete_mmio_read(g.regs(), a, c.device);
        CHECK(g.x[5] == c.expected);
    }
}

TEST_CASE("a load into a W register clears the top half of the X register", "[virt][decode]")
{
    Guest g;
    g.x[2] = ~std::uint64_t{0};
    MmioAccess a;
    a.size = 1;
    a.reg = 2;
    complete_mmio_read(g.regs(), a, 0x41);
    CHECK(g.x[2] == 0x41);
}

TEST_CASE("a load into XZR is discarded and a store from XZR stores zero", "[virt][decode]")
{
    Guest g;
    for (auto& x : g.x) {
        x = 0x1111;
    }
    MmioAccess a;
    a.size = 8;
    a.reg = 31;
    a.reg64 = true;
    complete_mmio_read(g.regs(), a, 0xabcdef);
    for (auto x : g.x) {
        CHECK(x == 0x1111);
    }
    a.write = true;
    CHECK(mmio_write_value(g.regs(), a) == 0);
}

TEST_CASE("a store's value is its register truncated to the access size", "[virt][decode]")
{
    Guest g;
    g.x[7] = 0x0123456789abcdef;
    MmioAccess a;
    a.write = true;
    a.reg = 7;
    for (auto [size, expected] : {std::pair{1u, 0xefull}, {2u, 0xcdefull}, {4u, 0x89abcdefull},
                                  {8u, 0x0123456789abcdefull}}) {
        a.size = static_cast<std::uint8_t>(size);
        CHECK(mmio_write_value(g.regs(), a) == expected);
    }
}

TEST_CASE("stepping over the access advances PC by 4, or by 2 when IL is clear", "[virt][decode]")
{
    Guest g;
    g.pc = 0x1000;
    Dabt d;
    skip_instruction(g.regs(), d.esr());
    CHECK(g.pc == 0x1004);
    d.il32 = false;
    skip_instruction(g.regs(), d.esr());
    CHECK(g.pc == 0x1006);
}

TEST_CASE("stepping clears PSTATE.BTYPE and PSTATE.SS and keeps the rest", "[virt][decode]")
{
    Guest g;
    const std::uint64_t kept = 0xf0000000 | 0x3c5 | (std::uint64_t{1} << 22);  // NZCV, DAIF, EL1h, PAN
    g.pstate = kept | (std::uint64_t{3} << 10) | (std::uint64_t{1} << 21);
    skip_instruction(g.regs(), Dabt{}.esr());
    CHECK(g.pstate == kept);
}
