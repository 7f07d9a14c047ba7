// The boards one hypervisor image knows, chosen at cold boot from the device tree's root
// `compatible` (platform/dt/root_compatible.h). A board entry holds only what a device
// tree cannot tell us early enough (the UART to write to before discovery) or at all
// (policies that depend on the machine, not on its description). Everything else,
// RAM, CPUs, GIC, timer, PSCI, the console, comes from discovery on every board.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyp::platform {

enum class EarlyUartKind : std::uint8_t {
    none,   // silent until discovery finds the console
    pl011,  // Arm PL011
    geni,   // Qualcomm GENI debug UART (platform/qcom)
};

struct EarlyUart {
    EarlyUartKind kind = EarlyUartKind::none;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
};

struct Board {
    const char* name;
    // Root `compatible` strings that select this board; the first board with a match wins,
    // so a specific board comes before its SoC family.
    const char* const* compatibles;
    std::size_t compatible_count;
    EarlyUart early_uart;
    // VMs' stage 2 with 2 MiB and 1 GiB blocks where they fit (false: 4 KiB pages only;
    // see the QEMU virt entry for why).
    bool stage2_blocks;
    // Qualcomm SiP (SCM) calls from the primary VM are forwarded to EL3 through the
    // allow-list; elsewhere SiP calls are refused.
    bool forwards_qcom_sip;
    // The primary VM gets the board's own device tree, edited by the RM (rm/dt/board_dt.h),
    // rather than one the RM writes: Linux on a real board needs its clocks, regulators,
    // pin control and devices, which only the board's tree describes. On QEMU virt the
    // RM's own tree (a vPL011, the vGIC) is all a guest needs, and a generic board's tree
    // is not known to suit a VM.
    bool primary_gets_board_dt;
};

// The board whose compatible the root node lists first-match in the table; the generic
// board (no early UART, blocks, no SiP forwarding, the RM's own primary DT) when none
// matches or the blob is not readable. `dtb` is read with aligned loads only: callable with the MMU off.
[[nodiscard]] const Board& select_board(const std::uint8_t* dtb, std::size_t size);

[[nodiscard]] const Board& generic_board();

// Every board, for the documentation and tests.
[[nodiscard]] const Board* boards_begin();
[[nodiscard]] const Board* boards_end();

}  // namespace hyp::platform
