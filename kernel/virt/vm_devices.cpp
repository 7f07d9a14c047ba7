// Every VM's own devices (see vm_devices.h).
#include "kernel/virt/vm_devices.h"

#include "kernel/core/spinlock.h"

namespace hyp::virt {
namespace {

constinit VmDevicePlatform platform_devices;

// The primary VM's devices, for console input; guarded by the lock (which is taken before
// the vPL011's).
constinit SpinLock input_lock;
constinit VmDevices* input_target = nullptr;

}  // namespace

void set_vm_device_platform(const VmDevicePlatform& platform) { platform_devices = platform; }

const VmDevicePlatform& vm_device_platform() { return platform_devices; }

Status VmDevices::init(std::uint32_t vmid)
{
    const VmDevicePlatform& platform = platform_devices;
    if (platform.console == nullptr || platform.uart.size == 0) {
        return success();
    }
    if (Status s = bus_.add(platform.uart, uart_); !s) {
        return s;
    }
    sink_.attach(*platform.console, vmid, vmid == primary_vm_vmid);
    has_uart_ = true;
    if (vmid == primary_vm_vmid) {
        LockGuard held{input_lock};
        input_target = this;
    }
    return success();
}

VmDevices::~VmDevices()
{
    LockGuard held{input_lock};
    if (input_target == this) {
        input_target = nullptr;
    }
}

bool console_input(char byte)
{
    LockGuard held{input_lock};
    return input_target != nullptr && input_target->uart().push_rx(static_cast<std::uint8_t>(byte));
}

}  // namespace hyp::virt
