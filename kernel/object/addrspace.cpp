// Address spaces: the platform settings, table pages from a partition with a reserve,
// and the lifecycle (see addrspace.h). The mapping calls are in addrspace_mappings.cpp.
#include "kernel/object/addrspace.h"

#include <new>

#include <arch/spin.h>

#include "kernel/core/panic.h"
#include "kernel/object/partition.h"

namespace hyp {

namespace addrspace_platform {
namespace {

constexpr unsigned default_pa_bits = 48;
constexpr unsigned default_vmid_bits = 16;

// All-zero until set(), so that the 8 KB of it is in .bss, not in the image's .data.
struct Settings {
    unsigned pa_bits = 0;         // 0: not set, default_pa_bits
    bool stage2_pages_only = false;  // false: stage 2 may use block mappings
    mem::VmidAllocator* vmids = nullptr;
    alignas(mem::VmidAllocator) unsigned char storage[sizeof(mem::VmidAllocator)] = {};
};

constinit Settings settings{};

}  // namespace

void set(unsigned pa_bits, unsigned vmid_bits)
{
    settings.pa_bits = pa_bits < mem::stage2_min_ipa_bits   ? mem::stage2_min_ipa_bits
                       : pa_bits > mem::stage2_max_ipa_bits ? mem::stage2_max_ipa_bits
                                                            : pa_bits;
    settings.vmids = new (settings.storage) mem::VmidAllocator(vmid_bits);
}

unsigned pa_bits() { return settings.pa_bits != 0 ? settings.pa_bits : default_pa_bits; }

void set_stage2_blocks(bool blocks) { settings.stage2_pages_only = !blocks; }

bool stage2_blocks() { return !settings.stage2_pages_only; }

unsigned ipa_bits() { return pa_bits() < default_ipa_bits ? pa_bits() : default_ipa_bits; }

mem::VmidAllocator& vmids()
{
    // Made on first use when the boot code has not called set() (the host tests). Both
    // happen before any second CPU or test thread can create an address space.
    if (settings.vmids == nullptr) {
        settings.vmids = new (settings.storage) mem::VmidAllocator(default_vmid_bits);
    }
    return *settings.vmids;
}

}  // namespace addrspace_platform

// ---- Table pages ----------------------------------------------------------------------

mem::TableAllocator::Pages PartitionTables::allocate_pages(unsigned count)
{
    Result<PhysAddr> pages = partition_->allocate_pages(count, count * mem::PageAllocator::page_size);
    if (pages) {
        return Pages{static_cast<std::uint64_t*>(Partition::to_pointer(*pages)), *pages};
    }
    if (use_reserve_ && count == 1 && reserved_ > 0) {
        PhysAddr page = reserve_[--reserved_];
        return Pages{static_cast<std::uint64_t*>(Partition::to_pointer(page)), page};
    }
    return Pages{};
}

void PartitionTables::free_pages(Pages pages, unsigned count) { partition_->free_pages(pages.phys, count); }

std::uint64_t* PartitionTables::table_at(PhysAddr phys) const
{
    return static_cast<std::uint64_t*>(Partition::to_pointer(phys));
}

Status PartitionTables::refill()
{
    while (reserved_ < table_reserve) {
        Result<PhysAddr> page = partition_->allocate_pages(1);
        if (!page) {
            return fail(Error::nomem);
        }
        reserve_[reserved_++] = *page;
    }
    return success();
}

void PartitionTables::release_reserve()
{
    while (reserved_ > 0) {
        partition_->free_pages(reserve_[--reserved_], 1);
    }
}

// ---- Lifecycle ------------------------------------------------------------------------

AddrSpace::AddrSpace(ObjectDestroyer destroyer) : Object{ObjectType::addrspace, destroyer} {}

AddrSpace::~AddrSpace()
{
    if (!vmid_claimed_) {
        return;  // never active: nothing was built
    }
    forget_mappings();
    table_.destroy();  // invalidates the VMID's TLB entries before freeing the tables
    tables_.release_reserve();
    HYP_ASSERT(addrspace_platform::vmids().free(vmid_).ok());
}

Status AddrSpace::configure(std::uint64_t vmid)
{
    LockGuard held{lock};
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (vmid == mem::vmid_none || vmid > addrspace_platform::vmids().capacity()) {
        return fail(Error::arg_inval);
    }
    vmid_ = static_cast<mem::Vmid>(vmid);
    return success();
}

Status AddrSpace::activate()
{
    LockGuard held{lock};
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (vmid_ == mem::vmid_none) {
        return fail(Error::object_config);
    }
    mem::VmidAllocator& vmids = addrspace_platform::vmids();
    if (Status s = vmids.claim(vmid_); !s) {
        return s;  // busy: another address space has it
    }
    tables_.attach(*Partition::of(*this));
    mem::Stage2Config config;
    config.ipa_bits = addrspace_platform::ipa_bits();
    config.pa_bits = addrspace_platform::pa_bits();
    config.vmid = vmid_;
    config.blocks = addrspace_platform::stage2_blocks();
    if (Status s = table_.init(tables_, config); !s) {
        HYP_ASSERT(vmids.free(vmid_).ok());
        return s;
    }
    if (Status s = tables_.refill(); !s) {
        tables_.release_reserve();
        table_.destroy();
        HYP_ASSERT(vmids.free(vmid_).ok());
        return s;
    }
    if (Status s = devices_.init(vmid_); !s) {
        tables_.release_reserve();
        table_.destroy();
        HYP_ASSERT(vmids.free(vmid_).ok());
        return s;
    }
    vmid_claimed_ = true;
    mark_active();
    return success();
}

std::uint64_t AddrSpace::ipa_limit() const { return table_.geometry().ipa_limit(); }

Result<mem::Stage2Mapping> AddrSpace::translate(Ipa ipa) const
{
    LockGuard held{lock};
    if (!table_.ready()) {
        return fail(Error::object_state);
    }
    return table_.lookup(ipa);
}

std::size_t AddrSpace::table_pages() const
{
    LockGuard held{lock};
    return table_.table_pages();
}

std::size_t AddrSpace::mapping_count() const
{
    LockGuard held{lock};
    std::size_t n = 0;
    for (const Mapping& m : mappings_) {
        (void)m;
        ++n;
    }
    return n;
}

void AddrSpace::forget_mappings()
{
    // The lock order backwards (addrspace.h): hold our lock, only try the extent's.
    for (;;) {
        lock.lock();
        Mapping* m = mappings_.front();
        if (m == nullptr) {
            lock.unlock();
            return;
        }
        MemExtent& extent = *m->extent;  // alive: its slot is still on our list
        bool taken = extent.lock.try_lock();
        if (taken) {
            mappings_.remove(*m);
            m->as = nullptr;
            extent.lock.unlock();
        }
        lock.unlock();
        if (!taken) {
            arch::spin_wait_hint();  // its holder may be waiting for our lock
        }
    }
}

// ---- Stage-2 edits, under `lock` --------------------------------------------------------

Status AddrSpace::ready_for_edit() { return tables_.refill(); }

Status AddrSpace::map_pages(Ipa ipa, PhysAddr pa, std::uint64_t size, mem::Stage2Attrs attrs)
{
    Status s = table_.map(ipa, pa, size, attrs);
    (void)tables_.refill();  // best effort: the next failable edit insists
    return s;
}

Status AddrSpace::protect_pages(Ipa ipa, std::uint64_t size, mem::Stage2Attrs attrs)
{
    Status s = table_.protect(ipa, size, attrs);
    (void)tables_.refill();
    return s;
}

void AddrSpace::unmap_pages(Ipa ipa, std::uint64_t size)
{
    tables_.use_reserve(true);
    Status s = table_.unmap(ipa, size);
    tables_.use_reserve(false);
    if (!s) {
        HYP_PANIC("stage-2 table reserve of VMID {} exhausted unmapping {:#x}+{:#x}: {}", vmid_, ipa.raw(), size,
                  error_name(s.error()));
    }
    (void)tables_.refill();
}

void AddrSpace::protect_pages_or_panic(Ipa ipa, std::uint64_t size, mem::Stage2Attrs attrs)
{
    tables_.use_reserve(true);
    Status s = table_.protect(ipa, size, attrs);
    tables_.use_reserve(false);
    if (!s) {
        HYP_PANIC("stage-2 rollback of VMID {} failed at {:#x}+{:#x}: {}", vmid_, ipa.raw(), size,
                  error_name(s.error()));
    }
    (void)tables_.refill();
}

bool AddrSpace::overlaps(IpaRange range) const
{
    for (const Mapping& m : mappings_) {
        if (m.span.ipas().overlaps(range)) {
            return true;
        }
    }
    return false;
}

}  // namespace hyp
