// The /dev/gunyah ioctls (see gunyah_vm.h).
#include "vmm/gunyah_vm.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "vmm/gunyah_abi.h"
#include "vmm/report.h"

namespace vmm {
namespace {

// ioctl, again when a signal interrupted it: setup has no reason to give up on EINTR.
int retrying_ioctl(int fd, unsigned long request, void* arg)
{
    int r = 0;
    do {
        r = ::ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r;
}

template <typename Arg>
int add_function(int vm, std::uint32_t type, Arg& arg)
{
    gh_fn_desc desc{};
    desc.type = type;
    desc.arg_size = sizeof arg;
    desc.arg = reinterpret_cast<std::uintptr_t>(&arg);
    return retrying_ioctl(vm, GH_VM_ADD_FUNCTION, &desc);
}

}  // namespace

bool GunyahVm::create()
{
    device_ = Fd(::open(gunyah_device, O_RDWR | O_CLOEXEC));
    if (!device_.valid()) {
        const int e = errno;
        std::fprintf(stderr, "vmm: cannot open %s: %s", gunyah_device, std::strerror(e));
        if (e == ENOENT || e == ENODEV || e == ENXIO) {
            std::fprintf(stderr, ": is the gunyah module loaded? insmod /lib/modules/gunyah.ko");
        }
        std::fprintf(stderr, "\n");
        return false;
    }
    const int vm = retrying_ioctl(device_.get(), GH_CREATE_VM, nullptr);
    if (vm < 0) {
        report_errno("GH_CREATE_VM");
        return false;
    }
    vm_ = Fd(vm);
    return true;
}

bool GunyahVm::set_memory(std::uint32_t label, std::uint32_t flags, std::uint64_t ipa, std::uint64_t size,
                          void* memory)
{
    gh_userspace_memory_region region{};
    region.label = label;
    region.flags = flags;
    region.guest_phys_addr = ipa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<std::uintptr_t>(memory);
    if (retrying_ioctl(vm_.get(), GH_VM_SET_USER_MEM_REGION, &region) < 0) {
        report_errno("GH_VM_SET_USER_MEM_REGION");
        return false;
    }
    return true;
}

bool GunyahVm::set_dtb(std::uint64_t ipa, std::uint64_t size)
{
    gh_vm_dtb_config config{};
    config.guest_phys_addr = ipa;
    config.size = size;
    if (retrying_ioctl(vm_.get(), GH_VM_SET_DTB_CONFIG, &config) < 0) {
        report_errno("GH_VM_SET_DTB_CONFIG");
        return false;
    }
    return true;
}

bool GunyahVm::add_irqfd(int eventfd, std::uint32_t label)
{
    gh_fn_irqfd_arg arg{};
    arg.fd = static_cast<std::uint32_t>(eventfd);
    arg.label = label;
    arg.flags = 0;  // an edge per write: the PL011's interrupt is edge-triggered
    if (add_function(vm_.get(), GH_FN_IRQFD, arg) < 0) {
        report_errno("GH_VM_ADD_FUNCTION (GH_FN_IRQFD)");
        return false;
    }
    return true;
}

Fd GunyahVm::add_vcpu(std::uint32_t id)
{
    gh_fn_vcpu_arg arg{};
    arg.id = id;
    const int fd = add_function(vm_.get(), GH_FN_VCPU, arg);
    if (fd < 0) {
        report_errno("GH_VM_ADD_FUNCTION (GH_FN_VCPU)");
        return Fd{};
    }
    return Fd(fd);
}

bool GunyahVm::start()
{
    if (retrying_ioctl(vm_.get(), GH_VM_START, nullptr) < 0) {
        report_errno("GH_VM_START");
        return false;
    }
    return true;
}

std::size_t GunyahVm::vcpu_mmap_size()
{
    const int size = retrying_ioctl(device_.get(), GH_VCPU_MMAP_SIZE, nullptr);
    if (size < 0) {
        report_errno("GH_VCPU_MMAP_SIZE");
        return 0;
    }
    if (static_cast<std::size_t>(size) < sizeof(gh_vcpu_run)) {
        std::fprintf(stderr, "vmm: GH_VCPU_MMAP_SIZE: %d bytes, less than struct gh_vcpu_run (%zu)\n", size,
                     sizeof(gh_vcpu_run));
        return 0;
    }
    return static_cast<std::size_t>(size);
}

}  // namespace vmm
