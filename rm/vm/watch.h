// What the resource manager does while the primary VM runs: every 100 ms it asks the
// hypervisor how the VM's vCPU 0 stands (vcpu_run_check) and decides here. The VM
// calling PSCI SYSTEM_OFF (vCPU 0 powered off with the "exited" flag) powers the machine
// off; SYSTEM_RESET resets it. Anything unexpected is reported once and watched on.
// Portable, so the decisions are host-tested; the loop and the PSCI calls are the
// target's.
#pragma once

#include <cstdint>

#include "support/error.h"
#include "rm/core/diagnostic.h"
#include "rm/vm/hypervisor.h"

namespace hyp::rm {

enum class WatchAction : std::uint8_t {
    keep_watching,
    power_off,  // PSCI SYSTEM_OFF for the machine
    reset,      // PSCI SYSTEM_RESET for the machine
};

class PrimaryWatch {
public:
    // The action for one vcpu_run_check answer. `line` is set when there is something
    // to print (and left empty otherwise): the reason for power-off or reset, or an
    // unexpected answer, which is reported the first time it is seen and not again
    // until a different one has been.
    WatchAction decide(const RunState& check, Diagnostic& line);

private:
    // The last unexpected answer reported, so that it is not repeated every 100 ms.
    bool reported_ = false;
    Error reported_error_ = Error::ok;
    std::uint64_t reported_state_ = 0;
};

}  // namespace hyp::rm
