// The header every kernel object starts with: its type, its lifecycle state and a
// reference count. Objects are created in a partition (state init), configured, then
// activated (state active); they are destroyed when the last reference goes, which
// marks them deleted first so that nothing can find them half-torn-down.
//
//   create ──> init ──configure*──> activate ──> active ──(last ref)──> deleted ──> freed
//
// Capabilities (cspace.h) hold references; so do kernel-internal links (a vCPU's
// address space, a mapping's memory extent).
#pragma once

#include <cstdint>

namespace hyp {

// Our own numbering: no hypercall takes an object type, so it is not ABI.
enum class ObjectType : std::uint8_t {
    none = 0,
    partition,
    cspace,
    addrspace,
    memextent,
    thread,
    doorbell,
    msgqueue,
    vic,
    vpm_group,
    hwirq,
};

enum class ObjectState : std::uint8_t { init, active, deleted };

[[nodiscard]] const char* object_type_name(ObjectType type);

// Kernel objects constructed and not yet destroyed, of every type (hyp_debug_stats).
[[nodiscard]] std::uint64_t live_objects();

class Object;

// Called when the last reference to an object is dropped: the owning partition frees
// it. Set by whoever creates the object.
using ObjectDestroyer = void (*)(Object& object);

class Object {
public:
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    [[nodiscard]] ObjectType type() const { return type_; }
    [[nodiscard]] ObjectState state() const { return static_cast<ObjectState>(__atomic_load_n(&state_, __ATOMIC_ACQUIRE)); }

    // Only from init: the caller has validated the configuration.
    void mark_active() { __atomic_store_n(&state_, static_cast<std::uint8_t>(ObjectState::active), __ATOMIC_RELEASE); }

    void retain() { __atomic_fetch_add(&refs_, 1, __ATOMIC_RELAXED); }
    // A reference to an object found without one (a scheduler queue holds none): fails
    // once the count has reached zero, when the object is already being destroyed.
    [[nodiscard]] bool try_retain()
    {
        std::uint32_t refs = __atomic_load_n(&refs_, __ATOMIC_RELAXED);
        while (refs != 0) {
            if (__atomic_compare_exchange_n(&refs_, &refs, refs + 1, true, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                return true;
            }
        }
        return false;
    }
    // Drops a reference; true when it was the last one (the caller then destroys the
    // object). The object is marked deleted before that becomes visible.
    [[nodiscard]] bool release()
    {
        if (__atomic_sub_fetch(&refs_, 1, __ATOMIC_ACQ_REL) != 0) {
            return false;
        }
        __atomic_store_n(&state_, static_cast<std::uint8_t>(ObjectState::deleted), __ATOMIC_RELEASE);
        return true;
    }
    [[nodiscard]] std::uint32_t references() const { return __atomic_load_n(&refs_, __ATOMIC_RELAXED); }

    // The partition the object was created in (null for objects made at boot).
    [[nodiscard]] Object* home() const { return home_; }
    void set_home(Object* partition) { home_ = partition; }

    // Drops a reference and destroys the object if it was the last.
    void put()
    {
        if (release() && destroyer_ != nullptr) {
            destroyer_(*this);
        }
    }

protected:
    Object(ObjectType type, ObjectDestroyer destroyer) : type_{type}, destroyer_{destroyer} { count_live(1); }
    ~Object() { count_live(-1); }

private:
    static void count_live(std::int64_t delta);

    ObjectType type_;
    ObjectDestroyer destroyer_;
    Object* home_ = nullptr;
    std::uint8_t state_ = static_cast<std::uint8_t>(ObjectState::init);  // an ObjectState, atomically
    std::uint32_t refs_ = 0;
};

// A typed view of an object, checked: `object_as<CSpace>(o)` is null unless o is one.
template <typename T>
[[nodiscard]] T* object_as(Object* object)
{
    return object != nullptr && object->type() == T::object_type ? static_cast<T*>(object) : nullptr;
}

// A counted reference: retained when made, put when it goes away.
template <typename T>
class [[nodiscard]] Ref {
public:
    Ref() = default;
    explicit Ref(T* object) : object_{object}
    {
        if (object_ != nullptr) {
            object_->retain();
        }
    }
    Ref(const Ref& other) : Ref(other.object_) {}
    Ref(Ref&& other) : object_{other.object_} { other.object_ = nullptr; }
    Ref& operator=(const Ref&) = delete;
    Ref& operator=(Ref&&) = delete;
    ~Ref()
    {
        if (object_ != nullptr) {
            object_->put();
        }
    }

    [[nodiscard]] T* get() const { return object_; }
    T* operator->() const { return object_; }
    T& operator*() const { return *object_; }
    explicit operator bool() const { return object_ != nullptr; }

private:
    T* object_ = nullptr;
};

}  // namespace hyp
