// The resource manager's table of secondary VMs: their VMIDs, owners and lifecycle
// states, and what the RM made for each. A fixed pool (max_secondary_vms slots, no
// heap); a slot comes back when its VM is deallocated. The primary VM (HLOS, VMID 3) is
// not in the table: it is built at boot and never goes through this lifecycle.
//
// States and transitions follow Gunyah's RM (src/vm_mgnt/vm_mgnt.c,
// vm_mgnt_state_change_valid): VM_ALLOC_VMID -> LOAD; VM_CONFIG_IMAGE LOAD/RESET -> INIT;
// VM_INIT INIT -> READY (or INIT_FAILED); VM_START READY -> RUNNING; VM_STOP (forced),
// or the VM powering off or resetting itself, RUNNING -> EXITED; VM_RESET EXITED / READY /
// INIT_FAILED -> RESETTING -> RESET (the RM's teardown is synchronous); VM_DEALLOC_VMID
// from LOAD or RESET. docs/rpc.md has the table of which call needs which state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hyp_api/gunyah_rm_rpc.h"
#include "rm/dt/secondary_dt.h"
#include "rm/vm/hypervisor.h"
#include "rm/vm/rm_link.h"

namespace hyp::rm {

inline constexpr std::size_t max_secondary_vms = 8;
inline constexpr std::uint32_t secondary_max_vcpus = 8;
// VM_SET_BOOT_CONTEXT registers kept per VM until VM_START.
inline constexpr std::size_t max_boot_context = 8;
// Static VMIDs a VMM may ask for (gunyah-rm.md: QEMU's platform gives 4..31).
inline constexpr std::uint16_t static_vmid_first = 4;
inline constexpr std::uint16_t static_vmid_last = 31;

enum class VmState : std::uint8_t {
    none = GUNYAH_RM_VM_STATUS_NO_STATE,
    init = GUNYAH_RM_VM_STATUS_INIT,
    ready = GUNYAH_RM_VM_STATUS_READY,
    running = GUNYAH_RM_VM_STATUS_RUNNING,
    load = GUNYAH_RM_VM_STATUS_LOAD,
    init_failed = GUNYAH_RM_VM_STATUS_INIT_FAILED,
    exited = GUNYAH_RM_VM_STATUS_EXITED,
    resetting = GUNYAH_RM_VM_STATUS_RESETTING,
    reset = GUNYAH_RM_VM_STATUS_RESET,
};

// One of a VM's doorbells (rm/vm/vm_doorbells.h): the RM's cap to it, the VM's end and
// the owner's end (SEND to the sender, RECEIVE to the receiver), and the receiver's SPI.
struct VmDoorbell {
    bool source = false;             // the VM sends, the owner receives
    std::uint32_t label = 0;
    char node_name[doorbell_name_max] = {};
    CapId cap = cap_invalid;         // the RM's
    CapId vm_cap = cap_invalid;      // in the VM's cspace
    CapId owner_cap = cap_invalid;   // in the owner's cspace
    std::uint32_t intid = 0;         // the receiver's SPI, 0: none
    bool bound = false;              // doorbell_bind_virq done
};

// A VM's console (Gunyah's vm_console_simple.c): whether the VM and its owner have it
// open, and the VM's line going to the RM's console.
inline constexpr std::size_t console_line_max = 120;
struct VmConsole {
    bool self_opened = false;
    bool owner_opened = false;
    char line[console_line_max] = {};
    std::size_t line_size = 0;
};

// What the RM made for a VM in VM_INIT; cap_invalid where nothing was made (yet). Caps
// are in the RM's cspace unless named owner_.
struct SecondaryObjects {
    CapId cspace = cap_invalid;
    CapId addrspace = cap_invalid;
    CapId vic = cap_invalid;
    CapId vpm_group = cap_invalid;
    bool exit_virq_bound = false;  // the VPM group's interrupt, to the RM (secondary_exit_intid)
    RmLink link;
    std::uint32_t vcpu_count = 0;  // vCPUs made (caps in vcpus)
    CapId vcpus[secondary_max_vcpus] = {};
    CapId owner_vcpus[secondary_max_vcpus] = {};      // copies in the owner's cspace
    std::uint32_t wakeup_intids[secondary_max_vcpus] = {};  // owner's SPI, 0: none bound
    bool proxy = false;            // vCPUs run only through the owner's vcpu_run
    bool image_mapped = false;     // the image parcel is mapped into addrspace
    std::uint32_t doorbell_count = 0;
    VmDoorbell doorbells[max_vm_doorbells];
};

struct BootRegister {
    std::uint8_t reg_set;
    std::uint8_t reg_index;
    std::uint64_t value;
};

struct VmRecord {
    bool used = false;
    std::size_t slot = 0;
    std::uint16_t vmid = 0;
    std::uint16_t owner = 0;
    VmState state = VmState::none;
    std::uint8_t os_state = 0;
    std::uint16_t app_status = 0;

    // VM_CONFIG_IMAGE
    std::uint32_t image_handle = 0;
    std::uint64_t image_offset = 0;
    std::uint64_t image_size = 0;
    std::uint64_t dtb_offset = 0;
    std::uint64_t dtb_size = 0;

    // VM_INIT
    bool built = false;            // objects exist (some may, even when false: see objects)
    std::uint64_t mem_base = 0;    // IPA of the image parcel in the VM
    std::uint64_t entry = 0;       // mem_base + image_offset
    std::uint64_t dtb_ipa = 0;     // mem_base + dtb_offset: vCPU 0's x0
    SecondaryObjects objects;

    BootRegister boot[max_boot_context] = {};
    std::size_t boot_count = 0;

    VmConsole console;             // exists while built (Gunyah: with its vm_config)
};

class VmTable {
public:
    constexpr VmTable()
    {
        for (std::size_t i = 0; i < max_secondary_vms; ++i) {
            vms_[i].slot = i;
        }
    }

    // VM_ALLOC_VMID: `requested` 0 picks the lowest free dynamic id (0x80..0xBF), else a
    // static id 4..31 that is free. NORESOURCE when none is free, the id is taken or out
    // of range, or the table is full; OK with `out` set otherwise.
    [[nodiscard]] std::uint32_t allocate(std::uint16_t requested, std::uint16_t owner, VmRecord*& out);
    // Frees the slot (the caller has checked the state).
    void release(VmRecord& vm);

    [[nodiscard]] VmRecord* find(std::uint16_t vmid);
    [[nodiscard]] VmRecord& at(std::size_t slot) { return vms_[slot]; }
    [[nodiscard]] std::size_t free_slots() const;

private:
    VmRecord vms_[max_secondary_vms];
};

}  // namespace hyp::rm
