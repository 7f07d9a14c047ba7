// The VM's end as the VMM's exit status (vmm/exit_verdict.h): off is success, a reset is
// Linux panicking with panic=-1, and everything else says what happened.
#include <catch2/catch.hpp>

#include "linux/gunyah/uapi/gunyah.h"
#include "vmm/exit_codes.h"
#include "vmm/exit_verdict.h"
#include "vmm/gunyah_abi.h"

using namespace vmm;

TEST_CASE("vmm exit: powered off is 0, a reset 2, a forced stop 3", "[vmm]")
{
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::vm_exit).exit_code == 0);
    const Verdict off = verdict_for(GH_VM_STATUS_EXITED, exit_type::plat_off);
    CHECK(off.exit_code == 0);
    CHECK(off.message == "the VM powered off");
    const Verdict reset = verdict_for(GH_VM_STATUS_EXITED, exit_type::plat_reset);
    CHECK(reset.exit_code == 2);
    CHECK(reset.message == "the VM reset itself (a crash, with panic=-1)");
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::psci_reset2).exit_code == 2);
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::stop_forced).exit_code == 3);
}

TEST_CASE("vmm exit: other exit types are 3 and named", "[vmm]")
{
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::wdog_bite).message ==
          "the VM exited with type 4 (WDOG_BITE)");
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::sw_err).exit_code == 3);
    CHECK(verdict_for(GH_VM_STATUS_EXITED, exit_type::async_hw_err).exit_code == 3);
    const Verdict odd = verdict_for(GH_VM_STATUS_EXITED, 99);
    CHECK(odd.exit_code == 3);
    CHECK(odd.message == "the VM exited with type 99 (unknown)");
}

TEST_CASE("vmm exit: crashed is 4, load failed 5, an unknown status 3", "[vmm]")
{
    CHECK(verdict_for(GH_VM_STATUS_CRASHED, 0).exit_code == exit_crashed);
    CHECK(verdict_for(GH_VM_STATUS_CRASHED, 0).exit_code == 4);
    CHECK(verdict_for(GH_VM_STATUS_LOAD_FAILED, 0).exit_code == 5);
    CHECK(verdict_for(42, 0).exit_code == 3);
    CHECK(verdict_for(42, 0).message == "the VM stopped with unknown status 42");
}
