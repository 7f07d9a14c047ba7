// The resource manager's VM services: the state the RPC handlers for VM lifecycle,
// memory parcels and consoles work on (the VM table, the parcel pool, the RM's own caps
// and the primary VM's), and what they need from the RPC side (ClientPort: notifications
// and the coming and going of a secondary VM's RPC link). Portable: hypercalls through
// rm/vm/hypervisor.h; the host tests drive it with the fake and a recording port.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rm/core/console.h"
#include "rm/core/diagnostic.h"
#include "rm/mem/parcel.h"
#include "rm/mem/parcel_ops.h"
#include "rm/vm/hypervisor.h"
#include "rm/vm/vm_table.h"

namespace hyp::rm {

// The owner's SPIs the RM binds proxy vCPUs' run-wakeup interrupts to: INTIDs 64..93 of
// the primary VM's vic (32..95: 33 is its vPL011, 94/95 its RM link).
inline constexpr std::uint32_t owner_wakeup_intid_first = 64;
inline constexpr std::uint32_t owner_wakeup_intid_count = 30;
// The largest DT area (VM_CONFIG_IMAGE dtb_size) the RM reads and edits: a VMM's DT is a
// few KiB; the RM's additions well under one more.
inline constexpr std::size_t secondary_dt_max_size = std::size_t{64} << 10;
// A secondary VM's vic: SPIs 32..63; its RPC link to the RM uses the top two.
inline constexpr std::uint32_t secondary_vic_spis = 32;
inline constexpr std::uint32_t secondary_rm_tx_intid = 32 + secondary_vic_spis - 2;
inline constexpr std::uint32_t secondary_rm_rx_intid = 32 + secondary_vic_spis - 1;
inline constexpr std::uint32_t secondary_cspace_caps = 64;
// The RM's own SPIs for the link of table slot i: rx 66 + 2i, tx 67 + 2i (the primary's
// link has 64/65; the RM's vic has 64 SPIs, 32..95).
[[nodiscard]] constexpr std::uint32_t secondary_link_rm_rx_intid(std::size_t slot)
{
    return 66 + 2 * static_cast<std::uint32_t>(slot);
}
[[nodiscard]] constexpr std::uint32_t secondary_link_rm_tx_intid(std::size_t slot)
{
    return 67 + 2 * static_cast<std::uint32_t>(slot);
}
// The RM's SPI for the VPM group of the VM in table slot i: 82 + i (after the links'
// 66..81). Raised when the group's state changes, e.g. when the VM's last vCPU powers
// off: the RM looks at that VM at once instead of at its next periodic watch.
inline constexpr std::uint32_t secondary_exit_intid_first = 82;
[[nodiscard]] constexpr std::uint32_t secondary_exit_intid(std::size_t slot)
{
    return secondary_exit_intid_first + static_cast<std::uint32_t>(slot);
}
static_assert(secondary_exit_intid_first + max_secondary_vms <= 96, "the RM's vic has SPIs 32..95");
// Rights the owner gets on each of a secondary VM's vCPUs: vcpu_run's (AFFINITY and
// YIELD_TO, as Gunyah's hypercall_vcpu_run and kernel/hypercall/vcpu_calls.cpp check),
// vcpu_run_check's (STATE, BIND_VIRQ) and POWER; not LIFECYCLE (kill) nor WRITE_CONTEXT,
// which stay the RM's.
inline constexpr std::uint32_t owner_vcpu_rights = GUNYAH_RIGHT_THREAD_POWER | GUNYAH_RIGHT_THREAD_AFFINITY |
                                                   GUNYAH_RIGHT_THREAD_YIELD_TO | GUNYAH_RIGHT_THREAD_BIND_VIRQ |
                                                   GUNYAH_RIGHT_THREAD_STATE;

struct RmEnv {
    CapId partition = cap_invalid;
    CapId rm_cspace = cap_invalid;
    CapId rm_addrspace = cap_invalid;
    CapId rm_vic = cap_invalid;
    std::uint32_t cpu_count = 1;
    // The primary VM (HLOS): the only lender and owner.
    CapId primary_cspace = cap_invalid;
    CapId primary_vic = cap_invalid;
    LenderMemory primary_memory;
};

class ClientPort {
public:
    // A notification to `vmid` on its RPC channel; false when it could not be queued.
    virtual bool notify(std::uint16_t vmid, std::uint32_t msg_id, const std::uint8_t* payload, std::size_t size) = 0;
    // A secondary VM's RPC link exists (VM_INIT) / is about to go (VM_RESET).
    virtual void link_up(const VmRecord& vm) = 0;
    virtual void link_down(const VmRecord& vm) = 0;
    // One line a VM wrote to its console (CONSOLE_WRITE, target 0), for the RM's own
    // console: printable ASCII, no newline, at most console_line_max characters.
    virtual void console_line(std::uint16_t vmid, const char* text, std::size_t size) = 0;

protected:
    ~ClientPort() = default;
};

class VmService {
public:
    constexpr VmService() = default;
    // `console`, when given, gets the lines report_parcels() prints.
    void init(const RmEnv& env, Hypervisor& hv, Memory& memory, ClientPort& port, Console* console = nullptr);

    // VM_STATUS to the owner (as Gunyah tells a VM's peers, the owner among them).
    void set_state(VmRecord& vm, VmState state);
    // VM_EXITED to the owner: exit_type GUNYAH_RM_EXIT_TYPE_*, one reason word.
    void send_exited(const VmRecord& vm, std::uint16_t exit_type, std::uint16_t exit_flags, std::uint8_t exit_code);
    // The periodic look at running VMs: one whose vCPU powered the VM off (PSCI
    // SYSTEM_OFF) or asked for a reset goes to EXITED, with VM_EXITED and VM_STATUS.
    void poll_exits();
    // The same look at one VM: true when it is (now) EXITED.
    bool check_exit(VmRecord& vm);

    [[nodiscard]] bool vmid_exists(std::uint16_t vmid);
    // Deletes `cap` from `cspace` (teardown: a failure is counted, not fatal) and forgets
    // it; a cap_invalid is left alone.
    void drop_cap(CapId cspace, CapId& cap);
    [[nodiscard]] ParcelContext parcel_context() const;
    // One console line with what is still lent or shared, for leak checks after a VM_RESET
    // and a MEM_RECLAIM (docs/rpc.md, "Memory parcels"); the format is stable:
    //   RM: parcels: <live parcels> live, <bytes in their ranges> bytes lent or shared
    void report_parcels();
    // One console line saying why building or starting a VM failed (last_error), so that
    // the owner's errno can be traced to its cause.
    void report_failure(std::uint16_t vmid, const char* step, std::uint32_t rm_error);

    // A free owner SPI for a run-wakeup virq (0 when none), and giving it back.
    [[nodiscard]] std::uint32_t take_wakeup_intid();
    void give_wakeup_intid(std::uint32_t intid);
    [[nodiscard]] std::uint32_t free_wakeup_intids() const;

    RmEnv env;
    Hypervisor* hv = nullptr;
    Memory* memory = nullptr;
    ClientPort* port = nullptr;
    Console* console = nullptr;
    VmTable vms;
    ParcelTable parcels;
    Diagnostic last_error;     // why the last VM build or teardown step failed
    std::uint64_t teardown_failures = 0;
    VmConsole primary_console; // the primary VM's (it has no owner)
    // CONSOLE_CHARS is built here: a whole RPC message, not on the RM's stack.
    std::uint8_t console_chars[GUNYAH_RM_RPC_MAX_PAYLOAD] = {};
    // ... and MEM_SHARED, which lists up to 1822 ranges' sizes.
    std::uint8_t notify_payload[GUNYAH_RM_RPC_MAX_PAYLOAD] = {};
    // A VM's DT while VM_INIT reads and edits it: a private copy, since the parcel may be
    // shared and its lender could change the tree under libfdt (secondary_vm.cpp).
    alignas(8) std::uint8_t dt_copy[secondary_dt_max_size] = {};

private:
    std::uint64_t wakeup_used_ = 0;  // bit i: owner_wakeup_intid_first + i
};

}  // namespace hyp::rm
