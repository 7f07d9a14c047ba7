// The whole run: plan, build the DT, create and start the VM through /dev/gunyah, serve
// it until it stops, and end the process with exit_codes.h's status.
#pragma once

#include "vmm/options.h"

namespace vmm {

// Returns only when setup fails (exit_setup_failed, or exit_usage for --dtb-out), before
// any thread runs. Once the VM runs it ends the process itself (_exit): threads may be
// inside GH_VCPU_RUN or read(stdin) and are not joined; closing the VM fd on exit makes
// the driver stop, reset and reclaim the VM.
[[nodiscard]] int run_vm(const Options& options);

}  // namespace vmm
