// fault: what a VM sees when it touches what it does not have, caught in its own vector
// table (VBAR_EL1, set by the runtime) and survived.
//   * Loads and stores to an IPA where the VM has neither RAM nor a device: the
//     hypervisor injects a synchronous external abort (ESR_EL1.EC 0x25, DFSC 0x10, WnR
//     for a store, FAR_EL1 = the address); the handler skips the instruction. Accesses
//     the hypervisor can decode (LDR, STR, LDRB, a load into XZR) and one it cannot
//     (LDP: no instruction syndrome) must all end the same way.
//   * An instruction fetch there: EC 0x21, IFSC 0x10, FAR = ELR = the address.
//   * HVC with an immediate outside both hypercall forms (#0x1234) and SMC #0 with an
//     unknown function id: x0 = -1 (NOT_SUPPORTED), nothing else happens.
//   * An IMPLEMENTATION DEFINED system register nobody emulates: UNDEFINED (EC 0x00) at
//     the MRS/MSR itself, whether the CPU refuses it or the hypervisor traps it.
//   * UDF: UNDEFINED, straight from the CPU (checks the vector itself).
// On bare QEMU (no hypervisor) the unmapped-IPA accesses and SMC behave otherwise; the
// guest prints what it saw either way, and its pass criteria are the hypervisor's.
#include "hyp_api/gunyah_hypercalls.h"
#include "runtime.h"

GUEST_NAME("fault");

namespace {

using namespace guest;

// QEMU virt's platform bus (0x0c000000, 32 MiB, for dynamically added sysbus devices):
// nothing there unless asked for, and the hypervisor gives its VMs no device there (their
// devices are the UART at 0x09000000 and, later, the GIC at 0x08000000); RAM starts at
// 0x40000000.
constexpr u64 hole = 0x0c000000;

// What the hook saw; `resume` says where the interrupted code goes on.
enum class Resume { next_instruction, link_register };

struct Seen {
    bool expecting;
    Resume resume;
    unsigned taken;
    u64 esr;
    u64 far;
    u64 elr;
};

constinit Seen seen = {};

bool hook(ExceptionFrame& frame)
{
    if (!seen.expecting) {
        return false;
    }
    ++seen.taken;
    seen.esr = frame.esr;
    seen.far = frame.far;
    seen.elr = frame.elr;
    seen.expecting = false;  // a second exception is unexpected: let the runtime report it
    frame.elr = seen.resume == Resume::next_instruction ? frame.elr + 4 : frame.x[30];
    return true;
}

void expect_exception(Resume resume = Resume::next_instruction)
{
    seen = Seen{};
    seen.resume = resume;
    seen.expecting = true;
}

void done_expecting() { seen.expecting = false; }

const char* ec_name(u64 ec)
{
    switch (ec) {
    case 0x00: return "unknown reason (UNDEFINED)";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "MSR/MRS trap";
    case 0x20: return "instruction abort, lower EL";
    case 0x21: return "instruction abort, same EL";
    case 0x24: return "data abort, lower EL";
    case 0x25: return "data abort, same EL";
    default: return "?";
    }
}

void print_seen(const char* what)
{
    if (seen.taken == 0) {
        say("%s: no exception", what);
        return;
    }
    const u64 ec = esr_ec(seen.esr);
    const u64 iss = esr_iss(seen.esr);
    if (ec == ec_dabt_same_el || ec == ec_iabt_same_el) {
        say("%s: exception EC %#lx (%s), ISS %#lx: FSC %#lx, WnR %lu, FnV %lu; FAR %#lx, ELR %#lx", what, ec,
            ec_name(ec), iss, iss & 0x3f, (iss & iss_wnr) != 0 ? 1ul : 0ul, (iss & iss_fnv) != 0 ? 1ul : 0ul,
            seen.far, seen.elr);
    } else {
        say("%s: exception EC %#lx (%s), ISS %#lx, ELR %#lx", what, ec, ec_name(ec), iss, seen.elr);
    }
}

// The abort an access to `addr` by the instruction at `pc` must give.
void check_data_abort(const char* what, u64 addr, u64 pc, bool write)
{
    print_seen(what);
    const u64 iss = esr_iss(seen.esr);
    check(seen.taken == 1 && esr_ec(seen.esr) == ec_dabt_same_el && (iss & 0x3f) == fsc_sync_external &&
              ((iss & iss_wnr) != 0) == write && (iss & iss_fnv) == 0 && seen.far == addr && seen.elr == pc,
          "%s: synchronous external abort (EC 0x25, DFSC 0x10, WnR %d, FAR %#lx, ELR at the access)", what,
          write ? 1 : 0, addr);
}

// ---- The accesses: each returns the address of the instruction that may fault.
u64 load64(u64 addr, u64& value)
{
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tldr %[v], [%[a]]" : [v] "+r"(value), [pc] "=&r"(pc) : [a] "r"(addr) : "memory");
    return pc;
}

u64 store32(u64 addr, u32 value)
{
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tstr %w[v], [%[a]]" : [pc] "=&r"(pc) : [v] "r"(value), [a] "r"(addr) : "memory");
    return pc;
}

u64 load_xzr(u64 addr)
{
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tldr xzr, [%[a]]" : [pc] "=&r"(pc) : [a] "r"(addr) : "memory");
    return pc;
}

u64 load8(u64 addr, u64& value)
{
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tldrb %w[v], [%[a]]" : [v] "+r"(value), [pc] "=&r"(pc) : [a] "r"(addr) : "memory");
    return pc;
}

u64 load_pair(u64 addr, u64& a, u64& b)
{
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tldp %[x], %[y], [%[a]]"
                 : [x] "+r"(a), [y] "+r"(b), [pc] "=&r"(pc)
                 : [a] "r"(addr)
                 : "memory");
    return pc;
}

// Branches to addr; an instruction abort there resumes at the return address. If the
// fetch works and something runs there, nothing good follows: only aimed at a hole.
void call_address(u64 addr)
{
    asm volatile("blr %[a]" ::[a] "r"(addr) : "x30", "memory");
}

void data_aborts()
{
    u64 v = 0x1111;
    expect_exception();
    u64 pc = load64(hole, v);
    done_expecting();
    check_data_abort("LDR x, [0x0c000000]", hole, pc, false);
    if (seen.taken == 0) {
        say("  (the load returned %#lx)", v);
    }

    expect_exception();
    pc = store32(hole + 0x100, 0x5a5a5a5a);
    done_expecting();
    check_data_abort("STR w, [0x0c000100]", hole + 0x100, pc, true);

    expect_exception();
    pc = load_xzr(hole + 0x1000);
    done_expecting();
    check_data_abort("LDR xzr, [0x0c001000]", hole + 0x1000, pc, false);

    v = 0x22;
    expect_exception();
    pc = load8(hole + 0x3, v);
    done_expecting();
    check_data_abort("LDRB w, [0x0c000003]", hole + 0x3, pc, false);

    u64 a = 0x33;
    u64 b = 0x44;
    expect_exception();
    pc = load_pair(hole + 0x2000, a, b);
    done_expecting();
    check_data_abort("LDP x, x, [0x0c002000] (no syndrome for the hypervisor to decode)", hole + 0x2000, pc, false);
}

void instruction_abort()
{
    const u64 target = hole + 0x3000;
    expect_exception(Resume::link_register);
    call_address(target);
    done_expecting();
    print_seen("BLR to 0x0c003000");
    const u64 iss = esr_iss(seen.esr);
    check(seen.taken == 1 && esr_ec(seen.esr) == ec_iabt_same_el && (iss & 0x3f) == fsc_sync_external &&
              (iss & iss_fnv) == 0 && seen.far == target && seen.elr == target,
          "instruction fetch from 0x0c003000: synchronous external abort (EC 0x21, IFSC 0x10, FAR = ELR = %#lx)",
          target);
}

struct Trapped {
    u64 x0;
    u64 pc;
};

Trapped hvc_outside_ranges()
{
    register u64 x0 asm("x0") = 0xc2001234u;  // (bare QEMU reads any HVC as a PSCI call: x0 is no PSCI id)
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\thvc #0x1234"
                 : "+r"(x0), [pc] "=&r"(pc)
                 :
                 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                   "x16", "x17", "memory");
    return {x0, pc};
}

Trapped smc_unknown()
{
    register u64 x0 asm("x0") = 0xc2001234u;  // fast SMC64 SiP call 0x1234: nobody's
    u64 pc;
    asm volatile("adr %[pc], 1f\n1:\tsmc #0"
                 : "+r"(x0), [pc] "=&r"(pc)
                 :
                 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                   "x16", "x17", "memory");
    return {x0, pc};
}

void calls(bool gunyah)
{
    expect_exception();
    const Trapped h = hvc_outside_ranges();
    done_expecting();
    print_seen("HVC #0x1234");
    say("HVC #0x1234 (outside SMCCC's #0 and Gunyah's #0x6000..#0x61ff) -> x0 %#lx", h.x0);
    check(seen.taken == 0 && static_cast<i64>(h.x0) == GUNYAH_SMCCC_NOT_SUPPORTED,
          "HVC #0x1234: returns, x0 = -1 (NOT_SUPPORTED), no exception");

    expect_exception();
    const Trapped s = smc_unknown();
    done_expecting();
    print_seen("SMC #0, x0 = 0xc2001234");
    if (seen.taken == 0) {
        say("SMC #0 (unknown SiP function 0xc2001234) -> x0 %#lx", s.x0);
    }
    if (gunyah) {
        // HCR_EL2.TSC: the hypervisor takes SMCs as SMCCC calls, like HVC #0.
        check(seen.taken == 0 && static_cast<i64>(s.x0) == GUNYAH_SMCCC_NOT_SUPPORTED,
              "SMC #0 with an unknown function id: returns, x0 = -1 (NOT_SUPPORTED), no exception");
    } else {
        say("(bare QEMU: no EL3 and no EL2, so SMC is UNDEFINED; not checked)");
    }
}

void check_undefined(const char* what, u64 pc)
{
    print_seen(what);
    check(seen.taken == 1 && esr_ec(seen.esr) == ec_unknown && seen.elr == pc,
          "%s: UNDEFINED (EC 0x00) at the instruction itself", what);
}

void undefined()
{
    u64 pc;
    u64 v = 0x55;
    expect_exception();
    asm volatile("adr %[pc], 1f\n1:\tmrs %[v], s3_0_c15_c15_7" : [pc] "=&r"(pc), [v] "+r"(v)::"memory");
    done_expecting();
    check_undefined("MRS x, S3_0_C15_C15_7 (IMPLEMENTATION DEFINED, not emulated)", pc);
    if (seen.taken == 0) {
        say("  (read %#lx)", v);
    }

    expect_exception();
    asm volatile("adr %[pc], 1f\n1:\tmsr s3_0_c15_c15_7, %[v]" : [pc] "=&r"(pc) : [v] "r"(v) : "memory");
    done_expecting();
    check_undefined("MSR S3_0_C15_C15_7, x (IMPLEMENTATION DEFINED, not emulated)", pc);

    expect_exception();
    asm volatile("adr %[pc], 1f\n1:\tudf #0x42" : [pc] "=&r"(pc)::"memory");
    done_expecting();
    check_undefined("UDF #0x42", pc);
}

}  // namespace

void guest::run(u64)
{
    const bool gunyah = on_gunyah();
    u64 vbar;
    asm volatile("mrs %0, vbar_el1" : "=r"(vbar));
    say("%s; VBAR_EL1 %#lx, unmapped IPA %#lx", gunyah ? "on Gunyah" : "no Gunyah hypervisor (bare QEMU?)", vbar,
        hole);
    set_sync_hook(hook);
    data_aborts();
    instruction_abort();
    calls(gunyah);
    undefined();
    set_sync_hook(nullptr);
    say("still running after %s", failures() == 0 ? "every fault" : "the faults");
}
