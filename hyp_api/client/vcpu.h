// Wrappers for running things: vcpu_* (configure, power, run a proxy-scheduled vCPU),
// the virtual interrupt controller (vic_*, hwirq_*), VPM groups (a VM's vCPUs seen as one
// for power management), the scheduler, trace, the PRNG and the watchdog. Flag words
// from gunyah_objects.h. Arguments in register order.
#pragma once

#include <cstdint>

#include "hyp_api/client/call.h"
#include "hyp_api/gunyah_hypercalls.h"

namespace gunyah {

// ---- vcpu_*
// options: GUNYAH_VCPU_OPTION_* bits.
inline Error vcpu_configure(CapId vcpu, std::uint64_t options)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_CONFIGURE, vcpu, options));
}
// Starts vcpu at entry_point with context in its x0. flags: GUNYAH_VCPU_POWERON_*.
inline Error vcpu_poweron(CapId vcpu, std::uint64_t entry_point, std::uint64_t context, std::uint64_t flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_POWERON, vcpu, entry_point, context, flags));
}
inline Error vcpu_poweroff(CapId vcpu, std::uint64_t flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_POWEROFF, vcpu, flags));
}
inline Error vcpu_kill(CapId vcpu)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_KILL, vcpu));
}
// The third argument is reserved and passed as all ones.
inline Error vcpu_set_affinity(CapId vcpu, std::uint32_t cpu_index)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_SET_AFFINITY, vcpu, cpu_index, GUNYAH_ARG_RES1));
}
inline Error vcpu_set_priority(CapId vcpu, std::uint32_t priority)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_SET_PRIORITY, vcpu, priority));
}
inline Error vcpu_set_timeslice(CapId vcpu, std::uint64_t timeslice_ns)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_SET_TIMESLICE, vcpu, timeslice_ns));
}
// virq_type: GUNYAH_VCPU_VIRQ_HALT or _RUN_WAKEUP.
inline Error vcpu_bind_virq(CapId vcpu, CapId vic, std::uint32_t virq, std::uint32_t virq_type)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_BIND_VIRQ, vcpu, vic, virq, virq_type));
}
inline Error vcpu_unbind_virq(CapId vcpu, std::uint32_t virq_type)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_UNBIND_VIRQ, vcpu, virq_type));
}
// register_set: GUNYAH_VCPU_REG_SET_*; index within it.
inline Error vcpu_register_write(CapId vcpu, std::uint32_t register_set, std::uint32_t index, std::uint64_t value)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VCPU_REGISTER_WRITE, vcpu, register_set, index, value));
}

// vcpu_run / vcpu_run_check: why the vCPU stopped (GUNYAH_VCPU_RUN_STATE_*) and the
// state's data words (x2..x4).
struct [[nodiscard]] RunResult {
    Error error;
    std::uint64_t state;
    std::uint64_t data[3];
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
// Runs vcpu on the caller's time until it stops; resume0..2 answer the previous stop
// (e.g. resume0 = the value a VMMIO read returns).
inline RunResult vcpu_run(CapId vcpu, std::uint64_t resume0, std::uint64_t resume1, std::uint64_t resume2)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_VCPU_RUN, vcpu, resume0, resume1, resume2);
    return {detail::error_of(r), r.x[1], {r.x[2], r.x[3], r.x[4]}};
}
// The state vcpu_run would report, without running.
inline RunResult vcpu_run_check(CapId vcpu)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_VCPU_RUN_CHECK, vcpu);
    return {detail::error_of(r), r.x[1], {r.x[2], r.x[3], r.x[4]}};
}

// ---- vic_*, hwirq_*, vgic
inline Error hwirq_bind_virq(CapId hwirq, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_HWIRQ_BIND_VIRQ, hwirq, vic, virq));
}
inline Error hwirq_unbind_virq(CapId hwirq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_HWIRQ_UNBIND_VIRQ, hwirq));
}
// options: GUNYAH_VIC_OPTION_*; max_msis counts only with MAX_MSIS_VALID.
inline Error vic_configure(CapId vic, std::uint32_t max_vcpus, std::uint32_t max_virqs, std::uint64_t options,
                           std::uint32_t max_msis)
{
    return detail::error_of(
        detail::hypercall(GUNYAH_HC_VIC_CONFIGURE, vic, max_vcpus, max_virqs, options, max_msis));
}
inline Error vic_attach_vcpu(CapId vic, CapId vcpu, std::uint32_t index)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIC_ATTACH_VCPU, vic, vcpu, index));
}
inline Error vic_bind_msi_source(CapId vic, CapId msi_source)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VIC_BIND_MSI_SOURCE, vic, msi_source));
}
// How vCPU indices map to the MPIDR values the VM sees: which bits are used, and the
// shift of each affinity level; mt sets the multithreading bit.
inline Error vgic_set_mpidr_mapping(CapId vic, std::uint64_t mask, std::uint32_t aff0_shift,
                                    std::uint32_t aff1_shift, std::uint32_t aff2_shift, std::uint32_t aff3_shift,
                                    bool mt)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VGIC_SET_MPIDR_MAPPING, vic, mask, aff0_shift, aff1_shift,
                                              aff2_shift, aff3_shift, mt ? 1u : 0u));
}

// ---- scheduler, VPM groups, trace, PRNG
// control: GUNYAH_YIELD_HINT_*; arg1 depends on the hint (the thread to yield to).
inline Error scheduler_yield(std::uint32_t control, std::uint64_t arg1)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_SCHEDULER_YIELD, control, arg1));
}
inline Error vpm_group_attach_vcpu(CapId vpm_group, CapId vcpu, std::uint32_t index)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VPM_GROUP_ATTACH_VCPU, vpm_group, vcpu, index));
}
inline Error vpm_group_bind_virq(CapId vpm_group, CapId vic, std::uint32_t virq)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VPM_GROUP_BIND_VIRQ, vpm_group, vic, virq));
}
inline Error vpm_group_unbind_virq(CapId vpm_group)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VPM_GROUP_UNBIND_VIRQ, vpm_group));
}
// value: GUNYAH_VPM_STATE_*.
inline ValueResult vpm_group_get_state(CapId vpm_group)
{
    return detail::value_call_result(detail::hypercall(GUNYAH_HC_VPM_GROUP_GET_STATE, vpm_group));
}
inline Error vpm_group_configure(CapId vpm_group, std::uint64_t flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_VPM_GROUP_CONFIGURE, vpm_group, flags));
}
// value: the trace class flags after the update.
inline ValueResult trace_update_class_flags(std::uint64_t set_mask, std::uint64_t clear_mask)
{
    return detail::value_call_result(detail::hypercall(GUNYAH_HC_TRACE_UPDATE_CLASS_FLAGS, set_mask, clear_mask));
}

struct [[nodiscard]] EntropyResult {
    Error error;
    std::uint32_t data[4];  // x1..x4, each 32 bits of entropy; num_bytes of them are valid
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};
inline EntropyResult prng_get_entropy(std::uint32_t num_bytes)
{
    const detail::Regs r = detail::hypercall(GUNYAH_HC_PRNG_GET_ENTROPY, num_bytes);
    return {detail::error_of(r),
            {static_cast<std::uint32_t>(r.x[1]), static_cast<std::uint32_t>(r.x[2]),
             static_cast<std::uint32_t>(r.x[3]), static_cast<std::uint32_t>(r.x[4])}};
}

// ---- watchdog_*
inline Error watchdog_configure(CapId watchdog, std::uint64_t options)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_WATCHDOG_CONFIGURE, watchdog, options));
}
inline Error watchdog_attach_vcpu(CapId watchdog, CapId vcpu)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_WATCHDOG_ATTACH_VCPU, watchdog, vcpu));
}
inline Error watchdog_bind_virq(CapId watchdog, CapId vic, std::uint32_t virq, std::uint64_t bind_flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_WATCHDOG_BIND_VIRQ, watchdog, vic, virq, bind_flags));
}
inline Error watchdog_unbind_virq(CapId watchdog, std::uint64_t bind_flags)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_WATCHDOG_UNBIND_VIRQ, watchdog, bind_flags));
}
inline Error watchdog_manage(CapId watchdog, std::uint64_t operation)
{
    return detail::error_of(detail::hypercall(GUNYAH_HC_WATCHDOG_MANAGE, watchdog, operation));
}

}  // namespace gunyah
