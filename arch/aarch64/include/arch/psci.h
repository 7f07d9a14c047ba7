// Calls to the platform's PSCI firmware (EL3, or QEMU's built-in PSCI), over SMC or
// HVC as the device tree says.
#pragma once

#include <cstdint>

namespace hyp::arch::psci {

enum class Conduit : std::uint8_t { smc, hvc };

void set_conduit(Conduit conduit);

[[nodiscard]] std::uint32_t version();  // major << 16 | minor
// Starts the CPU `mpidr` at physical address `entry` with x0 = `context`. PSCI return code.
[[nodiscard]] std::int64_t cpu_on(std::uint64_t mpidr, std::uint64_t entry, std::uint64_t context);
[[noreturn]] void system_off();
// SYSTEM_RESET: a cold reset of the whole machine.
[[noreturn]] void system_reset();

[[nodiscard]] const char* return_code_name(std::int64_t code);

}  // namespace hyp::arch::psci
