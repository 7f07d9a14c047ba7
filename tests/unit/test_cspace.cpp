// Capability spaces: lookups check type and rights, copies only lose rights, deleted and
// revoked caps stay dead, and objects die with their last cap.
#include <catch2/catch.hpp>

#include <vector>

#include "kernel/object/cspace.h"

using namespace hyp;

namespace {

int destroyed = 0;

struct Thing final : Object {
    static constexpr ObjectType object_type = ObjectType::doorbell;
    Thing() : Object{ObjectType::doorbell, [](Object&) { ++destroyed; }} {}
};

struct Space {
    explicit Space(std::uint32_t n) : slots(n), cspace{slots.data(), n, nullptr} {}
    std::vector<CapSlot> slots;
    CSpace cspace;
};

constexpr Rights all = 0xffffffff;
constexpr Rights send = 1, receive = 2;

}  // namespace

TEST_CASE("a looked-up cap gives its object, with a reference held while in use")
{
    Space s{4};
    Thing thing;
    CapId id = s.cspace.insert_root(thing, all).value();
    CHECK(thing.references() == 1);
    {
        auto ref = s.cspace.lookup_as<Thing>(id, send);
        REQUIRE(ref.ok());
        CHECK(ref->get() == &thing);
        CHECK(thing.references() == 2);
    }
    CHECK(thing.references() == 1);
}

TEST_CASE("lookups fail with the error that names the problem")
{
    Space s{4};
    Thing thing;
    CapId id = s.cspace.insert_root(thing, send).value();
    CHECK(s.cspace.lookup(id, ObjectType::msgqueue, 0).error() == Error::cspace_wrong_obj_type);
    CHECK(s.cspace.lookup(id, ObjectType::doorbell, receive).error() == Error::cspace_insuf_rights);
    CHECK(s.cspace.lookup(invalid_cap_id, ObjectType::doorbell, 0).error() == Error::cspace_cap_null);
    CHECK(s.cspace.lookup(3, ObjectType::doorbell, 0).error() == Error::cspace_cap_null);  // empty slot
    CHECK(s.cspace.lookup(99, ObjectType::doorbell, 0).error() == Error::cspace_cap_null); // out of range
    CHECK(s.cspace.lookup(id, ObjectType::none, 0).ok());
}

TEST_CASE("a copy has at most the rights of its source")
{
    Space a{4}, b{4};
    Thing thing;
    CapId root = a.cspace.insert_root(thing, send | receive).value();
    CapId copy = a.cspace.copy_to(root, b.cspace, send | 0x100).value();
    CHECK(b.cspace.rights_of(copy).value() == send);
    CHECK(b.cspace.lookup(copy, ObjectType::doorbell, receive).error() == Error::cspace_insuf_rights);
    CHECK(thing.references() == 2);
}

TEST_CASE("a deleted cap reads as revoked and its slot's new cap is unreachable through it")
{
    Space s{1};
    Thing a, b;
    CapId old_id = s.cspace.insert_root(a, all).value();
    REQUIRE(s.cspace.remove(old_id).ok());
    CHECK(s.cspace.lookup(old_id, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
    CapId new_id = s.cspace.insert_root(b, all).value();
    CHECK(new_id != old_id);
    CHECK(s.cspace.lookup(old_id, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
    CHECK(s.cspace.remove(old_id).error() == Error::cspace_cap_revoked);
    CHECK(s.cspace.lookup(new_id, ObjectType::none, 0)->get() == &b);
}

TEST_CASE("a full cspace refuses new caps and changes nothing")
{
    Space s{2}, t{1};
    Thing thing;
    CapId id = s.cspace.insert_root(thing, all).value();
    (void)s.cspace.insert_root(thing, all).value();
    CHECK(s.cspace.insert_root(thing, all).error() == Error::cspace_full);
    (void)s.cspace.copy_to(id, t.cspace, all).value();
    CHECK(s.cspace.copy_to(id, t.cspace, all).error() == Error::cspace_full);
    CHECK(thing.references() == 3);
}

TEST_CASE("revoking a cap deletes everything derived from it, in every cspace, and nothing else")
{
    Space a{4}, b{4}, c{4};
    Thing thing;
    CapId root = a.cspace.insert_root(thing, all).value();
    CapId child = a.cspace.copy_to(root, b.cspace, all).value();
    CapId grandchild = b.cspace.copy_to(child, c.cspace, send).value();
    CapId sibling = a.cspace.copy_to(root, c.cspace, all).value();
    CHECK(thing.references() == 4);

    REQUIRE(b.cspace.revoke_derived(child).ok());
    CHECK(c.cspace.lookup(grandchild, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
    CHECK(b.cspace.lookup(child, ObjectType::none, 0).ok());
    CHECK(c.cspace.lookup(sibling, ObjectType::none, 0).ok());

    REQUIRE(a.cspace.revoke_derived(root).ok());
    CHECK(b.cspace.lookup(child, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
    CHECK(c.cspace.lookup(sibling, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
    CHECK(a.cspace.lookup(root, ObjectType::none, 0).ok());
    CHECK(thing.references() == 1);
}

TEST_CASE("deleting a cap hands its children to its parent, so revoke still reaches them")
{
    Space a{4}, b{4};
    Thing thing;
    CapId root = a.cspace.insert_root(thing, all).value();
    CapId middle = a.cspace.copy_to(root, b.cspace, all).value();
    CapId leaf = b.cspace.copy_to(middle, b.cspace, all).value();
    REQUIRE(b.cspace.remove(middle).ok());
    CHECK(b.cspace.lookup(leaf, ObjectType::none, 0).ok());
    REQUIRE(a.cspace.revoke_derived(root).ok());
    CHECK(b.cspace.lookup(leaf, ObjectType::none, 0).error() == Error::cspace_cap_revoked);
}

TEST_CASE("the object is destroyed when its last cap goes, not before")
{
    destroyed = 0;
    Space a{4}, b{4};
    Thing thing;
    CapId root = a.cspace.insert_root(thing, all).value();
    CapId copy = a.cspace.copy_to(root, b.cspace, all).value();
    REQUIRE(a.cspace.remove(root).ok());
    CHECK(destroyed == 0);
    CHECK(thing.state() != ObjectState::deleted);
    REQUIRE(b.cspace.remove(copy).ok());
    CHECK(destroyed == 1);
    CHECK(thing.state() == ObjectState::deleted);
}

TEST_CASE("clearing a cspace drops all its caps and keeps derived caps elsewhere alive")
{
    destroyed = 0;
    Space a{4}, b{4};
    Thing t1, t2;
    CapId r1 = a.cspace.insert_root(t1, all).value();
    (void)a.cspace.insert_root(t2, all).value();
    CapId c1 = a.cspace.copy_to(r1, b.cspace, all).value();
    a.cspace.clear();
    CHECK(a.cspace.used() == 0);
    CHECK(destroyed == 1);  // t2 had no other cap
    CHECK(b.cspace.lookup(c1, ObjectType::none, 0).ok());
}

TEST_CASE("a cspace is configured and activated once, in that order")
{
    std::vector<CapSlot> slots(8);
    CSpace cs{nullptr};
    Thing thing;
    CHECK(cs.insert_root(thing, all).error() == Error::object_state);  // not active yet
    CHECK(cs.activate(slots.data()).error() == Error::object_config);
    CHECK(cs.configure(0).error() == Error::arg_inval);
    CHECK(cs.configure(max_cspace_slots + 1).error() == Error::arg_inval);
    REQUIRE(cs.configure(8).ok());
    // Configured but not active: no slot storage yet, and no lookup may touch it.
    CHECK(cs.lookup(0, ObjectType::none, 0).error() == Error::object_state);
    CHECK(cs.remove(0).error() == Error::object_state);
    CHECK(cs.revoke_derived(0).error() == Error::object_state);
    REQUIRE(cs.activate(slots.data()).ok());
    CHECK(cs.state() == ObjectState::active);
    CHECK(cs.configure(4).error() == Error::object_state);
    CHECK(cs.activate(slots.data()).error() == Error::object_state);
    CHECK(cs.insert_root(thing, all).ok());
    cs.clear();
}

TEST_CASE("a cspace destroyed after configure but before activation holds nothing and frees nothing")
{
    int destroyed_before = destroyed;
    {
        CSpace cs{nullptr};
        REQUIRE(cs.configure(8).ok());
        CHECK(cs.used() == 0);
        cs.clear();
    }
    CHECK(destroyed == destroyed_before);
}
