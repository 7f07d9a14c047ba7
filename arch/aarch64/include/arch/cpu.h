// Which CPU is running, as the portable kernel code needs to know it.
#pragma once

#include <cstdint>

namespace hyp::arch {

// The logical index the boot code gave this CPU (0 for the boot CPU).
[[nodiscard]] std::uint32_t current_cpu_index();

}  // namespace hyp::arch
