// Watching the primary VM (see watch.h).
#include "rm/vm/watch.h"

#include "hyp_api/gunyah_objects.h"

namespace hyp::rm {

WatchAction PrimaryWatch::decide(const RunState& check, Diagnostic& line)
{
    line.clear();
    if (check.error == Error::ok) {
        switch (check.state) {
        case GUNYAH_VCPU_RUN_STATE_POWERED_OFF:
            if ((check.data[0] & GUNYAH_VCPU_RUN_POWERED_OFF_EXITED) != 0) {
                line.set("primary VM powered off; powering off the machine");
                return WatchAction::power_off;
            }
            break;  // vCPU 0 is off (PSCI CPU_OFF) but the VM runs on
        case GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET:
            line.set("primary VM asked for a system reset; resetting the machine");
            return WatchAction::reset;
        case GUNYAH_VCPU_RUN_STATE_READY:
        case GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP:
        case GUNYAH_VCPU_RUN_STATE_BLOCKED:
            reported_ = false;  // running normally: a later oddity is news again
            return WatchAction::keep_watching;
        default: break;
        }
    }

    // Unexpected: an error, a state the RM does not act on, or vCPU 0 off without the VM
    // having exited. Once per distinct answer.
    if (reported_ && reported_error_ == check.error && (check.error != Error::ok || reported_state_ == check.state)) {
        return WatchAction::keep_watching;
    }
    reported_ = true;
    reported_error_ = check.error;
    reported_state_ = check.state;
    if (check.error != Error::ok) {
        line.set("vcpu_run_check on the primary VM's vCPU 0 failed: {}; still watching", check.error);
    } else if (check.state == GUNYAH_VCPU_RUN_STATE_POWERED_OFF) {
        line.set("the primary VM's vCPU 0 is powered off but the VM has not exited; still watching");
    } else {
        line.set("the primary VM's vCPU 0 is in run state {:#x} (data {:#x} {:#x} {:#x}); still watching", check.state,
                 check.data[0], check.data[1], check.data[2]);
    }
    return WatchAction::keep_watching;
}

}  // namespace hyp::rm
