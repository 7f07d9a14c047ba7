// The primary VM's device tree on a real board (a Qualcomm one first): the board's own
// DTB, copied and edited, instead of the tree build_primary_dt() writes for QEMU virt.
// Linux on the board needs the board's devices, clocks, regulators and pin control, which
// no tree of ours could describe; so the RM keeps the board's tree and changes only what
// the hypervisor changes:
//   - memory the hypervisor and the RM keep becomes /reserved-memory nodes with no-map
//     (/memory is left as the boot loader wrote it; see "Why no-map" below);
//   - CPUs the VM does not get are removed, with the cpu-map entries and thermal
//     cooling-device entries that name them; the kept ones are untouched, by MPIDR;
//   - the /hypervisor node the RM writes for every primary VM (build_hypervisor_dt(),
//     the same code as on QEMU) is added, so Linux's Gunyah driver finds the RM;
//   - /chosen gets the VM's bootargs and initrd as build_primary_dt() writes them, and
//     loses the boot loader's ones and its /chosen/module@* nodes (those described the
//     hypervisor's boot modules, not anything the VM owns);
//   - the devices the hypervisor keeps and the VM cannot have are disabled (status
//     "disabled"): every SMMU, and the GIC's ITS (the virtual GIC has none);
//   - the console UART's node, when the edits name it, becomes the virtual PL011 the
//     hypervisor emulates at its address, and /chosen/stdout-path names it.
// PSCI stays as the board has it (method smc: the hypervisor traps the VM's SMCs and
// emulates or forwards PSCI), as do the GIC (the vGIC sits at the same addresses),
// timers and every other device node (their MMIO is the VM's, at IPA = PA).
//
// Why no-map reserved-memory rather than trimming /memory: it is the mechanism these very
// trees already use for Gunyah's own carve-out (hyp_mem, no-map) and for every firmware
// region, so Linux's handling is exercised on these boards daily; it does not depend on
// how the boot loader laid out /memory (one node or several, banks, or the size-0
// placeholder the upstream trees ship); it holds when Linux takes its memory map from
// UEFI instead of /memory; static no-map regions are set aside before Linux places any
// dynamic reserved region, so a CMA pool cannot land on them; and no-map keeps them out
// of the linear map, so Linux never touches them even speculatively. The one case Linux
// does not handle is a no-map region over memory another node reserved *without* no-map
// (it keeps the other node's mapping and may hand the pages to that node's driver, or to
// CMA when the node is "reusable"): such an overlap, or one with a /memreserve/ entry, is
// refused. Overlapping a board no-map region is fine (Linux marks nomap twice).
//
// Who calls it, and when: the RM's primary-VM builder (rm/vm/primary_vm.cpp,
// write_board_dt) in place of build_primary_dt(), when the boot info carries the board's
// DTB (RM_BOOT_INFO_BOARD_DTB: the kernel's board entry says the primary VM gets it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/primary_dt.h"

namespace hyp::rm {

inline constexpr std::size_t board_max_carve_outs = 8;
// The longest carve-out name: the node is "<name>@<address>" under /reserved-memory.
inline constexpr std::size_t board_carve_out_name_max = 31;
// How many CPU nodes the board's /cpus may hold that the VM does not get.
inline constexpr std::size_t board_max_removed_cpus = 64;

// Memory the VM must not use, at IPA = PA (the primary VM's RAM is identity-mapped).
struct BoardCarveOut {
    const char* name = nullptr;  // node name before '@': [a-z0-9,._+-], 1..31 characters
    IpaRange range;
};

struct BoardDtEdits {
    BoardCarveOut carve_outs[board_max_carve_outs] = {};
    std::size_t carve_out_count = 0;

    // The CPUs the VM gets, as the board's /cpus names them (the reg of each cpu node):
    // every one must be there. Any other cpu node is removed.
    std::uint64_t cpu_mpidrs[primary_max_vcpus] = {};
    std::size_t cpu_count = 0;
    // When set, kept CPU i's reg becomes cpu_vcpu_mpidrs[i]: the MPIDR its vCPU reports
    // (hyp_abi::vcpu_mpidr), which the virtual GIC's redistributors, the virtual PSCI and
    // VMPIDR_EL2 all use. Board MPIDRs (0x0, 0x100, ... on sc7280) are not vCPUs' MPIDRs.
    // The nodes keep their names and phandles, so cpu-map and thermal maps stay valid.
    bool renumber_cpus = false;
    std::uint64_t cpu_vcpu_mpidrs[primary_max_vcpus] = {};

    RmLinkNode rm_link;              // the /hypervisor node, when present (as in PrimaryDtConfig)

    // The console: the board node whose first reg is at regs.base (translated through its
    // parents' ranges) becomes the virtual PL011 there, with SPI `intid`. Empty regs: no
    // console edit. On a Qualcomm board that node is the GENI debug UART the hypervisor
    // keeps; its label and its /aliases entry keep naming it (its name and phandle stay).
    struct Console {
        IpaRange regs;               // the virtual PL011's registers (boot info's platform.uart)
        std::uint32_t intid = 0;     // its SPI (platform.uart_intid)
    } console;

    const char* bootargs = nullptr;  // NUL-terminated; null or empty: no bootargs
    IpaRange initrd;                 // empty: no initrd
};

// Copies `board_dtb` (read-only, `board_size` bytes readable; checked whole with libfdt,
// so a truncated or corrupt tree is refused) into `buffer` (8-byte aligned, `capacity`
// bytes, not overlapping the board's tree), applies `edits`, packs the result and
// returns its size.
// Errors: Error::arg_inval for a malformed board tree or inconsistent edits (no CPUs, an
// MPIDR the board lacks, carve-outs that are empty, wrap, overlap each other or the
// initrd, have bad names, or overlap memory the board reserves without no-map; a console
// whose address no node has, or more than one enabled node and none stdout-path names;
// a console interrupt that is not an SPI or is one of the RM link's; a GIC that is not
// an arm,gic-v3 with a phandle and 3 interrupt cells, when a console or /hypervisor
// needs it);
// Error::nomem when the edited tree does not fit; Error::arg_align for a misaligned
// buffer; Error::failure for anything else libfdt reports. On any failure the buffer
// holds no valid tree (its magic is cleared), so no half-edited tree can be used.
// The board's CPUs in /cpus order, by the reg (MPIDR) of each cpu node: how the RM picks
// the ones a VM of `capacity` vCPUs gets. Returns how many there are (all of them, even
// beyond `capacity`, which then holds the first ones). Error::arg_inval for a tree
// libfdt refuses or a cpu node without a well-formed reg.
[[nodiscard]] Result<std::size_t> board_cpu_mpidrs(const void* board_dtb, std::size_t board_size,
                                                   std::uint64_t* out, std::size_t capacity, Diagnostic& diag);

[[nodiscard]] Result<std::size_t> build_board_dt(const void* board_dtb, std::size_t board_size,
                                                 const BoardDtEdits& edits, void* buffer, std::size_t capacity,
                                                 Diagnostic& diag);

}  // namespace hyp::rm
