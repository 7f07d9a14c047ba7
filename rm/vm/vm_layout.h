// The primary VM's IPA layout: which RAM it gets and where in that RAM the kernel, its
// device tree and its initrd go, so that Linux's arm64 boot protocol
// (Documentation/arch/arm64/booting.rst) holds. Pure arithmetic over ranges, host-tested;
// the resource manager copies the modules and writes the DT where this says.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"
#include "support/result.h"
#include "rm/boot/image_header.h"
#include "rm/core/diagnostic.h"

namespace hyp::rm {

// How much RAM the primary VM gets unless the RM is told otherwise.
inline constexpr std::uint64_t default_primary_ram_size = std::uint64_t{512} << 20;
// VM RAM starts on a 2 MiB boundary (the kernel's base alignment, and stage-2 blocks)
// and is a whole number of 4 KiB pages.
inline constexpr std::uint64_t vm_ram_alignment = std::uint64_t{2} << 20;
inline constexpr std::uint64_t vm_ram_granule = 4096;

// booting.rst: "The device tree blob (dtb) must be placed on an 8-byte boundary and
// must not exceed 2 megabytes in size."
inline constexpr std::uint64_t dtb_size_limit = std::uint64_t{2} << 20;
inline constexpr std::uint64_t dtb_alignment = 8;
// What the RM reserves for the primary VM's DT: its tree is a few KiB, the hypervisor
// node adds well under one more; 64 KiB leaves room without wasting a 2 MiB block.
inline constexpr std::uint64_t default_dtb_max_size = std::uint64_t{64} << 10;
// The initrd starts on a 64 KiB boundary: whole pages under any arm64 page size, so
// Linux can free every page of it after unpacking.
inline constexpr std::uint64_t initrd_alignment = std::uint64_t{64} << 10;
// booting.rst: the initrd "must reside entirely within a 1 GB aligned physical memory
// window of up to 32 GB in size that fully covers the kernel Image as well."
inline constexpr std::uint64_t initrd_window_alignment = std::uint64_t{1} << 30;
inline constexpr std::uint64_t initrd_window_size = std::uint64_t{32} << 30;

// For VmLayoutRequest::dtb_at / initrd_at: let the planner choose.
inline constexpr std::uint64_t place_automatically = ~std::uint64_t{0};

struct VmLayoutRequest {
    IpaRange ram;                                   // the VM's RAM, as the VM sees it
    KernelImage kernel;                             // from parse_image_header()
    std::uint64_t initrd_size = 0;                  // 0: no initrd
    std::uint64_t dtb_max_size = default_dtb_max_size;  // the DT buffer; at most dtb_size_limit
    std::uint64_t dtb_at = place_automatically;     // a fixed IPA for the DT, or placed
    std::uint64_t initrd_at = place_automatically;  // a fixed IPA for the initrd, or placed
};

struct VmLayout {
    IpaRange ram;
    Ipa kernel_base;       // 2 MiB aligned; kernel.base = kernel_base + text_offset
    IpaRange kernel_file;  // [load, +file_size): the module's bytes are copied here
    IpaRange kernel;       // [load, +image_size): the kernel's own, BSS included
    IpaRange dtb;          // [dtb, +dtb_max_size): the DT is written here
    IpaRange initrd;       // empty when there is none

    // vCPU 0 starts here, at EL1h with the MMU off, and x0 = dtb_address().
    [[nodiscard]] constexpr Ipa entry() const { return kernel.base; }
    [[nodiscard]] constexpr Ipa dtb_address() const { return dtb.base; }
};

// Places the kernel at the lowest 2 MiB-aligned base of RAM (place_kernel()), then the
// DT and the initrd, each at the lowest free aligned address above the kernel unless
// the request fixes it. The DT slot is aligned to its own size rounded up to a power of
// two, so it never crosses a 2 MiB boundary (what kernels before v4.2 required). Every
// refusal names what does not fit or what overlaps what.
[[nodiscard]] Result<VmLayout> plan_vm_layout(const VmLayoutRequest& request, Diagnostic& diag);

// The rules a finished layout must satisfy, checked on their own (plan_vm_layout() ends
// with this): everything inside RAM, nothing overlapping, kernel_base 2 MiB aligned and
// the file inside the kernel's range, the DT 8-byte aligned and at most 2 MiB, the
// initrd and kernel inside one 1 GiB-aligned 32 GiB window.
[[nodiscard]] Status check_vm_layout(const VmLayout& layout, Diagnostic& diag);

// The first 2 MiB-aligned block of `size` bytes in `free` (physical RAM the hypervisor
// said the RM may give to VMs), for a VM whose RAM is mapped at the same IPA (what
// Gunyah's RM does for the primary VM: its IPA space then mirrors the machine's, and
// RAM can never land on a device's address). `size` must be a whole number of pages.
[[nodiscard]] Result<PhysRange> choose_vm_ram(const PhysRange* free, std::size_t count, std::uint64_t size,
                                              Diagnostic& diag);

// Whether the boot loader's modules can serve where they are, inside the VM's RAM, instead
// of being copied into it: the kernel module must sit at a 2 MiB boundary plus the
// kernel's text_offset, and the `size` bytes of RAM from that boundary must be free RAM
// or the modules' own pages (`free`: what the hypervisor said the RM may give to VMs).
// The initrd serves in place when its pages lie inside that RAM, clear of the kernel
// and 64 KiB aligned; when they lie outside it, it is copied; anything else (part
// inside, or inside but misplaced) and nothing is in place. `why` says what stood in
// the way (a static string), when `possible` is false.
struct InPlaceRequest {
    KernelImage kernel;
    PhysRange kernel_pages;   // the kernel module's extent: its range rounded out to pages
    std::uint64_t kernel_at = 0;  // the module's first byte
    PhysRange initrd_pages;   // empty: no initrd
    std::uint64_t initrd_at = 0;
    std::uint64_t initrd_size = 0;
    const PhysRange* free = nullptr;
    std::size_t free_count = 0;
    std::uint64_t ram_size = default_primary_ram_size;
};

struct InPlacePlan {
    bool possible = false;
    bool initrd_in_place = false;
    IpaRange ram;             // IPA = PA
    const char* why = "";
};

[[nodiscard]] InPlacePlan plan_in_place(const InPlaceRequest& request);

}  // namespace hyp::rm
