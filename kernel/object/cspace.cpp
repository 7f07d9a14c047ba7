// Capability spaces (see cspace.h).
#include "kernel/object/cspace.h"

#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/partition.h"

namespace hyp {
namespace {

// Capabilities in every cspace (hyp_debug_stats): counted where slots fill and empty.
constinit std::uint64_t live_cap_count = 0;

constinit SpinLock cspace_lock;

constexpr unsigned slot_bits = 16;
constexpr CapId slot_mask = (CapId{1} << slot_bits) - 1;

void unlink(CapSlot& slot)
{
    if (slot.prev_sibling != nullptr) {
        slot.prev_sibling->next_sibling = slot.next_sibling;
    } else if (slot.parent != nullptr) {
        slot.parent->first_child = slot.next_sibling;
    }
    if (slot.next_sibling != nullptr) {
        slot.next_sibling->prev_sibling = slot.prev_sibling;
    }
    slot.parent = slot.next_sibling = slot.prev_sibling = nullptr;
}

void link_child(CapSlot& parent, CapSlot& child)
{
    child.parent = &parent;
    child.prev_sibling = nullptr;
    child.next_sibling = parent.first_child;
    if (parent.first_child != nullptr) {
        parent.first_child->prev_sibling = &child;
    }
    parent.first_child = &child;
}

// Takes `slot` out of the tree (children move to its parent, or become roots) and frees
// it; returns the object whose reference the caller must put once the lock is dropped.
Object* detach(CapSlot& slot)
{
    CapSlot* parent = slot.parent;
    unlink(slot);
    while (CapSlot* child = slot.first_child) {
        slot.first_child = child->next_sibling;
        if (slot.first_child != nullptr) {
            slot.first_child->prev_sibling = nullptr;
        }
        child->parent = nullptr;
        child->next_sibling = child->prev_sibling = nullptr;
        if (parent != nullptr) {
            link_child(*parent, *child);
        }
    }
    Object* object = slot.object;
    slot.object = nullptr;
    slot.rights = 0;
    ++slot.generation;
    __atomic_fetch_sub(&live_cap_count, 1, __ATOMIC_RELAXED);
    return object;
}

// The deepest first descendant of `slot` (a leaf), or null when it has none.
CapSlot* some_leaf_below(CapSlot& slot)
{
    CapSlot* s = slot.first_child;
    if (s == nullptr) {
        return nullptr;
    }
    while (s->first_child != nullptr) {
        s = s->first_child;
    }
    return s;
}

}  // namespace

CSpace::CSpace(ObjectDestroyer destroyer) : Object{ObjectType::cspace, destroyer} {}

CSpace::CSpace(CapSlot* slots, std::uint32_t capacity, ObjectDestroyer destroyer) : CSpace{destroyer}
{
    HYP_ASSERT(configure(capacity).ok() && activate(slots).ok());
}

CSpace::~CSpace()
{
    clear();
    if (Partition* home = Partition::of(*this); home != nullptr && slots_ != nullptr) {
        home->free_pages(Partition::to_phys(slots_), Partition::pages_for(capacity_ * sizeof(CapSlot)));
    }
}

Status CSpace::configure(std::uint32_t max_caps)
{
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (max_caps == 0 || max_caps > max_cspace_slots) {
        return fail(Error::arg_inval);
    }
    capacity_ = max_caps;
    return success();
}

Status CSpace::activate(CapSlot* slots)
{
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (capacity_ == 0 || slots == nullptr) {
        return fail(Error::object_config);  // not configured
    }
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        slots[i] = CapSlot{};
        slots[i].cspace = this;
    }
    slots_ = slots;
    mark_active();
    return success();
}

std::uint32_t CSpace::used() const
{
    LockGuard guard{cspace_lock};
    std::uint32_t n = 0;
    for (std::uint32_t i = 0; slots_ != nullptr && i < capacity_; ++i) {
        n += slots_[i].object != nullptr ? 1 : 0;
    }
    return n;
}

CapId CSpace::id_of(const CapSlot& slot) const
{
    return (CapId{slot.generation} << slot_bits) | static_cast<CapId>(&slot - slots_);
}

Result<CapSlot*> CSpace::slot_for(CapId id) const
{
    if (slots_ == nullptr) {
        return fail(Error::object_state);  // configured (capacity set) but not activated
    }
    if (id == invalid_cap_id || (id & slot_mask) >= capacity_ || (id >> (slot_bits + 32)) != 0) {
        return fail(Error::cspace_cap_null);
    }
    CapSlot& slot = slots_[id & slot_mask];
    if (slot.generation != static_cast<std::uint32_t>(id >> slot_bits)) {
        return fail(Error::cspace_cap_revoked);
    }
    if (slot.object == nullptr) {
        return fail(Error::cspace_cap_null);
    }
    return &slot;
}

CapSlot* CSpace::free_slot()
{
    for (std::uint32_t i = 0; slots_ != nullptr && i < capacity_; ++i) {
        if (slots_[i].object == nullptr) {
            return &slots_[i];
        }
    }
    return nullptr;
}

Result<CapId> CSpace::insert_root(Object& object, Rights rights)
{
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    LockGuard guard{cspace_lock};
    CapSlot* slot = free_slot();
    if (slot == nullptr) {
        return fail(Error::cspace_full);
    }
    object.retain();
    slot->object = &object;
    slot->rights = rights;
    __atomic_fetch_add(&live_cap_count, 1, __ATOMIC_RELAXED);
    return id_of(*slot);
}

Result<Ref<Object>> CSpace::lookup(CapId id, ObjectType type, Rights required) const
{
    LockGuard guard{cspace_lock};
    Result<CapSlot*> slot = slot_for(id);
    if (!slot) {
        return fail(slot.error());
    }
    Object* object = (*slot)->object;
    if (type != ObjectType::none && object->type() != type) {
        return fail(Error::cspace_wrong_obj_type);
    }
    if (((*slot)->rights & required) != required) {
        return fail(Error::cspace_insuf_rights);
    }
    return Ref<Object>(object);
}

Result<Rights> CSpace::rights_of(CapId id) const
{
    LockGuard guard{cspace_lock};
    Result<CapSlot*> slot = slot_for(id);
    if (!slot) {
        return fail(slot.error());
    }
    return (*slot)->rights;
}

Result<CapId> CSpace::copy_to(CapId id, CSpace& dest, Rights mask)
{
    LockGuard guard{cspace_lock};
    Result<CapSlot*> source = slot_for(id);
    if (!source) {
        return fail(source.error());
    }
    if (dest.state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    CapSlot* copy = dest.free_slot();
    if (copy == nullptr) {
        return fail(Error::cspace_full);
    }
    (*source)->object->retain();
    copy->object = (*source)->object;
    copy->rights = (*source)->rights & mask;
    link_child(**source, *copy);
    __atomic_fetch_add(&live_cap_count, 1, __ATOMIC_RELAXED);
    return dest.id_of(*copy);
}

Status CSpace::remove(CapId id)
{
    Object* object;
    {
        LockGuard guard{cspace_lock};
        Result<CapSlot*> slot = slot_for(id);
        if (!slot) {
            return fail(slot.error());
        }
        object = detach(**slot);
    }
    object->put();  // outside the lock: destroying a cspace takes it again
    return success();
}

Status CSpace::revoke_derived(CapId id)
{
    {
        LockGuard guard{cspace_lock};
        Result<CapSlot*> slot = slot_for(id);
        if (!slot) {
            return fail(slot.error());
        }
    }
    // One leaf at a time, so that objects are put with the lock dropped. The cap itself
    // may be deleted by someone else meanwhile: then there is nothing left to revoke.
    for (;;) {
        Object* object;
        {
            LockGuard guard{cspace_lock};
            Result<CapSlot*> slot = slot_for(id);
            if (!slot) {
                return success();
            }
            CapSlot* leaf = some_leaf_below(**slot);
            if (leaf == nullptr) {
                return success();
            }
            object = detach(*leaf);
        }
        object->put();
    }
}

void CSpace::clear()
{
    if (slots_ == nullptr) {
        return;  // never activated: holds nothing
    }
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        Object* object = nullptr;
        {
            LockGuard guard{cspace_lock};
            if (slots_[i].object != nullptr) {
                object = detach(slots_[i]);
            }
        }
        if (object != nullptr) {
            object->put();
        }
    }
}

std::uint64_t live_caps() { return __atomic_load_n(&live_cap_count, __ATOMIC_RELAXED); }

}  // namespace hyp
