// MEM_NOTIFY (see mem_notify.h).
#include "rm/rpc/mem_notify.h"

namespace hyp::rm::rpc {
namespace {

constexpr std::size_t notify_header = 12;  // handle:4, flags:1, res:3, mem_info_tag:4

struct VmidList {
    std::uint16_t vmids[parcel_max_acl] = {};
    std::size_t count = 0;
};

// The vmid list after the header (count:2, res:2, {vmid:2, res:2}...), as Gunyah's
// get_vmid_list checks it: bytes short of the list are MSG_INVALID (more are allowed),
// an empty list or more VMs than the ACL has ARG_INVALID, a VM that does not exist
// VMID_INVALID, one the ACL does not name ARG_INVALID.
std::uint32_t read_vmids(VmService& s, Parcel& p, const Request& request, VmidList& out)
{
    if (request.size < notify_header + 4) {
        return malformed_request;
    }
    WireReader r{request.payload + notify_header, request.size - notify_header};
    const std::uint16_t count = r.le16();
    (void)r.le16();
    if (count == 0) {
        return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
    }
    if (request.size < notify_header + 4 + 4 * std::size_t{count}) {
        return malformed_request;
    }
    if (count > p.acl_count) {
        return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
    }
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint16_t vmid = r.le16();
        (void)r.le16();
        if (!s.vmid_exists(vmid)) {
            return GUNYAH_RM_ERROR_VMID_INVALID;
        }
        if (p.access_of(vmid) == nullptr) {
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        out.vmids[i] = vmid;
    }
    out.count = count;
    return GUNYAH_RM_OK;
}

// MEM_SHARED: the parcel as its recipients see it. Gunyah sends the ranges' sizes only
// (u64 each; the IPAs are the owner's), and no attributes are kept here. Every range the
// lender gave is listed, so 32 + 4 x ACL entries + 8 x ranges bytes must fit in one
// message (GUNYAH_RM_RPC_MAX_PAYLOAD): 0 when they do not.
std::size_t write_shared(const Parcel& p, std::uint8_t* buffer, std::size_t capacity)
{
    WireWriter w{buffer, capacity};
    w.le32(p.handle);
    w.u8(p.mem_type);
    w.u8(p.trans_type);
    w.u8(p.sanitize ? 1 : 0);
    w.u8(0);
    w.le16(p.owner);
    w.le16(0);
    w.le32(p.label);
    w.le32(p.mem_info_tag);
    w.le16(static_cast<std::uint16_t>(p.acl_count));
    w.le16(0);
    for (std::size_t i = 0; i < p.acl_count; ++i) {
        w.le16(p.acl[i].vmid);
        w.u8(p.acl[i].rights);
        w.u8(0);
    }
    w.le16(static_cast<std::uint16_t>(p.range_count()));
    w.le16(0);
    for (std::size_t i = 0; i < p.range_count(); ++i) {
        w.le64(p.range(i).size);
    }
    w.le16(0);
    w.le16(0);
    return w.ok() ? w.size() : 0;
}

HandlerResult mem_notify(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = *static_cast<VmService*>(context);
    if (request.size < notify_header) {
        return HandlerResult::error(malformed_request);
    }
    WireReader r = request.reader();
    const std::uint32_t handle = r.le32();
    const std::uint8_t flags = r.u8();
    r.skip(3);
    const std::uint32_t tag = r.le32();
    Parcel* p = s.parcels.find(handle);
    if (p == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if (p->tag_set && p->mem_info_tag != tag) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    const std::uint16_t caller = request.client_vmid;
    if (flags == GUNYAH_RM_MEM_NOTIFY_SHARED || flags == GUNYAH_RM_MEM_NOTIFY_RECALL) {
        if (caller != p->owner) {
            return HandlerResult::error(GUNYAH_RM_ERROR_DENIED);
        }
        VmidList list;
        if (std::uint32_t e = read_vmids(s, *p, request, list); e != GUNYAH_RM_OK) {
            return HandlerResult::error(e);
        }
        if (flags == GUNYAH_RM_MEM_NOTIFY_RECALL) {
            std::uint8_t bytes[8];
            WireWriter w{bytes, sizeof bytes};
            w.le32(p->handle);
            w.le32(p->mem_info_tag);
            for (std::size_t i = 0; i < list.count; ++i) {
                (void)s.port->notify(list.vmids[i], GUNYAH_RM_NOTIF_MEM_RECALL, bytes, w.size());
            }
            return HandlerResult::ok();
        }
        const bool tag_was_set = p->tag_set;
        const std::uint32_t old_tag = p->mem_info_tag;
        p->tag_set = true;
        p->mem_info_tag = tag;
        const std::size_t size = write_shared(*p, s.notify_payload, sizeof s.notify_payload);
        if (size == 0) {
            p->tag_set = tag_was_set;  // refused: nothing fixed, nothing sent
            p->mem_info_tag = old_tag;
            return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);  // too many ranges to list
        }
        for (std::size_t i = 0; i < list.count; ++i) {
            (void)s.port->notify(list.vmids[i], GUNYAH_RM_NOTIF_MEM_SHARED, s.notify_payload, size);
        }
        return HandlerResult::ok();
    }
    if (flags != GUNYAH_RM_MEM_NOTIFY_RELEASED && flags != GUNYAH_RM_MEM_NOTIFY_ACCEPTED) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    // Gunyah's memparcel_notify_owner: the caller must be in the ACL, and what it says
    // must be true (accepted: mapped now; released: not mapped).
    const ParcelAccess* access = p->access_of(caller);
    if (access == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    const bool accepted = flags == GUNYAH_RM_MEM_NOTIFY_ACCEPTED;
    if (accepted != access->mapped) {
        return HandlerResult::error(access->mapped ? GUNYAH_RM_ERROR_MEM_INUSE : GUNYAH_RM_ERROR_MEM_RELEASED);
    }
    std::uint8_t bytes[12];
    WireWriter w{bytes, sizeof bytes};
    w.le32(p->handle);
    w.le16(caller);
    w.le16(0);
    w.le32(p->mem_info_tag);
    (void)s.port->notify(p->owner, accepted ? GUNYAH_RM_NOTIF_MEM_ACCEPTED : GUNYAH_RM_NOTIF_MEM_RELEASED, bytes,
                         w.size());
    return HandlerResult::ok();
}

}  // namespace

bool add_mem_notify_handler(Dispatcher& d, VmService& s) { return d.add(GUNYAH_RM_MSG_MEM_NOTIFY, &mem_notify, &s); }

}  // namespace hyp::rm::rpc
