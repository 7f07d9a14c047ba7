// VMID allocation (see vmid_allocator.h).
#include "kernel/mem/vmid_allocator.h"

namespace hyp::mem {

namespace {
constexpr unsigned mmfr1_vmidbits_shift = 4;
constexpr std::uint64_t mmfr1_vmidbits_mask = 0xf;
constexpr std::uint64_t mmfr1_vmidbits_16 = 0b0010;
}  // namespace

unsigned vmid_bits_from_mmfr1(std::uint64_t id_aa64mmfr1)
{
    return ((id_aa64mmfr1 >> mmfr1_vmidbits_shift) & mmfr1_vmidbits_mask) == mmfr1_vmidbits_16 ? 16 : 8;
}

VmidAllocator::VmidAllocator(unsigned vmid_bits)
    : bits_{vmid_bits == 16 ? 16U : 8U}, limit_{std::size_t{1} << bits_}
{
    used_.set(vmid_none);  // never handed out, never freed
}

Result<Vmid> VmidAllocator::allocate()
{
    LockGuard guard{lock_};
    std::size_t vmid = used_.find_first_clear(1);
    if (vmid >= limit_) {
        return fail(Error::nomem);
    }
    used_.set(vmid);
    return static_cast<Vmid>(vmid);
}

Status VmidAllocator::claim(Vmid vmid)
{
    if (vmid == vmid_none || vmid >= limit_) {
        return fail(Error::arg_inval);
    }
    LockGuard guard{lock_};
    if (used_.test(vmid)) {
        return fail(Error::busy);
    }
    used_.set(vmid);
    return success();
}

Status VmidAllocator::free(Vmid vmid)
{
    if (vmid == vmid_none || vmid >= limit_) {
        return fail(Error::arg_inval);
    }
    LockGuard guard{lock_};
    if (!used_.test(vmid)) {
        return fail(Error::arg_inval);
    }
    used_.clear(vmid);
    return success();
}

bool VmidAllocator::in_use(Vmid vmid)
{
    if (vmid >= limit_) {
        return false;
    }
    LockGuard guard{lock_};
    return used_.test(vmid);
}

}  // namespace hyp::mem
