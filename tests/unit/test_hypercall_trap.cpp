// The hypercall trap: HVC #0 and trapped SMC #0 are SMCCC calls, HVC #0x6nnn native
// calls; results land in x0..x3, and a trapped SMC returns past itself.
#include <catch2/catch.hpp>

#include "hyp_api/gunyah_hypercalls.h"
#include "kernel/hypercall/trap.h"

using namespace hyp;
using namespace hyp::hypercall;

namespace {

std::uint64_t esr(std::uint64_t ec, std::uint64_t imm) { return (ec << 26) | (1ull << 25) | imm; }

struct Regs {
    std::uint64_t x[31] = {};
    std::uint64_t elr = 0x1000;
    TrapFrame frame() { return TrapFrame{x, &elr}; }
};

}  // namespace

TEST_CASE("HVC #0 is an SMCCC call and returns to the next instruction unchanged")
{
    Caller caller;
    Regs r;
    r.x[0] = GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY);
    r.x[5] = 55;
    REQUIRE(handle_hypercall_trap(caller, esr(esr_ec_hvc64, 0), r.frame()) == TrapResult::handled);
    CHECK(GUNYAH_API_INFO_VERSION_OF(r.x[0]) == 1);
    CHECK(r.x[5] == 55);  // beyond the results, registers are the caller's
    CHECK(r.elr == 0x1000);
}

TEST_CASE("a trapped SMC #0 is an SMCCC call and returns past the SMC")
{
    Caller caller;
    Regs r;
    r.x[0] = GUNYAH_SMCCC_VENDOR_HYP_CALL_UID;
    REQUIRE(handle_hypercall_trap(caller, esr(esr_ec_smc64, 0), r.frame()) == TrapResult::handled);
    CHECK(r.x[0] == GUNYAH_UID_X0);
    CHECK(r.x[3] == GUNYAH_UID_X3);
    CHECK(r.elr == 0x1004);
}

TEST_CASE("HVC #0x6000+n is the native form, arguments from x0")
{
    Caller caller;
    Regs r;
    r.x[0] = 0xdead;  // native form: x0 is the first argument, not a function id
    REQUIRE(handle_hypercall_trap(caller, esr(esr_ec_hvc64, GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_HYP_IDENTIFY)), r.frame()) ==
            TrapResult::handled);
    CHECK(GUNYAH_API_INFO_VERSION_OF(r.x[0]) == 1);
}

TEST_CASE("other immediates and SMC immediates are not supported, and other classes are not ours")
{
    Caller caller;
    Regs r;
    REQUIRE(handle_hypercall_trap(caller, esr(esr_ec_hvc64, 0x1234), r.frame()) == TrapResult::handled);
    CHECK(r.x[0] == ~std::uint64_t{0});
    REQUIRE(handle_hypercall_trap(caller, esr(esr_ec_smc64, 0x6000), r.frame()) == TrapResult::handled);
    CHECK(r.x[0] == ~std::uint64_t{0});
    CHECK(handle_hypercall_trap(caller, esr(0x24, 0), r.frame()) == TrapResult::not_hypercall);  // data abort
}
