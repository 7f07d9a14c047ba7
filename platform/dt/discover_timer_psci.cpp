// Platform discovery, what the architecture provides beside the GIC: the architected
// timer's interrupts (the hypervisor runs on the EL2 physical timer and gives guests the
// virtual one) and the PSCI conduit through which it starts CPUs.

#include "platform/dt/discover_parts.h"
#include "platform/dt/fdt.h"
#include "platform/dt/interrupts.h"
#include "platform/dt/reader.h"

namespace hyp::platform::dt {
namespace {

// The first node compatible with one of `compatibles`, tried in this order; -1 if none.
template <std::size_t N>
int find_by_compatible(const void* fdt, const char* const (&compatibles)[N])
{
    for (const char* compatible : compatibles) {
        int node = fdt_node_offset_by_compatible(fdt, -1, compatible);
        if (node >= 0) {
            return node;
        }
    }
    return -1;
}

}  // namespace

Status discover_timer(const void* fdt, int gic_node, PlatformInfo& info, Diagnostic& diag)
{
    static constexpr const char* timer_compatibles[] = {"arm,armv8-timer", "arm,armv7-timer"};
    int node = find_by_compatible(fdt, timer_compatibles);
    if (node < 0) {
        return success();  // check_runnable() reports the missing timer
    }
    TimerInfo& timer = info.timer;
    timer.present = true;
    Result<std::uint32_t> frequency = read_u32(fdt, node, "clock-frequency", 0, diag);
    if (!frequency) {
        return fail(frequency.error());
    }
    timer.frequency_hz = *frequency;

    // In binding order: secure physical, non-secure physical, virtual, hypervisor physical.
    // Interrupts routed to another controller leave the INTIDs at 0: recorded as unknown.
    Result<Interrupts> interrupts = read_interrupts(fdt, node, gic_node, diag);
    if (!interrupts) {
        return fail(interrupts.error());
    }
    std::uint32_t* intids[] = {&timer.secure_phys_intid, &timer.nonsecure_phys_intid, &timer.virt_intid,
                               &timer.hyp_phys_intid};
    for (std::size_t i = 0; i < 4 && i < interrupts->count; ++i) {
        Result<std::uint32_t> intid = interrupt_intid(fdt, node, *interrupts, i, diag);
        if (!intid) {
            return fail(intid.error());
        }
        *intids[i] = *intid;
    }
    return success();
}

Status discover_psci(const void* fdt, PlatformInfo& info, Diagnostic& diag)
{
    static constexpr const char* psci_compatibles[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
    int node = find_by_compatible(fdt, psci_compatibles);
    if (node < 0) {
        return success();  // check_runnable() reports the missing PSCI node
    }
    Result<DtString> compatible = read_string(fdt, node, "compatible", diag);
    if (!compatible) {
        return fail(compatible.error());
    }
    Result<DtString> method = read_string(fdt, node, "method", diag);
    if (!method) {
        return fail(method.error());
    }
    PsciMethod conduit = PsciMethod::none;
    if (name_is(method->data, method->length, "smc")) {
        conduit = PsciMethod::smc;
    } else if (name_is(method->data, method->length, "hvc")) {
        conduit = PsciMethod::hvc;
    } else if (!method->empty()) {
        return report(diag, Error::arg_inval, "{}: method \"{}\" is neither smc nor hvc",
                      node_path(fdt, node).c_str(), *method);
    }
    info.psci = PsciInfo{conduit, *compatible};
    return success();
}

}  // namespace hyp::platform::dt
