// Delivering a scheduler Kick ("CPU n must call schedule() soon", scheduler.h). Every
// kick a vCPU operation produces goes through here the moment it is made, so no caller
// can forget one: on the target it is a reschedule SGI to another CPU, or a flag the
// calling CPU's run loop checks before it returns to the guest; on the host it is
// counted for the tests. Takes no lock, so it may be called with any lock held.
#pragma once

#include <cstdint>

#include "kernel/sched/scheduler.h"

namespace hyp::sched {

void deliver(Kick kick);

// "Make CPU `cpu` leave its guest once and look at its state again", without asking it to
// reschedule: for a vCPU that runs on that CPU under vcpu_run (a proxy run, which the
// scheduler does not know about) and was sent an interrupt or stopped. On the target the
// kick SGI to another CPU (nothing for the caller's own, which is at EL2 already); on
// the host counted.
void poke(CpuIndex cpu);

// Whether this CPU is handling an exit of `entity`'s vCPU right now (its registers are
// the ones live here, and the run loop enters it again only after it has refilled its
// list registers): a new interrupt for it then needs neither a kick nor an unblock, just
// the refill. Always false on the host and outside the run loop.
[[nodiscard]] bool handling_exit_of(const Entity& entity);

// Host builds only: pokes sent since the process started.
[[nodiscard]] std::uint64_t pokes_sent();

// Host builds only (the target does not define it): kicks delivered since the process
// started.
[[nodiscard]] std::uint64_t kicks_delivered();

}  // namespace hyp::sched
