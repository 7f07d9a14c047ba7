// Watching the primary VM (rm/vm/watch.h): what the RM does for each vcpu_run_check
// answer on its vCPU 0, and that an unexpected answer is reported once, not every 100 ms.
#include <catch2/catch.hpp>

#include <string>

#include "hyp_api/gunyah_objects.h"
#include "rm/vm/watch.h"

using namespace hyp;
using namespace hyp::rm;

namespace {

RunState state(std::uint64_t s, std::uint64_t data0 = 0) { return RunState{Error::ok, s, {data0, 0, 0}}; }
RunState failed(Error e) { return RunState{e, 0, {0, 0, 0}}; }

}  // namespace

TEST_CASE("rm watch: a running VM is watched quietly")
{
    PrimaryWatch watch;
    Diagnostic line;
    for (std::uint64_t s : {GUNYAH_VCPU_RUN_STATE_READY, GUNYAH_VCPU_RUN_STATE_EXPECTS_WAKEUP,
                            GUNYAH_VCPU_RUN_STATE_BLOCKED}) {
        CHECK(watch.decide(state(s), line) == WatchAction::keep_watching);
        CHECK(line.empty());
    }
}

TEST_CASE("rm watch: SYSTEM_OFF in the VM (vCPU 0 off, exited) powers the machine off")
{
    PrimaryWatch watch;
    Diagnostic line;
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_POWERED_OFF, GUNYAH_VCPU_RUN_POWERED_OFF_EXITED), line) ==
          WatchAction::power_off);
    CHECK(std::string{line.c_str()} == "primary VM powered off; powering off the machine");
}

TEST_CASE("rm watch: SYSTEM_RESET in the VM resets the machine")
{
    PrimaryWatch watch;
    Diagnostic line;
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_PSCI_SYSTEM_RESET), line) == WatchAction::reset);
    CHECK_THAT(std::string{line.c_str()}, Catch::Contains("system reset") && Catch::Contains("resetting"));
}

TEST_CASE("rm watch: vCPU 0 off without the VM exiting (CPU_OFF) is reported once and watched on")
{
    PrimaryWatch watch;
    Diagnostic line;
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_POWERED_OFF), line) == WatchAction::keep_watching);
    CHECK_THAT(std::string{line.c_str()}, Catch::Contains("has not exited"));
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_POWERED_OFF), line) == WatchAction::keep_watching);
    CHECK(line.empty());
    // ... until it exits after all.
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_POWERED_OFF, 1), line) == WatchAction::power_off);
}

TEST_CASE("rm watch: a failing vcpu_run_check is reported once per error and never stops the watch")
{
    PrimaryWatch watch;
    Diagnostic line;
    CHECK(watch.decide(failed(Error::unimplemented), line) == WatchAction::keep_watching);
    CHECK(std::string{line.c_str()} ==
          "vcpu_run_check on the primary VM's vCPU 0 failed: unimplemented; still watching");
    for (int i = 0; i < 100; ++i) {
        REQUIRE(watch.decide(failed(Error::unimplemented), line) == WatchAction::keep_watching);
        REQUIRE(line.empty());
    }
    CHECK(watch.decide(failed(Error::cspace_cap_null), line) == WatchAction::keep_watching);
    CHECK_THAT(std::string{line.c_str()}, Catch::Contains("cspace_cap_null"));
    // A normal answer in between makes the next failure news again.
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_READY), line) == WatchAction::keep_watching);
    CHECK(watch.decide(failed(Error::cspace_cap_null), line) == WatchAction::keep_watching);
    CHECK_FALSE(line.empty());
}

TEST_CASE("rm watch: states the RM does not act on (fault, VMMIO exits, unknown) are reported once")
{
    PrimaryWatch watch;
    Diagnostic line;
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_FAULT, 0x1234), line) == WatchAction::keep_watching);
    CHECK_THAT(std::string{line.c_str()}, Catch::Contains("run state 0x6") && Catch::Contains("0x1234"));
    CHECK(watch.decide(state(GUNYAH_VCPU_RUN_STATE_FAULT, 0x1234), line) == WatchAction::keep_watching);
    CHECK(line.empty());
    CHECK(watch.decide(state(0x77), line) == WatchAction::keep_watching);
    CHECK_THAT(std::string{line.c_str()}, Catch::Contains("run state 0x77"));
}
