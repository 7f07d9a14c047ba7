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

// Host builds only (the target does not define it): kicks delivered since the process
// started.
[[nodiscard]] std::uint64_t kicks_delivered();

}  // namespace hyp::sched
