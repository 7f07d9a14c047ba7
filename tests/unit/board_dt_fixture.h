// The board DT editor's test fixture (rm/dt/board_dt.h), shared by test_board_dt.cpp and
// test_board_dt_devices.cpp: the edits every board gets, the board as a boot loader
// hands it over, and build_board_dt() run into a buffer that outlives the call.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/dt/board_dt.h"
#include "rm/dt/libfdt.h"
#include "rm/vm/primary_vm.h"
#include "rm/vm/rm_link.h"
#include "tests/unit/board_dt_dump.h"
#include "tests/unit/dtb_file.h"

namespace hyp::test::board {

// The hypervisor where Gunyah's hyp_mem sits on these SoCs, and the RM's own memory.
constexpr std::uint64_t hyp_base = 0x80000000;
constexpr std::uint64_t hyp_size = 0x600000;
constexpr std::uint64_t rm_base = 0xa0000000;
constexpr std::uint64_t rm_size = 0x400000;

inline rm::BoardDtEdits typical_edits(std::size_t cpus = 8)
{
    rm::BoardDtEdits edits;
    edits.carve_outs[0] = {"gunyah-hyp", IpaRange{Ipa{hyp_base}, hyp_size}};
    edits.carve_outs[1] = {"gunyah-rm", IpaRange{Ipa{rm_base}, rm_size}};
    edits.carve_out_count = 2;
    for (std::size_t i = 0; i < cpus; ++i) {
        edits.cpu_mpidrs[i] = i * 0x100;  // the Qualcomm trees' 0x000..0x700
    }
    edits.cpu_count = cpus;
    rm::RmLinkNode& link = edits.rm_link;
    link.present = true;
    link.tx_cap = 0x12;
    link.rx_cap = 0x13;
    link.tx_intid = rm::primary_rm_tx_intid;
    link.rx_intid = rm::primary_rm_rx_intid;
    link.vmid = GUNYAH_RM_VMID_HLOS;
    link.message_size = rm::rm_link_message_size;
    link.queue_depth = rm::rm_link_queue_depth;
    edits.bootargs = "console=ttyMSM0,115200n8 earlycon rdinit=/sbin/init";
    edits.initrd = IpaRange{Ipa{0xa1000000}, 0x1234000};
    return edits;
}

// The board's /memory as XBL would fill it in (8 GiB), and a guest-loader style /chosen
// (the hypervisor's bootargs and its boot modules) that the VM must not inherit.
inline test::Blob as_booted(const test::Blob& blob, const char* memory_path)
{
    return test::edited(blob, [memory_path](void* fdt) {
        const int memory = test::node_at(fdt, memory_path);
        const std::uint64_t base = dt_dump::cells_at(fdt_getprop(fdt, memory, "reg", nullptr), 2);
        test::set_cells(fdt, memory_path, "reg",
                        {static_cast<std::uint32_t>(base >> 32), static_cast<std::uint32_t>(base), 0x2, 0x0});
        test::set_string(fdt, "/chosen", "bootargs", "hyp.log=debug");
        const int chosen = test::node_at(fdt, "/chosen");
        const int module = fdt_add_subnode(fdt, chosen, "module@a2400000");
        REQUIRE(module >= 0);
        REQUIRE(fdt_setprop(fdt, module, "compatible", "multiboot,kernel\0multiboot,module", 34) == 0);
        test::set_cells(fdt, "/chosen/module@a2400000", "reg", {0x0, 0xa2400000, 0x0, 0x2000000});
    });
}

struct Built {
    std::vector<std::uint8_t> buffer;
    Error error = Error::failure;
    std::size_t size = 0;
    rm::Diagnostic diag;

    [[nodiscard]] bool ok() const { return error == Error::ok; }
};

inline std::unique_ptr<Built> build(const test::Blob& board, const rm::BoardDtEdits& edits, std::size_t capacity)
{
    auto built = std::make_unique<Built>();
    built->buffer.assign(capacity, 0xa5);
    Result<std::size_t> size =
        rm::build_board_dt(board.data(), board.size(), edits, built->buffer.data(), capacity, built->diag);
    built->error = size.error();
    built->size = size ? *size : 0;
    return built;
}

// The console as the hypervisor's discovery finds it in `board` (what boot info's
// platform.uart and uart_intid carry on a board): the virtual PL011's 4 KiB at the
// console UART's address, and the UART's SPI.
inline rm::BoardDtEdits::Console board_console(const test::Blob& board)
{
    auto found = test::discover(board.data(), board.size());
    INFO(found->message());
    REQUIRE(found->ok());
    REQUIRE(found->info.console.kind == platform::ConsoleKind::geni);
    rm::BoardDtEdits::Console console;
    console.regs = IpaRange{Ipa{found->info.console.regs.base.raw()}, 0x1000};
    console.intid = found->info.console.intid;
    return console;
}

}  // namespace hyp::test::board
