// The devices the kernel itself gives every VM: the MMIO bus that data aborts on
// unmapped IPAs are looked up in, and a vPL011 at the platform UART's address printing
// to the hypervisor's console. One per address space (a VM has one), set up when the
// address space is activated; later the vGIC joins the bus here.
#pragma once

#include <cstdint>

#include "support/addr.h"
#include "support/format.h"
#include "support/result.h"
#include "kernel/virt/line_sink.h"
#include "kernel/virt/mmio_bus.h"
#include "kernel/virt/vmmio_ranges.h"
#include "kernel/virt/vpl011.h"

namespace hyp::virt {

// What every VM's devices look like on this machine: set once at boot, before any
// address space is activated. Without it (the host tests) VMs get an empty bus.
struct VmDevicePlatform {
    fmt::Sink* console = nullptr;  // where VMs' console bytes go
    IpaRange uart{};               // the vPL011's registers; empty: no vPL011
    std::uint32_t uart_intid = 0;  // its SPI in a VM's vGIC (the platform UART's)
    // Where a VM's vGIC sits (its "default addresses"): the platform's GICv3 regions.
    IpaRange gic_distributor{};    // empty: VMs get no vGIC
    Ipa gic_redistributors{};
    std::uint32_t vtimer_intid = 27;  // the EL1 virtual timer's PPI
};
void set_vm_device_platform(const VmDevicePlatform& platform);
[[nodiscard]] const VmDevicePlatform& vm_device_platform();

// Which VM is the primary one (HLOS) is the resource manager's decision, not the
// kernel's: it configures that VM's vCPUs with GUNYAH_VCPU_OPTION_HLOS_VM, and the first
// such vCPU's activation makes its VM's console the primary one (VmDevices::make_primary):
// printed as it is, where every other VM's lines carry "[vm N] ", and given the physical
// console's input.

// Console input goes to the primary VM's vPL011, from whichever CPU takes the physical
// UART's interrupt. False when the byte could not be taken (no primary VM, or its
// receive FIFO is full): the caller drops it.
// Bytes that do not fit wait in a 4 KiB queue; false when that is full too.
[[nodiscard]] bool console_input(char byte);
// Moves queued console input on into the vPL011 as its FIFO empties: the run loop calls
// it after the guest's MMIO accesses (reading UARTDR is one). Cheap when nothing waits.
void console_input_drain();

class VmDevices {
public:
    VmDevices() : uart_{sink_} {}
    // Stops being the console input's target, if it was.
    ~VmDevices();
    VmDevices(const VmDevices&) = delete;
    VmDevices& operator=(const VmDevices&) = delete;

    // Attaches the console and puts the vPL011 on the bus, per the platform above.
    // Nothing changes on failure (the bus refuses the range: arg_size, addr_ovfl).
    [[nodiscard]] Status init(std::uint32_t vmid);
    // This VM's console becomes the primary one and takes the console's input (see
    // above). True when it is (again) primary; false when another VM's already is, or this
    // VM has no vPL011: nothing changes then.
    [[nodiscard]] bool make_primary();

    [[nodiscard]] MmioBus& bus() { return bus_; }
    // The console's partial line, out now (the run loop, when a vCPU stops running): the
    // primary VM's only, whose console is interactive (a prompt has no newline). Another
    // VM's lines go out whole, or its partial line would be cut by whatever comes next.
    void flush_console()
    {
        if (sink_.primary()) {
            uart_.flush_output();
        }
    }
    [[nodiscard]] Vpl011& uart() { return uart_; }
    // Whether init() put the vPL011 on the bus.
    [[nodiscard]] bool has_uart() const { return has_uart_; }
    // The ranges whose accesses a proxy-scheduled vCPU hands to its runner (vcpu_run).
    [[nodiscard]] VmmioRanges& vmmio() { return vmmio_; }
    [[nodiscard]] const VmmioRanges& vmmio() const { return vmmio_; }

private:
    MmioBus bus_;
    VmmioRanges vmmio_;
    LineSink sink_;
    Vpl011 uart_;
    bool has_uart_ = false;
};

}  // namespace hyp::virt
