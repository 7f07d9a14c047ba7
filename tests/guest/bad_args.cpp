// bad-args: Gunyah hypercalls the ABI says must fail, made by a VM that holds no
// capabilities worth the name (the primary VM's cspace is empty, or nearly). Each must
// return its documented error in x0 and change nothing; the guest keeps running, and at
// the end hyp_identify still answers.
//   * unknown call numbers: gaps in the table, past its end, the last native number, and
//     SMC32 or yielding SMCCC ids for a hypercall: -1 (UNIMPLEMENTED / NOT_SUPPORTED);
//   * a non-zero reserved ("R0") argument: ARG_INVAL, before any capability is looked at;
//   * capability ids that name nothing (CAP_ID_INVALID, ids far past any cspace's size):
//     CSPACE_CAP_NULL;
//   * undefined bits in a flags word (addrspace_map, vcpu_poweron): ARG_INVAL.
// An interface hyp_identify does not advertise may answer UNIMPLEMENTED instead: a client
// is told not to use it, so that is an answer too.
#include "hyp_api/gunyah_client.h"
#include "runtime.h"

GUEST_NAME("bad-args");

namespace {

using namespace guest;
using gunyah::CapId;
using gunyah::Error;

// Capability ids no cspace here can hold: the reserved invalid id; and ids whose slot
// field is beyond any capacity the primary VM's cspace has (its slots are few).
constexpr CapId cap_invalid = GUNYAH_CAP_ID_INVALID;
constexpr CapId cap_garbage = 0xdeadbeefull;
constexpr CapId cap_far = 0x7fffffffffff0000ull;

// Interfaces by hyp_identify's flags word 0; "always" for the unknown-call checks.
constexpr u64 always = 0;

constinit u64 features = 0;
constinit unsigned calls_made = 0;

i64 code(Error e) { return static_cast<i64>(e); }

// One result: exact when the interface is advertised (or `iface` is always), else the
// documented error or UNIMPLEMENTED.
void expect(const char* call, Error got, Error want, u64 iface)
{
    ++calls_made;
    const bool advertised = iface == always || (features & iface) == iface;
    const bool ok = got == want || (!advertised && got == Error::unimplemented);
    check(ok, "%s -> %ld %s (want %s%s)", call, code(got), gunyah_error_name(code(got)), gunyah_error_name(code(want)),
          advertised ? "" : " or UNIMPLEMENTED: interface not advertised");
}

void expect(const char* call, const gunyah::Result& r, Error want, u64 iface) { expect(call, r.error, want, iface); }
void expect(const char* call, const gunyah::CapResult& r, Error want, u64 iface) { expect(call, r.error, want, iface); }

// SMCCC function id n in a form that is not a Gunyah hypercall: x0 only, other args 0.
Error raw_smccc(u64 function_id) { return static_cast<Error>(static_cast<i64>(smccc_hvc(function_id).x0)); }

void unknown_calls()
{
    say("unknown call numbers: -1 in x0");
    expect("native hvc #0x61ff (n 0x1ff, the last of Gunyah's range)", gunyah::call_native<0x1ff>(), Error::unimplemented,
           always);
    expect("SMCCC 0xc60081ff (n 0x1ff)", gunyah::call(0x1ff), Error::unimplemented, always);
    expect("native hvc #0x6008 (n 0x08, a gap)", gunyah::call_native<0x08>(cap_invalid, cap_invalid),
           Error::unimplemented, always);
    expect("SMCCC n 0x08 (a gap)", gunyah::call(0x08, cap_invalid, cap_invalid), Error::unimplemented, always);
    expect("SMCCC n 0x16 (a gap)", gunyah::call(0x16), Error::unimplemented, always);
    expect("SMCCC n 0x1e (a gap)", gunyah::call(0x1e), Error::unimplemented, always);
    expect("SMCCC n 0x33 (the API document's memextent_donate; the source says 0x61)", gunyah::call(0x33),
           Error::unimplemented, always);
    expect("SMCCC n 0x69 (one past the last assigned)", gunyah::call(GUNYAH_HC_NUM_LIMIT), Error::unimplemented, always);
    expect("SMCCC n 0x3fff (the largest the id can carry)", gunyah::call(0x3fff), Error::unimplemented, always);
    expect("SMC32 id 0x86008000 (hyp_identify, SMC32: not a hypercall form)", raw_smccc(0x86008000u),
           Error::unimplemented, always);
    expect("yielding id 0x46008000 (hyp_identify, not a fast call)", raw_smccc(0x46008000u), Error::unimplemented,
           always);
    // The vector answers hyp_identify and SMCCC_VERSION itself (fast_answers.h): only for
    // exactly their 64-bit x0.
    expect("id 0x1c6008000 (hyp_identify with x0's upper half set)", raw_smccc(0x1c6008000ull), Error::unimplemented,
           always);
    expect("id 0x180000000 (SMCCC_VERSION with x0's upper half set)", raw_smccc(0x180000000ull), Error::unimplemented,
           always);
}

void reserved_arguments()
{
    say("non-zero reserved arguments: ARG_INVAL");
    constexpr u64 pc = GUNYAH_FLAGS0_PARTITION_CSPACE;
    constexpr u64 me = GUNYAH_FLAGS0_MEMEXTENT;
    constexpr u64 vcpu = GUNYAH_FLAGS0_VCPU;
    // Native form: arguments from x0; SMCCC form: from x1. R0 is the last argument.
    expect("object_activate(cap -1, R0 1) native", gunyah::call_native<GUNYAH_HC_OBJECT_ACTIVATE>(cap_invalid, 1),
           Error::arg_inval, pc);
    expect("object_activate(cap -1, R0 1) SMCCC", gunyah::call(GUNYAH_HC_OBJECT_ACTIVATE, cap_invalid, 1),
           Error::arg_inval, pc);
    expect("partition_create_partition(-1, -1, R0 1) SMCCC",
           gunyah::call(GUNYAH_HC_PARTITION_CREATE_PARTITION, cap_invalid, cap_invalid, 1), Error::arg_inval, pc);
    expect("partition_create_cspace(-1, -1, R0 0x8000000000000000) native",
           gunyah::call_native<GUNYAH_HC_PARTITION_CREATE_CSPACE>(cap_invalid, cap_invalid, 0x8000000000000000ull),
           Error::arg_inval, pc);
    expect("cspace_configure(-1, 16, R0 1) SMCCC", gunyah::call(GUNYAH_HC_CSPACE_CONFIGURE, cap_invalid, 16, 1),
           Error::arg_inval, pc);
    expect("cspace_delete_cap_from(-1, -1, R0 0xffff) native",
           gunyah::call_native<GUNYAH_HC_CSPACE_DELETE_CAP_FROM>(cap_invalid, cap_invalid, 0xffff), Error::arg_inval, pc);
    expect("memextent_configure(-1, 0x40000000, 0x1000, RW, R0 1) SMCCC",
           gunyah::call(GUNYAH_HC_MEMEXTENT_CONFIGURE, cap_invalid, 0x40000000, 0x1000,
                        GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RW, 0, 0), 1),
           Error::arg_inval, me);
    expect("addrspace_configure(-1, vmid 5, R0 1) SMCCC", gunyah::call(GUNYAH_HC_ADDRSPACE_CONFIGURE, cap_invalid, 5, 1),
           Error::arg_inval, me);
    expect("vcpu_configure(-1, 0, R0 1) SMCCC", gunyah::call(GUNYAH_HC_VCPU_CONFIGURE, cap_invalid, 0, 1),
           Error::arg_inval, vcpu);
    expect("vcpu_kill(-1, R0 1) native", gunyah::call_native<GUNYAH_HC_VCPU_KILL>(cap_invalid, 1), Error::arg_inval, vcpu);
}

void invalid_caps()
{
    say("capability ids that name nothing: CSPACE_CAP_NULL");
    constexpr u64 pc = GUNYAH_FLAGS0_PARTITION_CSPACE;
    constexpr u64 me = GUNYAH_FLAGS0_MEMEXTENT;
    constexpr u64 vcpu = GUNYAH_FLAGS0_VCPU;
    constexpr Error null = Error::cspace_cap_null;
    expect("object_activate(-1)", gunyah::object_activate(cap_invalid), null, pc);
    expect("object_activate(0xdeadbeef)", gunyah::object_activate(cap_garbage), null, pc);
    expect("object_activate(0x7fffffffffff0000)", gunyah::object_activate(cap_far), null, pc);
    expect("object_activate_from(-1, -1)", gunyah::object_activate_from(cap_invalid, cap_invalid), null, pc);

    say("partition_create_* from a bogus partition cap");
    expect("partition_create_partition(-1, -1)", gunyah::partition_create_partition(cap_invalid, cap_invalid), null, pc);
    expect("partition_create_partition(0xdeadbeef, 0x7fffffffffff0000)",
           gunyah::partition_create_partition(cap_garbage, cap_far), null, pc);
    expect("partition_create_cspace(-1, -1)", gunyah::partition_create_cspace(cap_invalid, cap_invalid), null, pc);
    expect("partition_create_addrspace(-1, -1)", gunyah::partition_create_addrspace(cap_invalid, cap_invalid), null, me);
    expect("partition_create_memextent(-1, -1)", gunyah::partition_create_memextent(cap_invalid, cap_invalid), null, me);
    expect("partition_create_thread(0xdeadbeef, -1)", gunyah::partition_create_thread(cap_garbage, cap_invalid), null,
           vcpu);
    expect("partition_create_doorbell(-1, -1)", gunyah::partition_create_doorbell(cap_invalid, cap_invalid), null,
           GUNYAH_FLAGS0_DOORBELL);
    expect("partition_create_msgqueue(-1, -1)", gunyah::partition_create_msgqueue(cap_invalid, cap_invalid), null,
           GUNYAH_FLAGS0_MSGQUEUE);
    expect("partition_create_vic(-1, -1)", gunyah::partition_create_vic(cap_invalid, cap_invalid), null,
           GUNYAH_FLAGS0_VIC);
    expect("partition_create_vpm_group(-1, -1)", gunyah::partition_create_vpm_group(cap_invalid, cap_invalid), null,
           GUNYAH_FLAGS0_VPM);

    say("cspace and memextent calls on bogus caps");
    expect("cspace_copy_cap_from(-1, -1, -1, all rights)",
           gunyah::cspace_copy_cap_from(cap_invalid, cap_invalid, cap_invalid, 0xffffffffu), null, pc);
    expect("cspace_delete_cap_from(-1, 0xdeadbeef)", gunyah::cspace_delete_cap_from(cap_invalid, cap_garbage), null, pc);
    expect("cspace_revoke_caps_from(0xdeadbeef, -1)", gunyah::cspace_revoke_caps_from(cap_garbage, cap_invalid), null,
           pc);
    expect("memextent_configure(0xdeadbeef, 0x40000000, 0x1000, RW)",
           gunyah::memextent_configure(cap_garbage, 0x40000000, 0x1000, GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RW, 0, 0)),
           null, me);
    expect("memextent_donate(to child, -1, -1, 0, 0x1000)",
           gunyah::memextent_donate(0, cap_invalid, cap_invalid, 0, 0x1000), null, me);

    say("addrspace_map and friends with garbage");
    const u32 attrs = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_NONE, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    expect("addrspace_map(0xdeadbeef, 0x7fffffffffff0000, IPA 0x40000000, RW WB, 0, 0, 0)",
           gunyah::addrspace_map(cap_garbage, cap_far, 0x40000000, attrs, 0, 0, 0), null, me);
    expect("addrspace_map(-1, -1, IPA 0x123 (unaligned), RW WB, partial, offset 0x7, size ~0)",
           gunyah::addrspace_map(cap_invalid, cap_invalid, 0x123, attrs, GUNYAH_ADDRSPACE_MAP_PARTIAL, 0x7,
                                 ~u64{0}),
           null, me);
    // Undefined bits in a flags word are refused before any cap is looked at (Gunyah).
    expect("addrspace_map(-1, -1, 0x40000000, attrs 0xffffffff (undefined bits), 0, 0, 0)",
           gunyah::addrspace_map(cap_invalid, cap_invalid, 0x40000000, 0xffffffffu, 0, 0, 0), Error::arg_inval, me);
    expect("addrspace_map(-1, -1, 0x40000000, RW WB, map_flags 0x7ffffffe (undefined bits), 0, 0)",
           gunyah::addrspace_map(cap_invalid, cap_invalid, 0x40000000, attrs, 0x7ffffffeu, 0, 0), Error::arg_inval, me);
    expect("addrspace_unmap(-1, -1, 0x40000000, 0, 0, 0)",
           gunyah::addrspace_unmap(cap_invalid, cap_invalid, 0x40000000, 0, 0, 0), null, me);
    const gunyah::LookupResult lookup = gunyah::addrspace_lookup(cap_invalid, cap_invalid, 0x40000000, 0x1000);
    expect("addrspace_lookup(-1, -1, 0x40000000, 0x1000)", lookup.error, null, me);

    say("vcpu_* on things that are not vCPU caps");
    const u64 entry = secondary_entry(0);
    expect("vcpu_poweron(-1, entry, 0, 0)", gunyah::vcpu_poweron(cap_invalid, entry, 0, 0), null, vcpu);
    expect("vcpu_poweron(0xdeadbeef, entry, 0, 0)", gunyah::vcpu_poweron(cap_garbage, entry, 0, 0), null, vcpu);
    expect("vcpu_poweron(-1, entry, 0, flags 0x80 (undefined))", gunyah::vcpu_poweron(cap_invalid, entry, 0, 0x80),
           Error::arg_inval, vcpu);
    expect("vcpu_poweroff(0x7fffffffffff0000, 0)", gunyah::vcpu_poweroff(cap_far, 0), null, vcpu);
    expect("vcpu_set_priority(-1, 1)", gunyah::vcpu_set_priority(cap_invalid, 1), null, vcpu);

    say("IPC on bogus caps");
    u64 buffer[2] = {0x1234, 0x5678};
    expect("doorbell_send(-1, 1)", gunyah::call(GUNYAH_HC_DOORBELL_SEND, cap_invalid, 1), null, GUNYAH_FLAGS0_DOORBELL);
    expect("msgqueue_send(0xdeadbeef, 16, buffer, push)",
           gunyah::call(GUNYAH_HC_MSGQUEUE_SEND, cap_garbage, sizeof(buffer), buffer, 1), null, GUNYAH_FLAGS0_MSGQUEUE);
}

}  // namespace

void guest::run(u64)
{
    const gunyah::Identity id = gunyah::hyp_identify();
    features = id.flags[0];
    say("%s; hyp_identify: api_info %#lx, flags0 %#lx", on_gunyah() ? "on Gunyah" : "no Gunyah hypervisor (bare QEMU?)",
        id.api_info, features);
    unknown_calls();
    reserved_arguments();
    invalid_caps();

    const gunyah::Identity after = gunyah::hyp_identify();
    check(after.api_version() == GUNYAH_API_VERSION && after.api_info == id.api_info && after.flags[0] == features,
          "after %u bad calls, hyp_identify still answers: api_info %#lx, flags0 %#lx", calls_made, after.api_info,
          after.flags[0]);
}
