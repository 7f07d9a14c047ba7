// Self-tests of the fatal paths: an unexpected exception at EL2 must be reported with
// its class, syndrome, addresses and registers; panic and assert must say where. Each
// ends the boot; tests/qemu/cases.py matches what they print.
#include <cstdint>

#include "kernel/core/panic.h"
#include "kernel/boot/selftest.h"

extern "C" char __image_start[];

namespace {

// Inside the 48-bit space and never mapped: the EL2 map covers RAM and a few devices.
constexpr std::uintptr_t unmapped_address = 0x0000dead00000000ULL;

int never_true_at_run_time(int x) { return x * 2 + 1; }

}  // namespace

HYP_SELFTEST(el2_data_abort, "el2-data-abort")
{
    // A known value in x9 at the fault, so the test can check the register dump.
    asm volatile("mov x9, #0x1234\n\tldr x10, [%0]" : : "r"(unmapped_address) : "x9", "x10", "memory");
}

HYP_SELFTEST(write_to_text, "write-to-text")
{
    // Text is mapped read-execute: a write must take a permission fault.
    *reinterpret_cast<volatile std::uint32_t*>(__image_start + 0x100) = 0;
}

HYP_SELFTEST(undefined_instruction, "undefined-instruction")
{
    asm volatile("udf #0x4242");
}

HYP_SELFTEST(panic, "panic")
{
    HYP_PANIC("deliberate panic with value {}", 42);
}

HYP_SELFTEST(assert, "assert")
{
    volatile int x = 3;
    HYP_ASSERT(never_true_at_run_time(x) == 0);
}
