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

// Bytes that did not fit in the vPL011's 32-byte receive FIFO (a pasted line), in order,
// until the guest reads some and console_input_drain() moves them on. Under input_lock.
struct InputRing {
    static constexpr std::size_t capacity = 4096;
    char bytes[capacity];
    std::size_t head;
    std::size_t count;
};
constinit InputRing ring{};

// Moves waiting bytes into the vPL011 while it takes them. input_lock held.
void drain(const LockGuard&)
{
    while (ring.count > 0 && input_target != nullptr &&
           input_target->uart().push_rx(static_cast<std::uint8_t>(ring.bytes[ring.head]))) {
        ring.head = (ring.head + 1) % InputRing::capacity;
        --ring.count;
    }
}

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
    sink_.attach(*platform.console, vmid, false);
    has_uart_ = true;
    return success();
}

bool VmDevices::make_primary()
{
    LockGuard held{input_lock};  // before the vPL011's lock, as in console_input()
    if (input_target == this) {
        return true;
    }
    if (input_target != nullptr || !has_uart_) {
        return false;
    }
    uart_.make_output_primary();
    input_target = this;
    return true;
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
    if (input_target == nullptr) {
        return false;
    }
    drain(held);
    if (ring.count == 0 && input_target->uart().push_rx(static_cast<std::uint8_t>(byte))) {
        return true;
    }
    if (ring.count == InputRing::capacity) {
        return false;
    }
    ring.bytes[(ring.head + ring.count) % InputRing::capacity] = byte;
    ++ring.count;
    return true;
}

void console_input_drain()
{
    if (__atomic_load_n(&ring.count, __ATOMIC_RELAXED) == 0) {
        return;
    }
    LockGuard held{input_lock};
    drain(held);
}

}  // namespace hyp::virt
