// The doorbell and message-queue calls. Each looks its object up with the right Gunyah's
// hyp/ipc/*/src/hypercalls.c asks for, then lets the object check its state (active,
// except for msgqueue_configure) and the arguments: the rules and their order are in
// kernel/ipc/doorbell.h and msgqueue.h. Binding calls look the vic up second (its
// bind_source right), after the object's state, as Gunyah's typed lookups do.
// Message buffers are virtual addresses of the calling vCPU, as in Gunyah: its own
// stage 1 (arch/guest_va.h) turns them into IPAs in its address space, where the queue
// copies through stage 2. A caller with no vCPU (the host tests' "nobody") has no
// memory, and its sends and receives are addr_inval.
#include <arch/guest_va.h>

#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "kernel/hypercall/handlers.h"
#include "kernel/ipc/doorbell.h"
#include "kernel/ipc/msgqueue.h"
#include "kernel/object/vcpu.h"
#include "kernel/object/vic.h"

namespace hyp::hypercall {
namespace {

// Looks up the T behind `cap` with `right`, then returns fn(object).
template <typename T, typename Fn>
Return with(Caller& caller, CapId cap, Rights right, Fn fn)
{
    auto object = caller.cspace->lookup_as<T>(cap, right);
    if (!object) {
        return error_return(object.error());
    }
    return fn(**object);
}

// (object, vic, virq, R0): the object's cap with `right` and the object active, then the
// vic's cap with BIND_SOURCE, then bind(object, vic, virq).
template <typename T, typename Bind>
Return bind_virq(Caller& caller, const Args& a, Rights right, Bind bind)
{
    return with<T>(caller, a.arg[0], right, [&](T& object) {
        if (object.state() != ObjectState::active) {
            return error_return(Error::object_state);
        }
        return with<Vic>(caller, a.arg[1], GUNYAH_RIGHT_VIC_BIND_SOURCE,
                         [&](Vic& vic) { return status_return(bind(object, vic, a.arg[2])); });
    });
}

template <typename T>
Return flags_return(const Result<T>& r)
{
    return r ? ok_return(*r) : error_return(r.error());
}

const AddrSpace* caller_memory(const Caller& caller)
{
    return caller.vcpu != nullptr ? caller.vcpu->addrspace() : nullptr;
}

constexpr std::uint64_t page_size = 4096;

// The IPA of the caller's buffer [va, va + size), through its stage 1, page by page.
// The pages must be contiguous in IPA as well (a buffer in one page, or in Linux's linear
// map, always is); otherwise, or where a page faults for the access, addr_inval. Sizes
// past the largest message are passed on untranslated: the queue refuses them
// (arg_size) before it copies anything.
Result<Ipa> buffer_ipa(std::uint64_t va, std::uint64_t size, bool write)
{
    if (size == 0 || size > GUNYAH_MSGQUEUE_MAX_MSG_SIZE_LIMIT) {
        return Ipa{va};
    }
    if (va + size < va) {
        return fail(Error::addr_inval);
    }
    const arch::GuestVaTranslation first = arch::guest_va_to_ipa(va, write);
    if (!first.ok) {
        return fail(Error::addr_inval);
    }
    for (std::uint64_t page = (va & ~(page_size - 1)) + page_size; page < va + size; page += page_size) {
        const arch::GuestVaTranslation next = arch::guest_va_to_ipa(page, write);
        if (!next.ok || next.ipa != first.ipa + (page - va)) {
            return fail(Error::addr_inval);
        }
    }
    return Ipa{first.ipa};
}

}  // namespace

// ---- doorbells ------------------------------------------------------------------------

Return partition_create_doorbell(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::doorbell);
}

// (db, vic, virq, R0): BIND.
Return doorbell_bind_virq(Caller& caller, const Args& a)
{
    return bind_virq<Doorbell>(caller, a, GUNYAH_RIGHT_DOORBELL_BIND,
                               [](Doorbell& db, Vic& vic, std::uint64_t virq) { return db.bind(vic, virq); });
}

// (db, R0): BIND.
Return doorbell_unbind_virq(Caller& caller, const Args& a)
{
    return with<Doorbell>(caller, a.arg[0], GUNYAH_RIGHT_DOORBELL_BIND,
                          [](Doorbell& db) { return status_return(db.unbind()); });
}

// (db, new_flags, R0) -> X1 old flags: SEND.
Return doorbell_send(Caller& caller, const Args& a)
{
    return with<Doorbell>(caller, a.arg[0], GUNYAH_RIGHT_DOORBELL_SEND,
                          [&](Doorbell& db) { return flags_return(db.send(a.arg[1])); });
}

// (db, clear_flags, R0) -> X1 old flags: RECEIVE.
Return doorbell_receive(Caller& caller, const Args& a)
{
    return with<Doorbell>(caller, a.arg[0], GUNYAH_RIGHT_DOORBELL_RECEIVE,
                          [&](Doorbell& db) { return flags_return(db.receive(a.arg[1])); });
}

// (db, R0): RECEIVE (the receiver's call, as in Gunyah).
Return doorbell_reset(Caller& caller, const Args& a)
{
    return with<Doorbell>(caller, a.arg[0], GUNYAH_RIGHT_DOORBELL_RECEIVE,
                          [](Doorbell& db) { return status_return(db.reset()); });
}

// (db, enable_mask, ack_mask, R0): RECEIVE.
Return doorbell_mask(Caller& caller, const Args& a)
{
    return with<Doorbell>(caller, a.arg[0], GUNYAH_RIGHT_DOORBELL_RECEIVE,
                          [&](Doorbell& db) { return status_return(db.mask(a.arg[1], a.arg[2])); });
}

// ---- message queues -------------------------------------------------------------------

Return partition_create_msgqueue(Caller& caller, const Args& a)
{
    return create_in_partition(caller, a, ObjectType::msgqueue);
}

// (mq, create_info, R0): ACTIVATE; init only.
Return msgqueue_configure(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_ACTIVATE,
                          [&](MsgQueue& q) { return status_return(q.configure(a.arg[1])); });
}

// (mq, vic, virq, R0): BIND_SEND / BIND_RECEIVE.
Return msgqueue_bind_send_virq(Caller& caller, const Args& a)
{
    return bind_virq<MsgQueue>(caller, a, GUNYAH_RIGHT_MSGQUEUE_BIND_SEND,
                               [](MsgQueue& q, Vic& vic, std::uint64_t virq) { return q.bind_send(vic, virq); });
}

Return msgqueue_bind_receive_virq(Caller& caller, const Args& a)
{
    return bind_virq<MsgQueue>(caller, a, GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE,
                               [](MsgQueue& q, Vic& vic, std::uint64_t virq) { return q.bind_receive(vic, virq); });
}

// (mq, R0): BIND_SEND / BIND_RECEIVE.
Return msgqueue_unbind_send_virq(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_BIND_SEND,
                          [](MsgQueue& q) { return status_return(q.unbind_send()); });
}

Return msgqueue_unbind_receive_virq(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_BIND_RECEIVE,
                          [](MsgQueue& q) { return status_return(q.unbind_receive()); });
}

// (mq, size, buffer IPA, flags, R0) -> X1 not_full: SEND.
Return msgqueue_send(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_SEND, [&](MsgQueue& q) {
        Result<Ipa> buffer = buffer_ipa(a.arg[2], a.arg[1], false);
        if (!buffer) {
            return error_return(buffer.error());
        }
        Result<bool> r = q.send(caller_memory(caller), a.arg[1], *buffer, a.arg[3]);
        return r ? ok_return(*r ? 1 : 0) : error_return(r.error());
    });
}

// (mq, buffer VA, buffer size, R0) -> X1 size, X2 not_empty: RECEIVE.
Return msgqueue_receive(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_RECEIVE, [&](MsgQueue& q) {
        // The message's size is not known yet: the most a message can be is translated.
        Result<Ipa> buffer = buffer_ipa(a.arg[1], a.arg[2] < GUNYAH_MSGQUEUE_MAX_MSG_SIZE_LIMIT
                                                      ? a.arg[2] : GUNYAH_MSGQUEUE_MAX_MSG_SIZE_LIMIT, true);
        if (!buffer) {
            return error_return(buffer.error());
        }
        Result<MsgQueue::Received> r = q.receive(caller_memory(caller), *buffer, a.arg[2]);
        return r ? ok_return(r->size, r->not_empty ? 1 : 0) : error_return(r.error());
    });
}

// (mq, R0): RECEIVE (the receiver empties its queue, as in Gunyah).
Return msgqueue_flush(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_RECEIVE,
                          [](MsgQueue& q) { return status_return(q.flush()); });
}

// (mq, not_full threshold, holdoff, res1): SEND. res1 is not looked at.
Return msgqueue_configure_send(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_SEND,
                          [&](MsgQueue& q) { return status_return(q.configure_send(a.arg[1], a.arg[2])); });
}

// (mq, not_empty threshold, holdoff, res1): RECEIVE.
Return msgqueue_configure_receive(Caller& caller, const Args& a)
{
    return with<MsgQueue>(caller, a.arg[0], GUNYAH_RIGHT_MSGQUEUE_RECEIVE,
                          [&](MsgQueue& q) { return status_return(q.configure_receive(a.arg[1], a.arg[2])); });
}

}  // namespace hyp::hypercall
