// The test guests' runtime (see runtime.h): CPU state, the counter and the virtual timer,
// PSCI and SMCCC calls, secondary-vCPU and exception dispatch. Output, checks and the
// verdict are in print.cpp.
#include "runtime.h"

#include "hyp_api/gunyah_error.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/psci.h"
#include "hyp_api/vcpu_mpidr.h"

namespace guest {
namespace {

// ---- Secondary vCPUs and exceptions --------------------------------------------------------
constinit SecondaryHandler secondary_handler = nullptr;
constinit SyncHook sync_hook = nullptr;

const char* const vector_names[16] = {
    "synchronous, EL1 with SP_EL0", "IRQ, EL1 with SP_EL0", "FIQ, EL1 with SP_EL0", "SError, EL1 with SP_EL0",
    "synchronous, EL1 with SP_EL1", "IRQ, EL1 with SP_EL1", "FIQ, EL1 with SP_EL1", "SError, EL1 with SP_EL1",
    "synchronous, from EL0 AArch64", "IRQ, from EL0 AArch64", "FIQ, from EL0 AArch64", "SError, from EL0 AArch64",
    "synchronous, from EL0 AArch32", "IRQ, from EL0 AArch32", "FIQ, from EL0 AArch32", "SError, from EL0 AArch32",
};

constexpr unsigned vector_sync_spx = 4;

}  // namespace

// ---- CPU ---------------------------------------------------------------------------------
u64 mpidr()
{
    u64 v;
    asm volatile("mrs %0, mpidr_el1" : "=r"(v));
    return v & mpidr_affinity_mask;
}

unsigned this_vcpu() { return static_cast<unsigned>(hyp_abi::vcpu_index_of_mpidr(mpidr())); }

u64 current_el()
{
    u64 v;
    asm volatile("mrs %0, CurrentEL" : "=r"(v));
    return (v >> 2) & 3;
}

u64 sctlr_el1()
{
    u64 v;
    asm volatile("mrs %0, sctlr_el1" : "=r"(v));
    return v;
}

u64 daif()
{
    u64 v;
    asm volatile("mrs %0, daif" : "=r"(v));
    return v;
}

extern "C" GUEST_HIDDEN char __image_start[];
extern "C" GUEST_HIDDEN char __image_end[];
u64 image_base() { return reinterpret_cast<std::uintptr_t>(__image_start); }
u64 image_end() { return reinterpret_cast<std::uintptr_t>(__image_end); }

bool str_equal(const char* a, const char* b)
{
    for (; *a != '\0' && *a == *b; ++a, ++b) {
    }
    return *a == *b;
}

namespace {

// A node name matches a path component with or without its unit address.
bool name_matches(const char* name, const char* component)
{
    for (; *component != '\0' && *name == *component; ++name, ++component) {
    }
    return *component == '\0' && (*name == '\0' || *name == '@');
}
}  // namespace

u32 fdt32(const void* at)
{
    const auto* p = static_cast<const unsigned char*>(at);
    return u32{p[0]} << 24 | u32{p[1]} << 16 | u32{p[2]} << 8 | u32{p[3]};
}

// A walk of the structure block, byte by byte (the MMU is off: no unaligned loads).
const void* dt_property(u64 dt_ipa, const char* const* path, unsigned depth_wanted, const char* property, u32* size,
                        const char** node_name)
{
    constexpr u32 begin_node = 1, end_node = 2, prop = 3, nop = 4;
    constexpr unsigned max_depth = 8;
    const auto* base = reinterpret_cast<const unsigned char*>(dt_ipa);
    if (dt_ipa == 0 || fdt32(base) != 0xd00dfeed || depth_wanted > max_depth) {
        return nullptr;
    }
    const unsigned char* p = base + fdt32(base + 8);        // off_dt_struct
    const unsigned char* const end = p + fdt32(base + 36);  // size_dt_struct
    const char* const strings = reinterpret_cast<const char*>(base + fdt32(base + 12));
    unsigned depth = 0;    // of the node being read; the root is 1
    unsigned matched = 0;  // how many path components the open nodes match
    const char* last_name = "";
    while (p + 4 <= end) {
        const u32 token = fdt32(p);
        p += 4;
        if (token == begin_node) {
            const char* name = reinterpret_cast<const char*>(p);
            ++depth;
            // The root (depth 1) matches nothing; depth d > 1 matches component d - 2.
            if (depth >= 2 && matched == depth - 2 && depth - 2 < depth_wanted && name_matches(name, path[depth - 2])) {
                ++matched;
                last_name = name;
            }
            std::size_t length = 0;
            while (name[length] != '\0') {
                ++length;
            }
            p += (length + 4) & ~std::size_t{3};
        } else if (token == end_node) {
            if (depth >= 2 && matched == depth - 1) {
                --matched;
            }
            --depth;
        } else if (token == prop) {
            const u32 length = fdt32(p);
            const char* name = strings + fdt32(p + 4);
            p += 8;
            if (matched == depth_wanted && depth == depth_wanted + 1 && str_equal(name, property)) {
                if (size != nullptr) {
                    *size = length;
                }
                if (node_name != nullptr) {
                    *node_name = last_name;
                }
                return p;
            }
            p += (length + 3) & ~u32{3};
        } else if (token != nop) {  // FDT_END, or something malformed
            break;
        }
    }
    return nullptr;
}

const char* chosen_bootargs(u64 dt_ipa)
{
    static constexpr const char* chosen[] = {"chosen"};
    const void* value = dt_property(dt_ipa, chosen, 1, "bootargs", nullptr);
    return value != nullptr ? static_cast<const char*>(value) : "";
}

extern "C" {
GUEST_HIDDEN constinit BootState guest_boot_state = {};  // written by entry.S
}
const BootState& boot_state() { return guest_boot_state; }

// ---- Counter -----------------------------------------------------------------------------
u64 counter()
{
    u64 v;
    asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

u64 counter_frequency()
{
    u64 v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

u64 ticks_from_us(u64 us) { return us * counter_frequency() / 1000000; }

u64 us_from_ticks(u64 ticks)
{
    u64 f = counter_frequency();
    return f == 0 ? 0 : ticks / f * 1000000 + ticks % f * 1000000 / f;
}

void arm_vtimer(u64 ticks_from_now)
{
    const u64 cval = counter() + ticks_from_now;
    asm volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb" ::"r"(cval), "r"(u64{1}) : "memory");
}

bool vtimer_fired()
{
    u64 ctl;
    asm volatile("isb\n\tmrs %0, cntv_ctl_el0" : "=r"(ctl)::"memory");
    return (ctl & 4) != 0;  // ISTATUS
}

void disarm_vtimer() { asm volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory"); }

void delay_us(u64 us)
{
    const u64 start = counter();
    const u64 wait = ticks_from_us(us);
    while (counter() - start < wait) {
        cpu_relax();
    }
}

// ---- SMCCC / PSCI ------------------------------------------------------------------------
// SMCCC 1.0 lets the callee clobber x4..x17 (1.1 preserves them): assume the former.
#define GUEST_SMCCC_CALL(insn)                                                                          \
    register u64 r0 asm("x0") = function_id;                                                           \
    register u64 r1 asm("x1") = a1;                                                                    \
    register u64 r2 asm("x2") = a2;                                                                    \
    register u64 r3 asm("x3") = a3;                                                                    \
    asm volatile(insn                                                                                  \
                 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)                                              \
                 :                                                                                     \
                 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", \
                   "x17", "memory");                                                                   \
    return SmcccResult{r0, r1, r2, r3}

SmcccResult smccc_hvc(u64 function_id, u64 a1, u64 a2, u64 a3) { GUEST_SMCCC_CALL("hvc #0"); }

SmcccResult smccc_smc(u64 function_id, u64 a1, u64 a2, u64 a3) { GUEST_SMCCC_CALL("smc #0"); }

#undef GUEST_SMCCC_CALL

namespace {
i64 psci(u32 function_id, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0)
{
    return static_cast<i64>(smccc_hvc(function_id, a1, a2, a3).x0);
}
}  // namespace

// PSCI return values are 32-bit signed for the SMC32 calls; sign-extend from 32 bits so
// that an implementation that leaves the upper half clear still reads as negative.
i64 psci_version() { return static_cast<std::int32_t>(psci(PSCI_FN_VERSION)); }
i64 psci_features(u32 function_id) { return static_cast<std::int32_t>(psci(PSCI_FN_FEATURES, function_id)); }
i64 psci_cpu_on(u64 target_mpidr, u64 entry, u64 context)
{
    return static_cast<std::int32_t>(psci(PSCI_FN_CPU_ON_64, target_mpidr, entry, context));
}
i64 psci_affinity_info(u64 target_mpidr, u32 lowest_level)
{
    return static_cast<std::int32_t>(psci(PSCI_FN_AFFINITY_INFO_64, target_mpidr, lowest_level));
}
i64 psci_cpu_suspend(u32 power_state, u64 entry, u64 context)
{
    return static_cast<std::int32_t>(psci(PSCI_FN_CPU_SUSPEND_64, power_state, entry, context));
}

void psci_cpu_off()
{
    (void)psci(PSCI_FN_CPU_OFF);
    // CPU_OFF does not return on success; if it did, stay out of the way.
    for (;;) {
        asm volatile("wfi");
    }
}

void psci_system_off()
{
    (void)psci(PSCI_FN_SYSTEM_OFF);
    printf("guest %s: SYSTEM_OFF returned\n", guest_name);
    for (;;) {
        asm volatile("wfi");
    }
}

unsigned count_vcpus()
{
    unsigned n = 0;
    while (n < max_vcpus && psci_affinity_info(hyp_abi::vcpu_mpidr(n)) != PSCI_RET_INVALID_PARAMETERS) {
        ++n;
    }
    return n;
}

bool on_gunyah()
{
    SmcccResult r = smccc_hvc(GUNYAH_SMCCC_VENDOR_HYP_CALL_UID);
    return static_cast<u32>(r.x0) == GUNYAH_UID_X0 && static_cast<u32>(r.x1) == GUNYAH_UID_X1 &&
           static_cast<u32>(r.x2) == GUNYAH_UID_X2 && static_cast<u32>(r.x3) == GUNYAH_UID_X3;
}

const char* psci_result_name(i64 r)
{
    switch (r) {
    case PSCI_RET_SUCCESS: return "SUCCESS";
    case PSCI_RET_NOT_SUPPORTED: return "NOT_SUPPORTED";
    case PSCI_RET_INVALID_PARAMETERS: return "INVALID_PARAMETERS";
    case PSCI_RET_DENIED: return "DENIED";
    case PSCI_RET_ALREADY_ON: return "ALREADY_ON";
    case PSCI_RET_ON_PENDING: return "ON_PENDING";
    case PSCI_RET_INTERNAL_FAILURE: return "INTERNAL_FAILURE";
    case PSCI_RET_NOT_PRESENT: return "NOT_PRESENT";
    case PSCI_RET_DISABLED: return "DISABLED";
    case PSCI_RET_INVALID_ADDRESS: return "INVALID_ADDRESS";
    default: return "?";
    }
}

const char* gunyah_error_name(i64 e)
{
    switch (e) {
#define GUEST_ERROR_NAME(name, NAME) \
    case GUNYAH_ERROR_##NAME: return #NAME;
        GUNYAH_ERRORS(GUEST_ERROR_NAME)
#undef GUEST_ERROR_NAME
    default: return "?";
    }
}

// ---- Secondary vCPUs and exceptions --------------------------------------------------------
extern "C" void guest_secondary_entry();
extern "C" void guest_secondary_entry_alt();

void enable_fp()
{
    u64 cpacr;
    asm volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
    asm volatile("msr cpacr_el1, %0" : : "r"(cpacr | 3ull << 20));
    isb();
}

void set_secondary_handler(SecondaryHandler handler)
{
    store(secondary_handler, handler);
    dsb();
}

u64 secondary_entry(unsigned entry_id)
{
    return reinterpret_cast<std::uintptr_t>(entry_id == 0 ? &guest_secondary_entry : &guest_secondary_entry_alt);
}

void set_sync_hook(SyncHook hook)
{
    store(sync_hook, hook);
    dsb();
}

}  // namespace guest

using namespace guest;

// From entry.S, on the boot vCPU, once relocated, with BSS clear and a stack.
extern "C" [[noreturn]] void guest_primary_main(u64 dt_ipa)
{
    run(dt_ipa);
    finish();
}

// From entry.S, on a secondary vCPU started by CPU_ON.
extern "C" [[noreturn]] void guest_secondary_main(u64 context, u64 entry_id, u64 daif_on_entry)
{
    SecondaryHandler handler = load(secondary_handler);
    if (handler != nullptr) {
        handler(context, static_cast<unsigned>(entry_id), daif_on_entry);
    }
    psci_cpu_off();
}

// From entry.S, before anything was relocated: the linker left a relocation type this
// image cannot apply. Only PC-relative addressing works here, which is all this uses.
extern "C" [[noreturn]] void guest_bad_relocation(u64 type)
{
    printf("guest %s: FAIL: relocation type %lu in the image (only R_AARCH64_RELATIVE is applied)\n",
           guest_name, type);
    psci_system_off();
}

// From the vector table (entry.S) for every exception taken to EL1.
extern "C" void guest_exception(ExceptionFrame* frame, u64 vector)
{
    if (vector == vector_sync_spx) {
        SyncHook hook = load(sync_hook);
        if (hook != nullptr && hook(*frame)) {
            return;
        }
    }
    printf("guest %s: unexpected exception on vCPU %u: %s\n", guest_name, this_vcpu(),
           vector < 16 ? vector_names[vector] : "?");
    printf("guest %s:   ESR_EL1 %#018lx (EC %#lx ISS %#lx)  FAR_EL1 %#018lx\n", guest_name, frame->esr,
           esr_ec(frame->esr), esr_iss(frame->esr), frame->far);
    printf("guest %s:   ELR_EL1 %#018lx  SPSR_EL1 %#018lx  x0 %#lx  x30 %#lx\n", guest_name, frame->elr,
           frame->spsr, frame->x[0], frame->x[30]);
    fail("unexpected exception (%s, EC %#lx) at %#lx on vCPU %u", vector < 16 ? vector_names[vector] : "?",
         esr_ec(frame->esr), frame->elr, this_vcpu());
}
