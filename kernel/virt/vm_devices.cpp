// Every VM's own devices (see vm_devices.h).
#include "kernel/virt/vm_devices.h"

namespace hyp::virt {
namespace {

constinit VmDevicePlatform platform_devices;

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
    return success();
}

}  // namespace hyp::virt
