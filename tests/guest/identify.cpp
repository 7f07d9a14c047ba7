// identify: how the VM was started (the arm64 boot protocol: EL1h, MMU off, DAIF masked,
// x0 = a device tree, x1..x3 = 0), then what a client asks first. SMCCC_VERSION, the vendor-hypervisor Call UID (is
// this Gunyah?) and REVISION, hyp_identify in both hypercall forms (API version 1, 64-bit,
// little-endian; the feature flags printed), PSCI_VERSION (1.1) and PSCI_FEATURES of
// every function the VM's PSCI implements (0) and of ones it does not (NOT_SUPPORTED).
#include "hyp_api/gunyah_client.h"
#include "hyp_api/psci.h"
#include "runtime.h"

GUEST_NAME("identify");

namespace {

using namespace guest;

struct PsciFunction {
    u32 id;
    const char* name;
};

// PSCI 1.1 as the VM's PSCI offers it (gunyah-abi.md, issue 5): every one must say 0.
constexpr PsciFunction implemented[] = {
    {PSCI_FN_VERSION, "PSCI_VERSION"},
    {PSCI_FN_FEATURES, "PSCI_FEATURES"},
    {PSCI_FN_CPU_ON_64, "CPU_ON (SMC64)"},
    {PSCI_FN_CPU_OFF, "CPU_OFF"},
    {PSCI_FN_CPU_SUSPEND_64, "CPU_SUSPEND (SMC64)"},
    {PSCI_FN_AFFINITY_INFO_64, "AFFINITY_INFO (SMC64)"},
    {PSCI_FN_SYSTEM_OFF, "SYSTEM_OFF"},
    {PSCI_FN_SYSTEM_RESET, "SYSTEM_RESET"},
    // SMCCC 1.1's discovery: PSCI_FEATURES says whether SMCCC_VERSION may be called.
    {GUNYAH_SMCCC_VERSION_ID, "SMCCC_VERSION"},
};

// Not offered: SYSTEM_SUSPEND (needs a wake-up the VM cannot arrange), an unassigned
// PSCI number, and a function id outside the PSCI range altogether.
constexpr PsciFunction not_implemented[] = {
    {0xc400000eu, "SYSTEM_SUSPEND (SMC64)"},
    {0x8400001fu, "unassigned PSCI function 0x1f"},
    {0xc2001234u, "SiP service function 0x1234"},
};

void print_features(u64 flags0)
{
    struct Flag {
        u64 bit;
        const char* name;
    };
    constexpr Flag flags[] = {
        {GUNYAH_FLAGS0_PARTITION_CSPACE, "partition+cspace"}, {GUNYAH_FLAGS0_DOORBELL, "doorbell"},
        {GUNYAH_FLAGS0_MSGQUEUE, "msgqueue"},                 {GUNYAH_FLAGS0_VIC, "vic"},
        {GUNYAH_FLAGS0_VPM, "vpm"},                           {GUNYAH_FLAGS0_VCPU, "vcpu"},
        {GUNYAH_FLAGS0_MEMEXTENT, "memextent"},               {GUNYAH_FLAGS0_TRACE_CTRL, "trace"},
        {GUNYAH_FLAGS0_WATCHDOG, "watchdog"},                 {GUNYAH_FLAGS0_VIRTIO_MMIO, "virtio_mmio"},
        {GUNYAH_FLAGS0_PRNG, "prng"},                         {GUNYAH_FLAGS0_VCPU_RUN, "vcpu_run"},
    };
    printf("guest %s: interfaces:", guest_name);
    bool any = false;
    for (const Flag& f : flags) {
        if ((flags0 & f.bit) != 0) {
            printf(" %s", f.name);
            any = true;
        }
    }
    printf("%s; scheduler %u (%s)\n", any ? "" : " none", GUNYAH_FLAGS0_SCHEDULER_OF(flags0),
           GUNYAH_FLAGS0_SCHEDULER_OF(flags0) == GUNYAH_FLAGS0_SCHEDULER_FPRR ? "fixed-priority round robin"
           : GUNYAH_FLAGS0_SCHEDULER_OF(flags0) == GUNYAH_FLAGS0_SCHEDULER_TRIVIAL ? "trivial"
                                                                                 : "?");
}

void check_api_info(const char* form, u64 api_info)
{
    check(GUNYAH_API_INFO_VERSION_OF(api_info) == GUNYAH_API_VERSION, "%s: API version %u (expected %u)", form,
          GUNYAH_API_INFO_VERSION_OF(api_info), GUNYAH_API_VERSION);
    check((api_info & GUNYAH_API_INFO_IS_64BIT) != 0, "%s: 64-bit bit (15) set", form);
    check((api_info & GUNYAH_API_INFO_BIG_ENDIAN) == 0, "%s: big-endian bit (14) clear", form);
}

// The arm64 boot protocol (Documentation/arch/arm64/booting.rst) as the RM starts the
// primary VM: EL1h, MMU and data cache off, DAIF masked, x0 = a device tree, x1..x3 = 0.
void boot_protocol(u64 dt_ipa)
{
    const BootState& b = boot_state();
    const u64 el = (b.current_el >> 2) & 3;
    say("entered at EL%lu%s, SCTLR_EL1 %#lx, DAIF %#lx, x0 %#lx x1 %#lx x2 %#lx x3 %#lx", el,
        b.spsel != 0 ? "h" : "t", b.sctlr_el1, b.daif, b.x[0], b.x[1], b.x[2], b.x[3]);
    check(el == 1 && b.spsel == 1, "entered at EL1h");
    check((b.sctlr_el1 & 1) == 0 && (b.sctlr_el1 & 4) == 0, "MMU (SCTLR_EL1.M) and data cache (.C) off");
    check((b.daif & 0x3c0) == 0x3c0, "DAIF all masked");
    check(b.x[1] == 0 && b.x[2] == 0 && b.x[3] == 0, "x1, x2, x3 zero");
    // The DT: 8-byte aligned, in RAM the VM can read, starting with the FDT header's
    // big-endian magic and total size.
    if (!check(dt_ipa != 0 && dt_ipa % 8 == 0, "x0 = %#lx, a device tree address (non-zero, 8-byte aligned)", dt_ipa)) {
        return;
    }
    const auto* header = reinterpret_cast<const u32*>(dt_ipa);
    const u32 magic = __builtin_bswap32(load(header[0]));
    const u32 total = __builtin_bswap32(load(header[1]));
    check(magic == 0xd00dfeed && total >= 40 && total <= (2u << 20),
          "device tree at %#lx: magic %#x (want 0xd00dfeed), %u bytes (at most 2 MiB)", dt_ipa, magic, total);
}

void smccc_and_uid()
{
    const std::int32_t version = gunyah::smccc_version();
    if (version < 0) {
        say("SMCCC_VERSION (0x80000000) -> %d", version);
    } else {
        say("SMCCC_VERSION (0x80000000) -> %#x (%d.%d)", static_cast<u32>(version), version >> 16, version & 0xffff);
    }
    // Gunyah reports SMCCC 1.3 (gunyah-hypercalls.md); Linux needs at least 1.1 to ask
    // for the vendor UID at all.
    check(version == static_cast<std::int32_t>(GUNYAH_SMCCC_VERSION_1_3), "SMCCC version 1.3");
    // Answered in the hypervisor's vector (fast_answers.h) as by its dispatcher: x1..x3 0.
    const SmcccResult full = smccc_hvc(GUNYAH_SMCCC_VERSION_ID, 7, 7, 7);
    check(full.x0 == GUNYAH_SMCCC_VERSION_1_3 && full.x1 == 0 && full.x2 == 0 && full.x3 == 0,
          "SMCCC_VERSION with x1..x3 = 7 -> %#lx %#lx %#lx %#lx (want 0x10003 0 0 0)", full.x0, full.x1, full.x2,
          full.x3);

    const gunyah::Uid uid = gunyah::vendor_hyp_call_uid();
    say("vendor-hyp Call UID (0x8600ff01) -> %#x %#x %#x %#x", uid.w[0], uid.w[1], uid.w[2], uid.w[3]);
    check(uid.is_gunyah(), "Call UID is Gunyah's (%#x %#x %#x %#x)", GUNYAH_UID_X0, GUNYAH_UID_X1, GUNYAH_UID_X2,
          GUNYAH_UID_X3);
    // What Linux compares: the registers' low words as the UUID's bytes, little-endian
    // (smccc_res_to_uuid), against GUNYAH_UUID c1d58fcd-a453-5fdb-9265-ce36673d5f14.
    static constexpr u8 linux_gunyah_uuid[16] = {0xc1, 0xd5, 0x8f, 0xcd, 0xa4, 0x53, 0x5f, 0xdb,
                                                 0x92, 0x65, 0xce, 0x36, 0x67, 0x3d, 0x5f, 0x14};
    bool uuid_matches = true;
    for (unsigned i = 0; i < 16; ++i) {
        uuid_matches &= static_cast<u8>(uid.w[i / 4] >> (8 * (i % 4))) == linux_gunyah_uuid[i];
    }
    check(uuid_matches, "Call UID read as Linux reads it is UUID c1d58fcd-a453-5fdb-9265-ce36673d5f14");
    // The service calls are SMC32 only: the SMC64 id of Call UID is not a call.
    const SmcccResult uid64 = smccc_hvc(0xc600ff01u);
    check(static_cast<i64>(uid64.x0) == GUNYAH_SMCCC_NOT_SUPPORTED,
          "Call UID in SMC64 form (0xc600ff01) -> %#lx, NOT_SUPPORTED (-1)", uid64.x0);
}

void hyp_identify()
{
    const gunyah::Identity smccc = gunyah::hyp_identify();
    say("hyp_identify, SMCCC form (hvc #0, x0 = %#x) -> api_info %#lx flags %#lx %#lx %#lx",
        GUNYAH_HC_SMCCC_ID(GUNYAH_HC_HYP_IDENTIFY), smccc.api_info, smccc.flags[0], smccc.flags[1], smccc.flags[2]);
    check_api_info("SMCCC form", smccc.api_info);

    const gunyah::Result native = gunyah::call_native<GUNYAH_HC_HYP_IDENTIFY>();
    const u64 native_info = static_cast<u64>(native.error);  // x0 is api_info, not an error here
    say("hyp_identify, native form (hvc #%#x) -> api_info %#lx flags %#lx %#lx %#lx",
        GUNYAH_HC_NATIVE_IMM(GUNYAH_HC_HYP_IDENTIFY), native_info, native.x1, native.x2, native.x3);
    check_api_info("native form", native_info);
    check(native_info == smccc.api_info && native.x1 == smccc.flags[0] && native.x2 == smccc.flags[1] &&
              native.x3 == smccc.flags[2],
          "both forms give the same answer");
    say("api_info: version %u, %s-endian, %s, variant %u", smccc.api_version(), smccc.big_endian() ? "big" : "little",
        smccc.is_64bit() ? "64-bit" : "32-bit", smccc.variant());
    print_features(smccc.flags[0]);

    const u64 revision = gunyah::vendor_hyp_revision();
    say("vendor-hyp REVISION (0x8600ff03) -> %#lx", revision);
    check(revision == smccc.api_info, "REVISION equals hyp_identify's api_info");
}

void psci()
{
    const i64 version = psci_version();
    say("PSCI_VERSION -> %#lx (%ld.%ld)", static_cast<u64>(version), version >> 16, version & 0xffff);
    check(version == PSCI_VERSION_1_1, "PSCI version 1.1 (0x10001)");
    for (const PsciFunction& f : implemented) {
        const i64 r = psci_features(f.id);
        check(r == PSCI_RET_SUCCESS, "PSCI_FEATURES(%#x %s) -> %ld%s%s, expected 0", f.id, f.name, r,
              r < 0 ? " " : "", r < 0 ? psci_result_name(r) : "");
    }
    for (const PsciFunction& f : not_implemented) {
        const i64 r = psci_features(f.id);
        check(r == PSCI_RET_NOT_SUPPORTED, "PSCI_FEATURES(%#x %s) -> %ld%s%s, expected NOT_SUPPORTED (-1)", f.id,
              f.name, r, r < 0 ? " " : "", r < 0 ? psci_result_name(r) : "");
    }
}

}  // namespace

void guest::run(u64 dt_ipa)
{
    say("vCPU %u (MPIDR %#lx), image at %#lx", this_vcpu(), mpidr(), image_base());
    boot_protocol(dt_ipa);
    smccc_and_uid();
    hyp_identify();
    psci();
}
