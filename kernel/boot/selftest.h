// In-kernel self-tests: code that must run on the machine (faults, the MMU, PSCI) and
// cannot be tested on the host. They are linked only into hyp-selftest.bin and run
// one at a time, named on the command line: `-append selftest=NAME`. The QEMU tests
// match what they print.
#pragma once

namespace hyp {

struct SelfTest {
    const char* name;
    void (*run)();
};

// Runs the test named `name`, or says that there is none by that name (listing the
// ones there are). Returns after the test returns; many tests never return.
void run_selftest(const char* name, unsigned long name_length);

}  // namespace hyp

// Registers a self-test in the .hyp_selftests section (linker/hyp.ld collects them).
#define HYP_SELFTEST(id, test_name)                                                       \
    static void selftest_##id();                                                          \
    [[gnu::used, gnu::section(".hyp_selftests")]] constinit const ::hyp::SelfTest         \
        selftest_entry_##id{test_name, &selftest_##id};                                   \
    static void selftest_##id()
