// The VMM's exit statuses: what a script running `vmm` learns about the VM's end.
// docs/vmm.md lists them; vm_verdict.cpp maps the VM's exit onto 0 and 2..5.
#pragma once

namespace vmm {

enum ExitCode : int {
    exit_help = 0,         // --help
    exit_powered_off = 0,  // the VM turned itself off (PSCI SYSTEM_OFF, VM_EXIT)
    exit_setup_failed = 1, // the VMM or /dev/gunyah failed before or while running it
    exit_reset = 2,        // the VM reset itself: with panic=-1, a crashed Linux
    exit_stopped = 3,      // stopped by force, or an exit type the VMM does not expect
    exit_crashed = 4,      // the hypervisor or RM reports the VM crashed
    exit_load_failed = 5,  // the RM could not load the VM (a DT it refused, ...)
    exit_usage = 64,       // EX_USAGE: a bad command line; nothing was started
};

}  // namespace vmm
