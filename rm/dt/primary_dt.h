// The device tree the resource manager writes for the primary VM (Linux): RAM, vCPUs,
// PSCI over HVC, the architected timer, the GICv3 at the platform's addresses, the PL011
// console with its clock, and /chosen with bootargs and the initrd. Built with libfdt
// into a caller's buffer, no heap. Inputs are plain data, so the host tests build trees
// for any VM shape and read them back with the hypervisor's own DT discovery.
//
// vCPU MPIDRs follow hyp_api/vcpu_mpidr.h: Aff0 = index % 16, Aff1 = index / 16. The
// hypervisor's virtual PSCI must use the same convention (set_vcpus() applies it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

// As many vCPUs as the hypervisor's discovery records CPUs (platform::max_cpus).
inline constexpr std::size_t primary_max_vcpus = 64;
// A GICv3 redistributor is two 64 KiB frames (RD_base, SGI_base) per CPU, packed.
inline constexpr std::uint64_t gic_redistributor_frame_size = 0x20000;
// QEMU's apb-pclk: the PL011's reference clock. Linux only needs it to exist and be
// steady; the emulated UART has no baud rate to derive from it.
inline constexpr std::uint32_t default_uart_clock_hz = 24000000;

// The architected timer's interrupts as GIC INTIDs (PPIs, 16..31), in the binding's
// order. The hypervisor's own timer (hyp_phys) is listed too, as on the real machine.
struct TimerIntids {
    std::uint32_t secure_phys = 29;
    std::uint32_t nonsecure_phys = 30;
    std::uint32_t virt = 27;
    std::uint32_t hyp_phys = 26;
};

// The VM's end of its RPC link to the resource manager: the message-queue pair Linux's
// Gunyah driver finds under /hypervisor. Caps are in the VM's own cspace; "tx" is the
// queue the VM sends on (its interrupt: "no longer full"), "rx" the one it receives on
// ("has a message"). Both interrupts are edge-triggered SPIs of the VM's virtual GIC.
struct RmLinkNode {
    bool present = false;  // false: no /hypervisor node
    std::uint64_t tx_cap = 0;
    std::uint64_t rx_cap = 0;
    std::uint32_t tx_intid = 0;  // SPIs (32..1019)
    std::uint32_t rx_intid = 0;
    std::uint32_t vmid = 0;      // the VM's own VMID (qcom,gunyah-vm)
    std::uint32_t message_size = 0;
    std::uint32_t queue_depth = 0;
};

struct PrimaryDtConfig {
    IpaRange ram;

    std::size_t vcpu_count = 0;
    std::uint64_t vcpu_mpidrs[primary_max_vcpus] = {};  // affinity fields only; see set_vcpus()

    IpaRange gic_distributor;               // GICD
    Ipa gic_redistributor_base;             // GICR: gic_redistributor_size(vcpu_count) bytes from here
    std::uint32_t gic_maintenance_intid = 25;  // a PPI, written as the GIC node's interrupt
    TimerIntids timer;

    IpaRange uart;                          // the PL011's registers
    std::uint32_t uart_intid = 33;          // an SPI (32..1019)
    std::uint32_t uart_clock_hz = default_uart_clock_hz;

    RmLinkNode rm_link;              // the /hypervisor node, when present

    const char* bootargs = nullptr;  // NUL-terminated; null or empty writes no bootargs
    IpaRange initrd;                 // empty: no initrd
};

[[nodiscard]] constexpr std::uint64_t gic_redistributor_size(std::size_t vcpu_count)
{
    return gic_redistributor_frame_size * vcpu_count;
}

// Sets vcpu_count and vcpu_mpidrs[i] = vcpu_mpidr(i) for each vCPU. A count above
// primary_max_vcpus is kept as given (with the table full), so build_primary_dt()
// refuses it rather than a VM silently getting fewer vCPUs.
void set_vcpus(PrimaryDtConfig& config, std::size_t count);

// Writes the tree into `buffer` (8-byte aligned, `capacity` bytes), packs it and returns
// its size. Building needs up to 8 bytes more than that size (libfdt's sequential
// writer aligns its reservation map to 16 bytes; packing takes the gap out). Refuses before writing anything when the configuration is inconsistent
// (no vCPUs or too many, duplicate MPIDRs, intids of the wrong kind, devices overlapping
// RAM or each other, an initrd outside RAM), and with Error::nomem when the buffer is
// too small; on any failure the buffer holds no valid tree.
[[nodiscard]] Result<std::size_t> build_primary_dt(const PrimaryDtConfig& config, void* buffer, std::size_t capacity,
                                                   Diagnostic& diag);

// A tree of only the root and the /hypervisor node that build_primary_dt() writes for
// `link` (which must be present, with two distinct SPIs), for writers that graft that
// node into a tree they did not build (rm/dt/board_dt.h). Same buffer rules and errors.
[[nodiscard]] Result<std::size_t> build_hypervisor_dt(const RmLinkNode& link, void* buffer, std::size_t capacity,
                                                      Diagnostic& diag);

// The phandles the tree gives the GIC and the PL011's clock, for readers and tests.
inline constexpr std::uint32_t primary_dt_gic_phandle = 1;
inline constexpr std::uint32_t primary_dt_uart_clock_phandle = 2;

// The virtual PL011 and its fixed clock as build_primary_dt() writes them.
struct UartNode {
    IpaRange regs;
    std::uint32_t intid = 0;  // an SPI, written <0 (intid - 32) 4>
    std::uint32_t clock_hz = default_uart_clock_hz;
    std::uint32_t clock_phandle = primary_dt_uart_clock_phandle;  // one the target tree does not use
    const char* clock_node = "apb-pclk";  // the clock's node name, under the root
};

// A tree of only the root, "pl011@<base>" (reg with two address and two size cells) and
// its clock (named clock_node, phandle clock_phandle), for writers that copy them into a
// tree they did not build (rm/dt/board_dt.h). Error::arg_inval for an intid that is not
// an SPI, empty registers, or a zero clock or phandle; otherwise build_primary_dt()'s rules.
[[nodiscard]] Result<std::size_t> build_uart_dt(const UartNode& uart, void* buffer, std::size_t capacity,
                                                Diagnostic& diag);

}  // namespace hyp::rm
