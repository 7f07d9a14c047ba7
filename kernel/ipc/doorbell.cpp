// Doorbells (see doorbell.h).
#include "kernel/ipc/doorbell.h"

namespace hyp {

Doorbell::Doorbell(ObjectDestroyer destroyer) : Object(ObjectType::doorbell, destroyer) {}

Doorbell::~Doorbell()
{
    release_source(source_);  // the last reference is gone: nobody else reaches it
}

Status Doorbell::activate()
{
    Locked<Doorbell> held(*this);
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    mark_active();
    return success();
}

Status Doorbell::bind(Vic& vic, std::uint64_t virq) { return bind_owned_source(*this, source_, vic, virq); }

Status Doorbell::unbind() { return unbind_owned_source(*this, source_); }

Result<std::uint64_t> Doorbell::send(std::uint64_t new_flags)
{
    Locked<Doorbell> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (new_flags == 0) {
        return fail(Error::arg_inval);
    }
    const std::uint64_t old = flags_;
    flags_ |= new_flags;
    if ((flags_ & enable_mask_) != 0) {
        source_.raise();
        flags_ &= ~ack_mask_;
    }
    return old;
}

Result<std::uint64_t> Doorbell::receive(std::uint64_t clear_flags)
{
    Locked<Doorbell> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (clear_flags == 0) {
        return fail(Error::arg_inval);
    }
    const std::uint64_t old = flags_;
    flags_ &= ~clear_flags;
    return old;
}

Status Doorbell::reset()
{
    Locked<Doorbell> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    flags_ = 0;
    enable_mask_ = default_enable_mask;
    ack_mask_ = default_ack_mask;
    return success();
}

Status Doorbell::mask(std::uint64_t enable_mask, std::uint64_t ack_mask)
{
    Locked<Doorbell> held(*this);
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    const bool was_asserted = (flags_ & enable_mask_) != 0;
    enable_mask_ = enable_mask;
    ack_mask_ = ack_mask;
    if ((flags_ & enable_mask_) == 0) {
        return success();
    }
    if (!was_asserted) {
        source_.raise();  // flags already set are enabled now: the receiver hears of them
    }
    flags_ &= ~ack_mask_;
    return success();
}

Doorbell::View Doorbell::view() const
{
    LockGuard held{lock};
    return View{flags_, enable_mask_, ack_mask_, source_.bound(), source_.virq(), source_.raised()};
}

}  // namespace hyp
