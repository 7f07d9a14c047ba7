// The board table (see board.h).
#include "platform/boards/board.h"

#include "platform/dt/root_compatible.h"
#include "support/cmdline.h"

namespace hyp::platform {
namespace {

// QEMU's virt machine. Its early PL011 is where QEMU puts the first UART.
//
// VMs' stage 2 uses 4 KiB pages only. On hardware blocks are better (fewer table pages,
// more TLB reach), but QEMU's TCG records a guest translation through a stage-2 block as
// a "large page" of the block's size, and every TLB invalidation by address inside a
// regime's large-page region then flushes that regime's whole software TLB. A Linux guest
// invalidates by address tens of thousands of times while it boots; with blocks in stage
// 2 each became a full flush and a refill through both stages (the Debian boot benchmark
// did 5x the TLB fills of a direct boot).
constexpr const char* qemu_virt_compatibles[] = {"linux,dummy-virt"};

// Qualcomm RB3 Gen 2 (QCS6490, sc7280 family): the debug UART is the GENI uart5
// (qcs6490-rb3gen2.dts; docs/boards/rb3gen2.md), the one its boot loaders print on.
constexpr const char* rb3gen2_compatibles[] = {"qcom,qcs6490-rb3gen2"};

// Other sc7280-family boards (the IDP, Chromebooks): the console comes from the device
// tree once it has been read; nothing is written before that.
constexpr const char* sc7280_compatibles[] = {"qcom,qcs6490", "qcom,sc7280"};

constexpr std::uint64_t pl011_register_bytes = 0x1000;
constexpr std::uint64_t geni_register_bytes = 0x4000;

constexpr Board board_table[] = {
    {"qemu-virt", qemu_virt_compatibles, 1, {EarlyUartKind::pl011, 0x09000000, pl011_register_bytes}, false, false, false},
    {"qcom-rb3gen2", rb3gen2_compatibles, 1, {EarlyUartKind::geni, 0x00994000, geni_register_bytes}, true, true, true},
    {"qcom-sc7280", sc7280_compatibles, 2, {}, true, true, true},
};

constexpr Board generic{"generic", nullptr, 0, {}, true, false, false};

}  // namespace

const Board& select_board(const std::uint8_t* dtb, std::size_t size)
{
    for (const Board& board : board_table) {
        const bool match = for_each_root_compatible(dtb, size, [&](const char* s, std::size_t length) {
            for (std::size_t i = 0; i < board.compatible_count; ++i) {
                if (cmdline::equals(fmt::StrView{s, length}, board.compatibles[i])) {
                    return true;
                }
            }
            return false;
        });
        if (match) {
            return board;
        }
    }
    return generic;
}

const Board& generic_board() { return generic; }

const Board* boards_begin() { return board_table; }

const Board* boards_end() { return board_table + sizeof board_table / sizeof board_table[0]; }

}  // namespace hyp::platform
