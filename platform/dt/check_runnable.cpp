// Whether the hypervisor can run on a discovered platform (see discover.h): each
// requirement in turn, the first one missing named in the Diagnostic.
#include "platform/dt/discover.h"

namespace hyp::platform {
namespace {

// Something the hypervisor needs is absent from the description (a GICv2, which is
// present but not supported, is Error::unimplemented instead).
Failure refuse(Diagnostic& diag, const char* message)
{
    diag.set("{}", message);
    return fail(Error::arg_inval);
}

Status check_gic(const GicInfo& gic, Diagnostic& diag)
{
    switch (gic.version) {
    case GicVersion::v3:
    case GicVersion::v4:
        break;
    case GicVersion::v2:
        diag.set("interrupt controller is GICv2 ({}): GICv2 is not supported, a GICv3 is required", gic.compatible);
        return fail(Error::unimplemented);
    case GicVersion::none:
    case GicVersion::unknown:
        return refuse(diag, "no GICv3 interrupt controller node (compatible \"arm,gic-v3\")");
    }
    if (gic.redistributor_region_count == 0) {
        return refuse(diag, "GICv3 has no redistributor region");
    }
    return success();
}

Status check_ram(const PlatformInfo& info, Diagnostic& diag)
{
    UsableRamWalk walk{info};
    PhysRange first;
    if (walk.next(first)) {
        return success();
    }
    if (info.memory_count == 0) {
        return refuse(diag, "no usable RAM: no memory node with a non-zero reg");
    }
    diag.set("no usable RAM: reserved ranges cover all {} memory ranges", info.memory_count);
    return fail(Error::nomem);
}

}  // namespace

Status check_runnable(const PlatformInfo& info, Diagnostic& diag)
{
    diag.clear();
    Status status = check_gic(info.gic, diag);
    if (!status) {
        return status;
    }
    if (info.cpu_count == 0) {
        return refuse(diag, "no CPU nodes (device_type \"cpu\" under /cpus)");
    }
    status = check_ram(info, diag);
    if (!status) {
        return status;
    }
    if (info.psci.compatible.empty()) {
        return refuse(diag, "no PSCI node (compatible \"arm,psci-1.0\", \"arm,psci-0.2\" or \"arm,psci\")");
    }
    if (info.psci.method == PsciMethod::none) {
        return refuse(diag, "PSCI node has no method (\"smc\" or \"hvc\")");
    }
    if (!info.timer.present) {
        return refuse(diag, "no architected timer node (compatible \"arm,armv8-timer\")");
    }
    if (info.timer.hyp_phys_intid == 0) {
        return refuse(diag, "architected timer has no EL2 physical timer interrupt on the GIC");
    }
    return success();
}

}  // namespace hyp::platform
