// Host stand-in for the CPU identity: unit tests run as "CPU 0".
#pragma once

#include <cstdint>

namespace hyp::arch {

[[nodiscard]] inline std::uint32_t current_cpu_index() { return 0; }

}  // namespace hyp::arch
