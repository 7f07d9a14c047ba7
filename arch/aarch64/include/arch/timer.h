// The architected generic timer's counter, for boot-time timeouts.
#pragma once

#include <cstdint>

#include <arch/sysreg.h>

namespace hyp::arch {

inline std::uint64_t counter()
{
    isb();  // do not let the read be speculated ahead of earlier instructions
    return read_cntpct_el0();
}

inline std::uint64_t counter_frequency() { return read_cntfrq_el0(); }

}  // namespace hyp::arch
