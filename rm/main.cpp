// The resource manager program: rm_main() attaches the console to the PL011 whose
// address boot info gives, runs the boot flow (rm/core/startup.h) with the real
// hypercalls, then watches the primary VM every 100 ms until it powers off or resets,
// and does the same to the machine. Target only; the logic it calls is host-tested.
#include "rm/main.h"

#include <cstddef>

#include "hyp_api/gunyah_objects.h"
#include "rm/arch/aarch64/cpu.h"
#include "rm/arch/aarch64/gic.h"
#include "rm/arch/aarch64/hvc_hypervisor.h"
#include "rm/boot/entry_layout.h"
#include "rm/core/boot_object.h"
#include "rm/core/console.h"
#include "rm/core/startup.h"
#include "rm/rpc/builtin_handlers.h"
#include "rm/rpc/channel.h"
#include "rm/rpc/console_handlers.h"
#include "rm/rpc/dispatcher.h"
#include "rm/rpc/mem_handlers.h"
#include "rm/rpc/msgqueue_pair.h"
#include "rm/rpc/vm_handlers.h"
#include "rm/vm/vm_service.h"
#include "rm/vm/watch.h"

// The boot info fields entry.S reads before any check, and the call it makes.
static_assert(RM_ENTRY_BOOT_INFO_MAGIC == RM_BOOT_INFO_MAGIC);
static_assert(RM_ENTRY_BOOT_INFO_UART_OFFSET == offsetof(rm_boot_info, platform) + offsetof(rm_boot_platform, uart));
static_assert(RM_ENTRY_BOOT_INFO_ALIGNMENT == RM_BOOT_INFO_ALIGNMENT);
static_assert(RM_ENTRY_PSCI_SYSTEM_OFF == PSCI_FN_SYSTEM_OFF);

// From linker/rm.ld: the first byte of the image (rm.bin's) and the end of BSS and stack.
extern "C" const char __image_start[];
extern "C" const char __image_end[];

namespace hyp::rm {
namespace {

// The PL011's data register; the hypervisor emulates the device for every VM.
class Pl011 final : public CharOut {
public:
    constexpr Pl011() = default;
    void set_base(std::uint64_t base) { base_ = base; }
    void put(char c) override { cpu::uart_put(base_, c); }

private:
    std::uint64_t base_ = 0;
};

// Every 100 ms: a busy VM loses its CPU to the RM ten times a second (each switch costs
// the guest its TLB contents under QEMU). Measured: at 10 ms the Debian boot benchmark
// was 1.34x direct, at 100 ms 1.10-1.26x. The primary VM's power-off does not wait for
// the next look: its vCPU 0 halting raises primary_halt_intid.
constexpr std::uint64_t watch_period_per_second = 10;
// The RM's SPI for the primary VM's vCPU 0 halting (vcpu_bind_virq, HALT): SYSTEM_OFF,
// SYSTEM_RESET, a fault. Clear of the links' 64..81 and the secondary exits' 82..89.
constexpr std::uint32_t primary_halt_intid = 90;
static_assert(primary_halt_intid >= secondary_exit_intid_first + max_secondary_vms && primary_halt_intid < 96,
              "the RM's vic has SPIs 32..95");

constinit Pl011 uart;
constinit Console console;
constinit HvcHypervisor hypervisor;
constinit IdentityMemory memory;
constinit PrimaryVm primary;
// The RPC service: the primary VM's end of it, and the handlers. The BootObjects here and
// below (rm/core/boot_object.h) are the big ones, constructed by rm_main() so that they
// are in BSS rather than in rm.bin.
constinit rpc::MsgqueuePair primary_queues;
constinit rpc::RpcChannel primary_channel;
constinit BootObject<rpc::Dispatcher> dispatcher;
constinit rpc::NotificationSequence notification_sequence;
constinit bool in_exception = false;
constinit std::uint64_t rm_gicd = 0;

// The RPC side of the VM services: the primary VM's channel and one per secondary VM
// (by VM table slot), attached while the VM has its queue pair.
class Clients final : public ClientPort {
public:
    constexpr Clients() = default;

    bool notify(std::uint16_t vmid, std::uint32_t msg_id, const std::uint8_t* payload, std::size_t size) override
    {
        rpc::RpcChannel* channel = channel_of(vmid);
        return channel != nullptr && channel->notify(notification_sequence, msg_id, payload, size);
    }
    void link_up(const VmRecord& vm) override
    {
        queues_[vm.slot] = rpc::MsgqueuePair{hypervisor, vm.objects.link.from_rm, vm.objects.link.to_rm};
        channels_[vm.slot].attach(queues_[vm.slot], vm.vmid);
        gic::enable_spi(rm_gicd, secondary_link_rm_rx_intid(vm.slot));
        gic::enable_spi(rm_gicd, secondary_link_rm_tx_intid(vm.slot));
        gic::enable_spi(rm_gicd, secondary_exit_intid(vm.slot));
    }
    void link_down(const VmRecord& vm) override
    {
        channels_[vm.slot].detach();
        queues_[vm.slot] = rpc::MsgqueuePair{};
    }
    void console_line(std::uint16_t vmid, const char* text, std::size_t size) override
    {
        console.print("[vm {}] {}", vmid, fmt::StrView{text, size});
    }
    [[nodiscard]] std::size_t attached_links() const
    {
        std::size_t n = 0;
        for (const rpc::RpcChannel& channel : channels_) {
            n += channel.attached() ? 1 : 0;
        }
        return n;
    }
    // Polls every attached secondary channel until none has more waiting.
    void poll_secondaries(rpc::Dispatcher& sink)
    {
        for (rpc::RpcChannel& channel : channels_) {
            if (!channel.attached()) {
                continue;
            }
            rpc::PollResult r;
            do {
                r = channel.poll(sink);
            } while (r.rx_pending && channel.attached());
        }
    }

private:
    rpc::RpcChannel* channel_of(std::uint16_t vmid)
    {
        if (vmid == GUNYAH_RM_VMID_HLOS) {
            return &primary_channel;
        }
        for (rpc::RpcChannel& channel : channels_) {
            if (channel.attached() && channel.client_vmid() == vmid) {
                return &channel;
            }
        }
        return nullptr;
    }

    rpc::MsgqueuePair queues_[max_secondary_vms];
    rpc::RpcChannel channels_[max_secondary_vms];
};

constinit BootObject<Clients> clients;
constinit BootObject<VmService> vm_service;

std::uint64_t address_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// The console as soon as boot info gives a UART address: before it is checked, if it
// at least looks like boot info and is where the RM may read it.
void attach_console(const rm_boot_info* info, std::size_t available)
{
    if (available < sizeof(rm_boot_info) || info->magic != RM_BOOT_INFO_MAGIC || info->platform.uart.base == 0) {
        return;
    }
    uart.set_base(info->platform.uart.base);
    console.attach(&uart);
}

// The RM's virtual GIC: on, with its virtual timer's PPI enabled (the hypervisor hands a
// fired timer to the vGIC and masks it until the RM takes the interrupt), and the SPIs of
// its end of the primary VM's queue pair.
void start_interrupts(const rm_boot_info& info)
{
    gic::init(info.platform.gicd.base, info.platform.gicr.base);
    gic::enable_ppi(info.platform.gicr.base, info.platform.timer_virt_intid);
    gic::enable_spi(info.platform.gicd.base, primary_link_rm_rx_intid);
    gic::enable_spi(info.platform.gicd.base, primary_link_rm_tx_intid);
    // Without it the periodic watch still sees the primary VM halt, 100 ms later at worst.
    Error e = hypervisor.vcpu_bind_virq(primary.vcpus[0], info.vic_cap, primary_halt_intid, GUNYAH_VCPU_VIRQ_HALT);
    if (e == Error::ok) {
        gic::enable_spi(info.platform.gicd.base, primary_halt_intid);
    } else {
        console.print("warning: vcpu_bind_virq (the primary VM's vCPU 0 halt) failed: {}", e);
    }
}

// The RPC service on the primary VM's queue pair.
void start_rpc()
{
    primary_queues = rpc::MsgqueuePair{hypervisor, primary.rm_link.from_rm, primary.rm_link.to_rm};
    primary_channel.attach(primary_queues, GUNYAH_RM_VMID_HLOS);
    if (!rpc::add_builtin_handlers(*dispatcher)) {
        fatal("the RPC handler table refused the built-in handlers");
    }
}

// The VM services: secondary VMs built from the primary VM's memory.
void start_vm_services(const rm_boot_info& info)
{
    RmEnv env;
    env.partition = info.partition_cap;
    env.rm_cspace = info.cspace_cap;
    env.rm_addrspace = info.addrspace_cap;
    env.rm_vic = info.vic_cap;
    env.cpu_count = info.platform.cpu_count;
    env.primary_cspace = primary.cspace;
    env.primary_vic = primary.vic;
    env.primary_memory.ram_extent = primary.ram_extent;
    env.primary_memory.ram_root = primary.ram_root;
    env.primary_memory.addrspace = primary.addrspace;
    env.primary_memory.ram_base = primary.layout.ram.base.raw();
    env.primary_memory.ram_size = primary.layout.ram.size;
    rm_gicd = info.platform.gicd.base;
    vm_service->init(env, hypervisor, memory, *clients, &console);
    if (!rpc::add_vm_handlers(*dispatcher, *vm_service) || !rpc::add_mem_handlers(*dispatcher, *vm_service) ||
        !rpc::add_console_handlers(*dispatcher, *vm_service)) {
        fatal("the RPC handler table refused the VM service handlers");
    }
}

// What woke the RM: interrupts other than its timer's, and which kinds.
struct Wake {
    bool any = false;   // an interrupt other than the timer's (a message, room to send, ...)
    bool exit = false;  // a secondary VM's VPM group changed state (secondary_exit_intid)
    bool halt = false;  // the primary VM's vCPU 0 halted (primary_halt_intid)
};

// Sleeps until `deadline` (virtual counter ticks) or until an interrupt other than the
// timer's arrives, and says which. The timer is armed again before each WFI, while the
// deadline is ahead: the hypervisor masks a timer that fired until its interrupt is
// taken, and re-arming one whose deadline has passed would only fire it again.
Wake wait_until(std::uint64_t deadline, std::uint32_t timer_intid)
{
    Wake wake;
    while (!wake.any && cpu::virtual_count() < deadline) {
        cpu::arm_timer(deadline);
        cpu::wait_for_interrupt();
        for (std::uint32_t intid; (intid = gic::take_interrupt()) < gic::intid_spurious_first;) {
            wake.any |= intid != timer_intid;
            wake.exit |= intid >= secondary_exit_intid_first &&
                         intid < secondary_exit_intid_first + max_secondary_vms;
            wake.halt |= intid == primary_halt_intid;
        }
    }
    cpu::disarm_timer();
    return wake;
}

// What of the RM's fixed pools the VM services still hold, as the machine goes down: with
// every secondary VM torn down, none (the QEMU case guest-vmm checks it after 200 lives).
void report_pools()
{
    console.print("in use at power-off: {} of {} VM slots, {} of {} parcels, {} of {} wake-up SPIs, {} RPC links; "
                  "{} teardown failures",
                  max_secondary_vms - vm_service->vms.free_slots(), max_secondary_vms,
                  max_parcels - vm_service->parcels.free_slots(), max_parcels,
                  owner_wakeup_intid_count - vm_service->free_wakeup_intids(), owner_wakeup_intid_count,
                  clients->attached_links(), vm_service->teardown_failures);
}

// The RM's life once the primary VM runs: serve RPC as messages come, and every 100 ms
// ask how the primary VM stands.
[[noreturn]] void serve(const rm_boot_info& info, const PrimaryVm& vm)
{
    std::uint64_t period = cpu::counter_frequency() / watch_period_per_second;
    if (period == 0) {
        period = 1;
    }
    PrimaryWatch policy;
    Diagnostic line;
    std::uint64_t next_watch = cpu::virtual_count() + period;
    bool poll = true;  // a message may have come before the interrupts were on
    for (;;) {
        const Wake wake = poll ? Wake{true, false} : wait_until(next_watch, info.platform.timer_virt_intid);
        if (wake.exit) {
            vm_service->poll_exits();  // a VM's vCPUs stopped: VM_EXITED now, not at the watch
        }
        if (wake.any) {
            // Edge interrupts: each comes once per edge, so read until the channel says
            // nothing more is waiting for it.
            rpc::PollResult r;
            do {
                r = primary_channel.poll(*dispatcher);
            } while (r.rx_pending);
            clients->poll_secondaries(*dispatcher);
            poll = false;
        }
        if (cpu::virtual_count() < next_watch && !wake.halt) {
            continue;
        }
        vm_service->poll_exits();
        const WatchAction action = policy.decide(hypervisor.vcpu_run_check(vm.vcpus[0]), line);
        if (!line.empty()) {
            console.print("{}", line.c_str());
        }
        if (action != WatchAction::keep_watching) {
            report_pools();
        }
        switch (action) {
        case WatchAction::power_off: cpu::system_off();
        case WatchAction::reset: cpu::system_reset();
        case WatchAction::keep_watching: break;
        }
        // The next look a period after this one ended: the RM's wake-ups are then evenly
        // spaced from end to end, which scripts/bench's idle measurement relies on.
        next_watch = cpu::virtual_count() + period;
    }
}

// VBAR_EL1 + 0x80 * vector: four groups (where from) of four kinds.
const char* vector_kind(std::uint64_t vector)
{
    static constexpr const char* kinds[] = {"synchronous", "IRQ", "FIQ", "SError"};
    return kinds[vector & 3];
}

const char* vector_origin(std::uint64_t vector)
{
    static constexpr const char* origins[] = {"current EL, SP_EL0", "current EL, SP_ELx", "lower EL, AArch64",
                                              "lower EL, AArch32"};
    return origins[(vector / 4) & 3];
}

}  // namespace

void fatal(const char* what)
{
    console.print("fatal: {}; powering off", what);
    cpu::system_off();
}

}  // namespace hyp::rm

extern "C" void rm_main(const rm_boot_info* info)
{
    using namespace hyp::rm;
    const RmPlacement placement{address_of(__image_start), address_of(__image_end), address_of(info)};
    dispatcher.construct();
    clients.construct();
    vm_service.construct();
    attach_console(info, boot_info_available(placement));
    if (!start_primary_vm(*info, placement, hypervisor, memory, console, primary)) {
        cpu::system_off();
    }
    start_rpc();
    start_vm_services(*info);
    start_interrupts(*info);
    serve(*info, primary);
}

extern "C" void rm_exception(std::uint64_t vector, std::uint64_t esr, std::uint64_t far, std::uint64_t elr,
                             std::uint64_t spsr)
{
    using namespace hyp::rm;
    // An exception while reporting one (the console itself faulting) goes straight off.
    if (!in_exception) {
        in_exception = true;
        console.print("unexpected {} exception ({}): ESR {:#x} FAR {:#x} ELR {:#x} (rm.elf + {:#x}) SPSR {:#x}; "
                      "powering off",
                      vector_kind(vector), vector_origin(vector), esr, far, elr, elr - address_of(__image_start), spsr);
    }
    cpu::system_off();
}
