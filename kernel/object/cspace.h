// Capability spaces: a CSpace maps capability ids to (object, rights). Every hypercall
// names its objects by capability id, and the cspace is where authority is checked.
//
// - A cap id is opaque to callers: (generation << 16) | slot. Deleting or revoking a cap
//   bumps its slot's generation, so an old id can never reach a new object.
// - Caps form a derivation tree across cspaces: a copy is a child of the cap it was copied
//   from, with rights reduced by a mask (never increased). Revoking a cap deletes every
//   cap derived from it, in any cspace; deleting a cap moves its children to its parent.
// - Each cap holds a reference on its object; the last reference going destroys it.
//
// Locking: one lock for all cspaces (cspace_lock), since copy, delete and revoke all walk
// the derivation tree across cspaces; lookups are short. Callers never hold it: every
// function here takes it itself.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/object/object.h"

namespace hyp {

using CapId = std::uint64_t;
using Rights = std::uint32_t;

inline constexpr CapId invalid_cap_id = ~CapId{0};
inline constexpr std::uint32_t max_cspace_slots = 1u << 16;

class CSpace;

struct CapSlot {
    Object* object = nullptr;  // null: free
    Rights rights = 0;
    std::uint32_t generation = 0;
    CSpace* cspace = nullptr;
    // Derivation tree.
    CapSlot* parent = nullptr;
    CapSlot* first_child = nullptr;
    CapSlot* next_sibling = nullptr;
    CapSlot* prev_sibling = nullptr;
};

class CSpace final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::cspace;

    // A new cspace is in state init with no storage: configure(), then activate().
    explicit CSpace(ObjectDestroyer destroyer);
    // The shortcut for the boot code and tests: configured and activated over `slots`.
    CSpace(CapSlot* slots, std::uint32_t capacity, ObjectDestroyer destroyer);

    // Only in state init: how many caps it will hold (1..max_cspace_slots).
    [[nodiscard]] Status configure(std::uint32_t max_caps);
    [[nodiscard]] std::uint32_t configured_capacity() const { return capacity_; }
    // Only in state init, after configure: `slots` holds configured_capacity() caps.
    [[nodiscard]] Status activate(CapSlot* slots);
    // Deletes every cap it still holds and gives its slot storage back to the partition
    // it was made in (when it was made in one).
    ~CSpace();
    // Deletes every cap it still holds (children of its caps move to their parents).
    void clear();

    [[nodiscard]] std::uint32_t capacity() const { return capacity_; }
    [[nodiscard]] std::uint32_t used() const;

    // A new root cap for `object` (its creator's cap, with all rights given); object_state
    // unless this cspace is active, cspace_full when no slot is free.
    [[nodiscard]] Result<CapId> insert_root(Object& object, Rights rights);

    // The object behind `id`, checked for type and rights, with a reference held.
    // Errors: cspace_cap_null (no such cap), cspace_cap_revoked (deleted or revoked since),
    // cspace_wrong_obj_type, cspace_insuf_rights.
    [[nodiscard]] Result<Ref<Object>> lookup(CapId id, ObjectType type, Rights required) const;
    template <typename T>
    [[nodiscard]] Result<Ref<T>> lookup_as(CapId id, Rights required) const
    {
        Result<Ref<Object>> found = lookup(id, T::object_type, required);
        if (!found) {
            return fail(found.error());
        }
        return Ref<T>(static_cast<T*>(found->get()));
    }
    // Rights of a cap, for tests and for the copy hypercall.
    [[nodiscard]] Result<Rights> rights_of(CapId id) const;

    // Copies `id` into `dest` with rights `rights & mask`; the copy is its child.
    [[nodiscard]] Result<CapId> copy_to(CapId id, CSpace& dest, Rights mask);
    // Deletes the cap; its children are re-parented to its parent.
    [[nodiscard]] Status remove(CapId id);
    // Deletes every cap derived from `id` (not `id` itself).
    [[nodiscard]] Status revoke_derived(CapId id);

private:
    [[nodiscard]] Result<CapSlot*> slot_for(CapId id) const;
    [[nodiscard]] CapSlot* free_slot();
    [[nodiscard]] CapId id_of(const CapSlot& slot) const;

    CapSlot* slots_ = nullptr;
    std::uint32_t capacity_ = 0;
};


// Capabilities held in all cspaces together (hyp_debug_stats).
[[nodiscard]] std::uint64_t live_caps();

}  // namespace hyp
