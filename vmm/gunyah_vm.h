// The VM as /dev/gunyah gives it (linux/gunyah/uapi/gunyah.h): one method per ioctl the
// VMM uses, each printing "vmm: <IOCTL>: <strerror>" when it fails, so that a failure
// names the step that failed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vmm/fd.h"

namespace vmm {

inline constexpr const char* gunyah_device = "/dev/gunyah";

class GunyahVm {
public:
    // Opens /dev/gunyah and creates a VM (GH_CREATE_VM).
    [[nodiscard]] bool create();
    // GH_VM_SET_USER_MEM_REGION.
    [[nodiscard]] bool set_memory(std::uint32_t label, std::uint32_t flags, std::uint64_t ipa, std::uint64_t size,
                                  void* memory);
    // GH_VM_SET_DTB_CONFIG.
    [[nodiscard]] bool set_dtb(std::uint64_t ipa, std::uint64_t size);
    // GH_VM_ADD_FUNCTION GH_FN_IRQFD: writing to `eventfd` rings the doorbell `label`.
    [[nodiscard]] bool add_irqfd(int eventfd, std::uint32_t label);
    // GH_VM_ADD_FUNCTION GH_FN_VCPU: the vCPU's fd, invalid on failure.
    [[nodiscard]] Fd add_vcpu(std::uint32_t id);
    // GH_VM_START.
    [[nodiscard]] bool start();
    // GH_VCPU_MMAP_SIZE (on /dev/gunyah): the run structure's size, 0 on failure.
    [[nodiscard]] std::size_t vcpu_mmap_size();

private:
    Fd device_;
    Fd vm_;
};

}  // namespace vmm
