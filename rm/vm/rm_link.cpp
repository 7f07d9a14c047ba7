// The RPC link between the RM and a client VM (see rm_link.h).
#include "rm/vm/rm_link.h"

#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"

namespace hyp::rm {
namespace {

Status failed(Diagnostic& diag, Error error, const char* call, const char* what)
{
    return refuse(diag, error, "{} ({}) failed: {}", call, what, error);
}

// One queue, configured and active, with a cap in the RM's cspace.
Status make_queue(const RmLinkRequest& r, Hypervisor& hv, CapId& queue, const char* what, Diagnostic& diag)
{
    CapResult created = hv.partition_create(ObjectKind::msgqueue, r.partition, r.rm_cspace);
    if (!created.ok()) {
        return failed(diag, created.error, "partition_create_msgqueue", what);
    }
    queue = created.cap;
    Error e = hv.msgqueue_configure(queue, GUNYAH_MSGQUEUE_CREATE_INFO(rm_link_queue_depth, rm_link_message_size));
    if (e != Error::ok) {
        return failed(diag, e, "msgqueue_configure", what);
    }
    e = hv.object_activate(queue);
    return e == Error::ok ? success() : failed(diag, e, "object_activate", what);
}

}  // namespace

Status make_rm_link(const RmLinkRequest& r, Hypervisor& hv, RmLink& link, Diagnostic& diag)
{
    Status s = make_queue(r, hv, link.to_rm, "the queue to the RM", diag);
    if (s) {
        s = make_queue(r, hv, link.from_rm, "the queue from the RM", diag);
    }
    if (!s) {
        return s;
    }
    // The client's side: room to send again on its tx queue, a message on its rx queue.
    // The RM's side: a message from the client, room to send again after a full queue.
    // One at a time: nothing after a failure is tried.
    Error e = hv.msgqueue_bind_send_virq(link.to_rm, r.client_vic, r.client_tx_intid);
    if (e != Error::ok) {
        return failed(diag, e, "msgqueue_bind_send_virq", "the client's tx interrupt");
    }
    e = hv.msgqueue_bind_receive_virq(link.from_rm, r.client_vic, r.client_rx_intid);
    if (e != Error::ok) {
        return failed(diag, e, "msgqueue_bind_receive_virq", "the client's rx interrupt");
    }
    e = hv.msgqueue_bind_receive_virq(link.to_rm, r.rm_vic, r.rm_rx_intid);
    if (e != Error::ok) {
        return failed(diag, e, "msgqueue_bind_receive_virq", "the RM's rx interrupt");
    }
    e = hv.msgqueue_bind_send_virq(link.from_rm, r.rm_vic, r.rm_tx_intid);
    if (e != Error::ok) {
        return failed(diag, e, "msgqueue_bind_send_virq", "the RM's tx interrupt");
    }
    CapResult tx = hv.cspace_copy_cap_from(r.rm_cspace, link.to_rm, r.client_cspace, GUNYAH_RIGHT_MSGQUEUE_SEND);
    if (!tx.ok()) {
        return failed(diag, tx.error, "cspace_copy_cap_from", "the client's tx cap");
    }
    link.client_tx = tx.cap;
    CapResult rx = hv.cspace_copy_cap_from(r.rm_cspace, link.from_rm, r.client_cspace, GUNYAH_RIGHT_MSGQUEUE_RECEIVE);
    if (!rx.ok()) {
        return failed(diag, rx.error, "cspace_copy_cap_from", "the client's rx cap");
    }
    link.client_rx = rx.cap;
    return success();
}

}  // namespace hyp::rm
