// Building the primary VM ("HLOS") with hypercalls only: its RAM as a memextent taken
// from the root partition (the RM keeps that one and maps a child over all of it), the kernel and initrd copied in and the device tree written
// through a temporary mapping in the RM's own address space, then its cspace, address
// space, VPM group, virtual GIC (vic) and vCPUs, and vCPU 0 powered on at the kernel's
// entry with x0 = the DT. Every result is checked; a failure names the call and the Gunyah error, and leaves
// what was created in place (the RM powers the machine off).
//
// Portable: the hypercalls and the RM's view of memory come through rm/vm/hypervisor.h,
// so the host tests play the whole sequence against a recording fake.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/rm_boot_info.h"
#include "support/result.h"
#include "rm/boot/boot_info.h"
#include "rm/boot/image_header.h"
#include "rm/core/diagnostic.h"
#include "rm/dt/primary_dt.h"
#include "rm/vm/board_devices.h"
#include "rm/vm/hypervisor.h"
#include "rm/vm/rm_link.h"
#include "rm/vm/vm_layout.h"

namespace hyp::rm {

// The primary VM's cspace: room for what the RM will later copy into it (message
// queues, doorbells, its vCPUs' caps), far more than it needs now.
inline constexpr std::uint32_t primary_cspace_caps = 256;
// The primary VM's virtual GIC: its SPIs (vic_configure's max_virqs; INTIDs 32 up, the
// kernel rounds to a multiple of 32). 64 holds the vPL011's (platform.uart_intid, 33 on
// QEMU virt) and leaves room for the SPIs of the RM's message queues and doorbells the
// VM will be given later; the vGIC itself sits at the platform's GICD/GICR addresses,
// which the primary DT already shows.
inline constexpr std::uint32_t primary_vic_spis = 64;
// The interrupts of the VM's RPC link to the RM (its /hypervisor node): the top two of
// its SPIs, clear of the vPL011's and of QEMU virt's device SPIs should those ever be
// passed through.
inline constexpr std::uint32_t primary_rm_tx_intid = 32 + primary_vic_spis - 2;
inline constexpr std::uint32_t primary_rm_rx_intid = 32 + primary_vic_spis - 1;
// On a board (the VM gets the board's DT): every SPI the virtual GIC has (INTIDs
// 32..1019, the kernel's Vgic::max_spis), since the board's devices keep their SPIs (the
// vPL011 on sc7280 is INTID 638); the link takes the two highest the board's DT leaves
// free (rm/dt/board_irqs.h).
inline constexpr std::uint32_t board_vic_spis = 988;
// The RM's own SPIs for this link (its vic has boot info's vic_spis from INTID 32; the
// vPL011 drives 33): a message from the primary VM, and room to send to it again.
inline constexpr std::uint32_t primary_link_rm_rx_intid = 64;
inline constexpr std::uint32_t primary_link_rm_tx_intid = 65;
// How many 2 MiB steps through the free RAM the RM takes when the hypervisor already
// uses pages of a candidate (activation answers busy) before giving up.
inline constexpr std::size_t max_ram_candidates = 4096;
inline constexpr std::uint64_t rm_page_size = 4096;

struct PrimaryVmRequest {
    const rm_boot_info* info = nullptr;  // checked with check_boot_info()
    PrimaryModules modules;              // kernel is required, ramdisk optional
    std::uint64_t ram_size = default_primary_ram_size;
    std::uint32_t vcpu_count = 1;        // 1..primary_max_vcpus
};

struct PrimaryVm {
    CapId ram_root = cap_invalid;    // the RM's extent over the VM's RAM (lends go back to it)
    CapId ram_extent = cap_invalid;  // its child over all of it: mapped into the VM
    CapId cspace = cap_invalid;
    CapId addrspace = cap_invalid;
    CapId vpm_group = cap_invalid;
    CapId vic = cap_invalid;
    RmLink rm_link;                     // its RPC queue pair to the RM
    std::uint32_t vic_spis = 0;         // the SPIs its vic has
    std::uint32_t rm_tx_intid = 0;      // the link's interrupts in it (the /hypervisor node's)
    std::uint32_t rm_rx_intid = 0;
    HwirqBinding hwirqs;                // on a board: the hardware interrupts it got
    CapId vcpus[primary_max_vcpus] = {};
    std::uint32_t vcpu_count = 0;

    KernelImage kernel;
    VmLayout layout;
    std::size_t dtb_size = 0;           // bytes of the packed tree at layout.dtb
    std::size_t busy_candidates = 0;    // RAM candidates the hypervisor was using
    // The kernel (and the initrd) serve where the boot loader put them: their pages were
    // given back to the root partition and are part of the VM's RAM, nothing is copied.
    bool kernel_in_place = false;
    bool initrd_in_place = false;
    const char* not_in_place = "";      // why not, when kernel_in_place is false
};

// The module's memextent covers its range rounded out to whole pages; the RM maps it at
// IPA = the rounded-down base.
[[nodiscard]] constexpr std::uint64_t module_extent_base(const rm_boot_module& module)
{
    return module.phys.base & ~(rm_page_size - 1);
}

// Reads the kernel module's Image header, chooses and claims the RAM, lays out and fills
// it, creates the VM's objects and starts vCPU 0. `vm` holds what was created so far,
// also on failure.
[[nodiscard]] Status build_primary_vm(const PrimaryVmRequest& request, Hypervisor& hv, Memory& memory, PrimaryVm& vm,
                                      Diagnostic& diag);

}  // namespace hyp::rm
