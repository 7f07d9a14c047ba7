// Memory parcel handlers (see mem_handlers.h).
#include "rm/rpc/mem_handlers.h"

#include "rm/rpc/mem_notify.h"

namespace hyp::rm::rpc {
namespace {

constexpr std::uint64_t page = 4096;
constexpr std::uint8_t acl_rights_mask = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
// Where the RM places a parcel a VM accepts without naming IPAs: from 4 GiB up.
constexpr std::uint64_t accept_ipa_base = std::uint64_t{1} << 32;

VmService& service_of(void* context) { return *static_cast<VmService*>(context); }

struct SglEntry {
    std::uint64_t ipa;
    std::uint64_t size;
};

// An SGL list read in place in the request: up to GUNYAH_RM_LIST_MAX_ENTRIES (512)
// entries, as Gunyah's RM takes them (and as Linux's driver sends them, more going in
// MEM_APPENDs); nothing is copied, so the RM's stack does not grow with the list.
struct SglView {
    const std::uint8_t* bytes = nullptr;
    std::size_t count = 0;

    [[nodiscard]] SglEntry at(std::size_t i) const
    {
        WireReader r{bytes + i * sizeof(gunyah_rm_mem_sgl_entry), sizeof(gunyah_rm_mem_sgl_entry)};
        const std::uint64_t ipa = r.le64();
        return SglEntry{ipa, r.le64()};
    }
};

// Reads an SGL list. MSG_INVALID when the list does not fit the payload or has more than
// 512 entries, ARG_INVALID when empty.
std::uint32_t read_sgl(WireReader& r, SglView& out)
{
    const ListHead head = r.list(sizeof(gunyah_rm_mem_sgl_entry));
    const std::uint8_t* bytes = r.bytes(head.count * sizeof(gunyah_rm_mem_sgl_entry));
    if (!r.ok()) {
        return malformed_request;
    }
    out = SglView{bytes, head.count};
    if (head.count == 0 || head.other != 0) {
        return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
    }
    return GUNYAH_RM_OK;
}

// The new ranges: page aligned, not empty, inside the lender's RAM, overlapping neither
// each other nor any parcel's.
std::uint32_t check_ranges(VmService& s, std::uint16_t owner, const SglView& sgl)
{
    const LenderMemory& l = s.env.primary_memory;
    for (std::size_t i = 0; i < sgl.count; ++i) {
        const SglEntry e = sgl.at(i);
        if (e.size == 0 || (e.ipa % page) != 0 || (e.size % page) != 0 || e.ipa + e.size < e.ipa) {
            return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        }
        if (e.ipa < l.ram_base || e.ipa + e.size > l.ram_base + l.ram_size) {
            return GUNYAH_RM_ERROR_MEM_INVALID;
        }
        if (s.parcels.overlaps(owner, e.ipa, e.size)) {
            return GUNYAH_RM_ERROR_MEM_INVALID;
        }
        for (std::size_t j = 0; j < i; ++j) {
            const SglEntry o = sgl.at(j);
            if (e.ipa < o.ipa + o.size && o.ipa < e.ipa + e.size) {
                return GUNYAH_RM_ERROR_MEM_INVALID;
            }
        }
    }
    return GUNYAH_RM_OK;
}

// The new ranges into parcel slots [first, first + sgl.count), which grow_to made.
void store_ranges(Parcel& p, std::size_t first, const SglView& sgl)
{
    for (std::size_t i = 0; i < sgl.count; ++i) {
        const SglEntry e = sgl.at(i);
        p.range(first + i) = ParcelRange{e.ipa, e.size, cap_invalid};
    }
}

HandlerResult give(void* context, const Request& request, WireWriter& reply, std::uint8_t trans_type)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint8_t mem_type = r.u8();
    const std::uint8_t reserved0 = r.u8();
    const std::uint8_t flags = r.u8();
    const std::uint8_t reserved1 = r.u8();
    const std::uint32_t label = r.le32();

    const ListHead acl_head = r.list(sizeof(gunyah_rm_mem_acl_entry));
    ParcelAccess acl[parcel_max_acl] = {};
    std::uint32_t acl_error = GUNYAH_RM_OK;
    for (std::size_t i = 0; i < acl_head.count; ++i) {
        const std::uint16_t vmid = r.le16();
        const std::uint8_t rights = r.u8();
        const std::uint8_t reserved = r.u8();
        if (i < parcel_max_acl) {
            acl[i].vmid = vmid;
            acl[i].rights = rights;
        }
        if (acl_error != GUNYAH_RM_OK) {
            continue;
        }
        if (reserved != 0 || rights == 0 || (rights & ~acl_rights_mask) != 0) {
            acl_error = GUNYAH_RM_ERROR_ARGUMENT_INVALID;
        } else if (!s.vmid_exists(vmid) || (trans_type == GUNYAH_RM_MEM_TRANS_LEND && vmid == request.client_vmid)) {
            acl_error = GUNYAH_RM_ERROR_VMID_INVALID;
        } else {
            for (std::size_t j = 0; j < i && j < parcel_max_acl; ++j) {
                if (acl[j].vmid == vmid) {
                    acl_error = GUNYAH_RM_ERROR_ARGUMENT_INVALID;  // listed twice
                }
            }
        }
    }
    SglView sgl;
    const std::uint32_t sgl_error = read_sgl(r, sgl);
    const ListHead attr_head = r.list(sizeof(gunyah_rm_mem_attr_entry));
    r.skip(attr_head.count * sizeof(gunyah_rm_mem_attr_entry));
    if (!r.done() || sgl_error == malformed_request || acl_head.other != 0) {
        return HandlerResult::error(malformed_request);
    }
    if (request.client_vmid != GUNYAH_RM_VMID_HLOS) {
        return HandlerResult::error(GUNYAH_RM_ERROR_DENIED);  // only the primary VM's RAM is lent
    }
    if (mem_type != GUNYAH_RM_MEM_TYPE_NORMAL || reserved0 != 0 || reserved1 != 0 ||
        (flags & ~(GUNYAH_RM_MEM_SHARE_SANITIZE | GUNYAH_RM_MEM_SHARE_APPEND)) != 0 || acl_head.count == 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if (acl_error != GUNYAH_RM_OK) {
        return HandlerResult::error(acl_error);
    }
    if (sgl_error != GUNYAH_RM_OK) {
        return HandlerResult::error(sgl_error);
    }
    if (acl_head.count > parcel_max_acl ||
        s.parcels.count_owned_by(request.client_vmid) >= GUNYAH_RM_MEM_MAX_PARCELS_PER_VM) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);
    }
    if (std::uint32_t e = check_ranges(s, request.client_vmid, sgl); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (parcel_chunks_for(sgl.count) > s.parcels.free_chunks()) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);  // the range pool is full
    }
    Parcel* p = s.parcels.allocate(request.client_vmid);
    if (p == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);
    }
    if (!p->grow_to(sgl.count)) {  // cannot fail after the check above
        s.parcels.release(*p);
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);
    }
    p->trans_type = trans_type;
    p->mem_type = mem_type;
    p->label = label;
    p->complete = (flags & GUNYAH_RM_MEM_SHARE_APPEND) == 0;
    p->sanitize = (flags & GUNYAH_RM_MEM_SHARE_SANITIZE) != 0;
    for (std::size_t i = 0; i < acl_head.count; ++i) {
        p->acl[i] = acl[i];
    }
    p->acl_count = acl_head.count;
    store_ranges(*p, 0, sgl);
    if (std::uint32_t e = derive_ranges(s.parcel_context(), *p, 0); e != GUNYAH_RM_OK) {
        s.parcels.release(*p);
        return HandlerResult::error(e);
    }
    reply.le32(p->handle);
    return HandlerResult::ok();
}

HandlerResult mem_lend(void* c, const Request& q, WireWriter& w) { return give(c, q, w, GUNYAH_RM_MEM_TRANS_LEND); }
HandlerResult mem_share(void* c, const Request& q, WireWriter& w) { return give(c, q, w, GUNYAH_RM_MEM_TRANS_SHARE); }

HandlerResult mem_append(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint32_t handle = r.le32();
    const std::uint8_t flags = r.u8();
    r.skip(3);
    SglView sgl;
    const std::uint32_t sgl_error = read_sgl(r, sgl);
    if (!r.done() || sgl_error == malformed_request) {
        return HandlerResult::error(malformed_request);
    }
    Parcel* p = s.parcels.find(handle);
    if (p == nullptr || p->owner != request.client_vmid || p->complete) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if ((flags & ~GUNYAH_RM_MEM_APPEND_DONE) != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if (sgl_error != GUNYAH_RM_OK) {
        return HandlerResult::error(sgl_error);
    }
    const std::size_t first = p->range_count();
    if (sgl.count > parcel_max_ranges - first) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);  // the parcel's own limit
    }
    if (std::uint32_t e = check_ranges(s, request.client_vmid, sgl); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (!p->grow_to(first + sgl.count)) {
        return HandlerResult::error(GUNYAH_RM_ERROR_NORESOURCE);  // the range pool is full
    }
    store_ranges(*p, first, sgl);
    if (std::uint32_t e = derive_ranges(s.parcel_context(), *p, first); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    p->complete = (flags & GUNYAH_RM_MEM_APPEND_DONE) != 0;
    return HandlerResult::ok();
}

bool read_handle_flags(const Request& request, std::uint32_t& handle, std::uint8_t& flags)
{
    WireReader r = request.reader();
    handle = r.le32();
    flags = r.u8();
    const std::uint8_t a = r.u8();
    const std::uint8_t b = r.u8();
    const std::uint8_t c = r.u8();
    return r.done() && a == 0 && b == 0 && c == 0;
}

HandlerResult mem_reclaim(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    std::uint32_t handle = 0;
    std::uint8_t flags = 0;
    if (!read_handle_flags(request, handle, flags)) {
        return HandlerResult::error(malformed_request);
    }
    Parcel* p = s.parcels.find(handle);
    if (p == nullptr || p->owner != request.client_vmid) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if ((flags & ~GUNYAH_RM_MEM_RELEASE_SANITIZE) != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if (p->mapped_anywhere() || p->image_of != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_MEM_INUSE);
    }
    s.teardown_failures += undo_ranges(s.parcel_context(), *p, 0);
    s.parcels.release(*p);
    s.report_parcels();
    return HandlerResult::ok();
}

HandlerResult mem_accept(void* context, const Request& request, WireWriter& reply)
{
    VmService& s = service_of(context);
    WireReader r = request.reader();
    const std::uint32_t handle = r.le32();
    const std::uint8_t mem_type = r.u8();
    const std::uint8_t trans_type = r.u8();
    const std::uint8_t flags = r.u8();
    const std::uint8_t reserved = r.u8();
    const std::uint32_t label = r.le32();
    const ListHead acl_head = r.list(sizeof(gunyah_rm_mem_acl_entry));
    r.skip(acl_head.count * sizeof(gunyah_rm_mem_acl_entry));
    const ListHead sgl_head = r.list(sizeof(gunyah_rm_mem_sgl_entry));
    const std::uint64_t ipa = sgl_head.count > 0 ? r.le64() : 0;
    const std::uint64_t size = sgl_head.count > 0 ? r.le64() : 0;
    r.skip(sgl_head.count > 1 ? (sgl_head.count - 1) * sizeof(gunyah_rm_mem_sgl_entry) : 0);
    const ListHead attr_head = r.list(sizeof(gunyah_rm_mem_attr_entry));
    r.skip(attr_head.count * sizeof(gunyah_rm_mem_attr_entry));
    if (!r.done()) {
        return HandlerResult::error(malformed_request);
    }
    Parcel* p = s.parcels.find(handle);
    ParcelAccess* access = p != nullptr ? p->access_of(request.client_vmid) : nullptr;
    if (access == nullptr || !p->complete) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if (reserved != 0 || mem_type != p->mem_type || trans_type != p->trans_type ||
        (flags & GUNYAH_RM_MEM_ACCEPT_MAP_OTHER) != 0 || sgl_head.count > 1) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if ((flags & GUNYAH_RM_MEM_ACCEPT_VAL_LABEL) != 0 && label != p->label) {
        return HandlerResult::error(GUNYAH_RM_ERROR_VALIDATE_FAILED);
    }
    VmRecord* vm = s.vms.find(request.client_vmid);
    if (vm == nullptr || !vm->built) {
        return HandlerResult::error(GUNYAH_RM_ERROR_DENIED);  // only a built secondary VM maps parcels
    }
    if (access->mapped || p->image_of == request.client_vmid) {
        return HandlerResult::error(GUNYAH_RM_ERROR_MEM_INUSE);
    }
    const std::uint64_t total = p->total_size();
    std::uint64_t at = ipa;
    if (sgl_head.count == 0) {
        at = accept_ipa_base;
        for (std::size_t i = 0; i < max_parcels; ++i) {
            Parcel& other = s.parcels.at(i);
            const ParcelAccess* o = other.used ? other.access_of(request.client_vmid) : nullptr;
            if (o != nullptr && o->mapped && o->ipa + other.total_size() > at && o->ipa >= accept_ipa_base) {
                at = o->ipa + other.total_size();
            }
        }
    } else if (size != total || (ipa % page) != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if (std::uint32_t e = map_parcel(*s.hv, *p, *access, vm->objects.addrspace, at); e != GUNYAH_RM_OK) {
        return HandlerResult::error(e);
    }
    if (sgl_head.count == 0) {
        reply.le16(1);
        reply.u8(0);
        reply.u8(0);
        reply.le64(at);
        reply.le64(total);
    }
    return HandlerResult::ok();
}

HandlerResult mem_release(void* context, const Request& request, WireWriter& /*reply*/)
{
    VmService& s = service_of(context);
    std::uint32_t handle = 0;
    std::uint8_t flags = 0;
    if (!read_handle_flags(request, handle, flags)) {
        return HandlerResult::error(malformed_request);
    }
    Parcel* p = s.parcels.find(handle);
    ParcelAccess* access = p != nullptr ? p->access_of(request.client_vmid) : nullptr;
    if (access == nullptr) {
        return HandlerResult::error(GUNYAH_RM_ERROR_HANDLE_INVALID);
    }
    if ((flags & ~GUNYAH_RM_MEM_RELEASE_SANITIZE) != 0) {
        return HandlerResult::error(GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    }
    if (!access->mapped || p->image_of == request.client_vmid) {
        // Not accepted, or the VM's own image (which goes with VM_RESET).
        return HandlerResult::error(GUNYAH_RM_ERROR_MEM_RELEASED);
    }
    s.teardown_failures += unmap_parcel(*s.hv, *p, *access);
    return HandlerResult::ok();
}

}  // namespace

bool add_mem_handlers(Dispatcher& d, VmService& s)
{
    return d.add(GUNYAH_RM_MSG_MEM_LEND, &mem_lend, &s) && d.add(GUNYAH_RM_MSG_MEM_SHARE, &mem_share, &s) &&
           d.add(GUNYAH_RM_MSG_MEM_APPEND, &mem_append, &s) && d.add(GUNYAH_RM_MSG_MEM_RECLAIM, &mem_reclaim, &s) &&
           d.add(GUNYAH_RM_MSG_MEM_ACCEPT, &mem_accept, &s) && d.add(GUNYAH_RM_MSG_MEM_RELEASE, &mem_release, &s) &&
           add_mem_notify_handler(d, s);
}

}  // namespace hyp::rm::rpc
