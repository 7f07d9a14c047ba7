// The vcpu_run tests' System: the IPC fixture's VM (a vic with vCPUs t0, the caller, and
// t1, both hypervisor-scheduled) plus `p`, a proxy-scheduled vCPU (vcpu_configure
// run_scheduled) of a second VM with its own address space and no vic. The tests play
// the run loop's part of vcpu_run with finish().
#pragma once

#include "hyp_api/gunyah_objects.h"
#include "kernel/object/vcpu.h"
#include "kernel/sched/kick.h"
#include "test_ipc_fixture.h"

namespace proxytest {

using namespace ipctest;

inline constexpr std::uint64_t run_scheduled = GUNYAH_VCPU_OPTION_RUN_SCHEDULED;

struct Proxy : Ipc {
    CapId p = 0;

    Proxy()
    {
        p = attached_thread(2);
        REQUIRE(e(GUNYAH_HC_VCPU_CONFIGURE, p, run_scheduled) == GUNYAH_ERROR_OK);
        REQUIRE(e(GUNYAH_HC_OBJECT_ACTIVATE, p) == GUNYAH_ERROR_OK);
    }
    ~Proxy()
    {
        if (caller.run_target != nullptr) {
            (void)finish();
        }
    }

    Return run(CapId t, std::uint64_t r0 = 0, std::uint64_t r1 = 0, std::uint64_t r2 = 0, std::uint64_t res0 = 0)
    {
        return call(GUNYAH_HC_VCPU_RUN, t, r0, r1, r2, res0);
    }
    // vcpu_run that the kernel hands to the run loop: the target is claimed.
    void run_claimed(CapId t, std::uint64_t r0 = 0, std::uint64_t r1 = 0, std::uint64_t r2 = 0)
    {
        Return r = run(t, r0, r1, r2);
        REQUIRE(err(r) == GUNYAH_ERROR_OK);
        REQUIRE(caller.run_target == &v(t));
    }
    // The run loop's end of a run: registers saved, claim ended, the report.
    RunReport finish()
    {
        Vcpu* t = caller.run_target;
        REQUIRE(t != nullptr);
        caller.run_target = nullptr;
        t->run_left_cpu();
        RunReport r = t->run_end();
        t->put();
        return r;
    }
    static RunReport report_of(const Return& r)
    {
        RunReport out;
        out.state = r.x[1];
        out.data[0] = r.x[2];
        out.data[1] = r.x[3];
        out.data[2] = r.x[4];
        return out;
    }
    // The vCPU waits (WFI), as the run loop blocks it; and an interrupt ends the wait, as
    // the vic does.
    void wfi(CapId t) { sched::deliver(vcpu_scheduler().block(v(t).entity(), sched::BlockReason::wfi)); }
    void interrupt(CapId t)
    {
        sched::deliver(vcpu_scheduler().unblock(v(t).entity(), sched::BlockReason::wfi));
        v(t).interrupt_arrived(false);
    }
    std::uint64_t halt_raised(CapId t) { return v(t).halt_virq().raised(); }
    std::uint64_t wakeup_raised(CapId t) { return v(t).wakeup_virq().raised(); }
};

}  // namespace proxytest
