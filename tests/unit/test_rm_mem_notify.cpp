// MEM_NOTIFY and the MEM_SHARED / MEM_RELEASED / MEM_ACCEPTED / MEM_RECALL notifications,
// against the fake hypervisor: who may notify whom, the tag, the vmid list, the bytes,
// and refusals that send nothing. MEM_DONATE is not implemented.
#include <catch2/catch.hpp>

#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {
namespace {

Bytes notify(std::uint32_t handle, std::uint8_t flags, std::uint32_t tag, std::vector<std::uint16_t> vmids = {},
             bool list = true)
{
    P p;
    p.le32(handle).u8(flags).u8(0).le16(0).le32(tag);
    if (list) {
        p.le16(static_cast<std::uint16_t>(vmids.size())).le16(0);
        for (std::uint16_t v : vmids) {
            p.le16(v).le16(0);
        }
    }
    return p;
}

Bytes accept_any(std::uint32_t handle)
{
    return P{}.le32(handle).u8(0).u8(GUNYAH_RM_MEM_TRANS_LEND).u8(0).u8(0).le32(0).le16(0).le16(0).le16(0).le16(0)
        .le16(0).le16(0);
}

}  // namespace

TEST_CASE("rm mem notify: SHARED, ACCEPTED, RELEASED and RECALL with their notifications", "[rm][mem]")
{
    Harness h;
    const Built vm = build_vm(h, 1, true);
    const std::uint32_t extra = lend(h, vm.vmid, {{ram_base + 0x800000, 0x4000}, {ram_base + 0x900000, 0x1000}});
    h.port.notes.clear();

    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_SHARED, 0x55, {vm.vmid})).error ==
            GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 1);
    CHECK(h.port.notes[0].to == vm.vmid);
    CHECK(h.port.notes[0].msg_id == GUNYAH_RM_NOTIF_MEM_SHARED);
    const Bytes shared = P{}
                             .le32(extra)
                             .u8(GUNYAH_RM_MEM_TYPE_NORMAL)
                             .u8(GUNYAH_RM_MEM_TRANS_LEND)
                             .u8(0)
                             .u8(0)
                             .le16(GUNYAH_RM_VMID_HLOS)
                             .le16(0)
                             .le32(7)       // label
                             .le32(0x55)    // tag
                             .le16(1).le16(0).le16(vm.vmid).u8(7).u8(0)
                             .le16(2).le16(0).le64(0x4000).le64(0x1000)
                             .le16(0).le16(0);
    CHECK(h.port.notes[0].payload == shared);

    // The VM tells the owner it accepted, once it has.
    CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_ACCEPTED, 0x55, {}, false), vm.vmid)
              .error == GUNYAH_RM_ERROR_MEM_RELEASED);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_ACCEPT, accept_any(extra), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_ACCEPTED, 0x55, {}, false), vm.vmid)
              .error == GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 2);
    CHECK(h.port.notes[1].to == GUNYAH_RM_VMID_HLOS);
    CHECK(h.port.notes[1].msg_id == GUNYAH_RM_NOTIF_MEM_ACCEPTED);
    CHECK(h.port.notes[1].payload == Bytes(P{}.le32(extra).le16(vm.vmid).le16(0).le32(0x55)));

    // RECALL to the VM; RELEASED only once released.
    CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_RECALL, 0x55, {vm.vmid})).error ==
          GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 3);
    CHECK(h.port.notes[2].to == vm.vmid);
    CHECK(h.port.notes[2].msg_id == GUNYAH_RM_NOTIF_MEM_RECALL);
    CHECK(h.port.notes[2].payload == Bytes(P{}.le32(extra).le32(0x55)));
    CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_RELEASED, 0x55, {}, false), vm.vmid)
              .error == GUNYAH_RM_ERROR_MEM_INUSE);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_RELEASE, P{}.le32(extra).le32(0), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, GUNYAH_RM_MEM_NOTIFY_RELEASED, 0x55, {}, false), vm.vmid)
              .error == GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 4);
    CHECK(h.port.notes[3].msg_id == GUNYAH_RM_NOTIF_MEM_RELEASED);
    CHECK(h.port.notes[3].payload == Bytes(P{}.le32(extra).le16(vm.vmid).le16(0).le32(0x55)));
}

TEST_CASE("rm mem notify: refusals in Gunyah's order, none of them notifying or changing the tag", "[rm][mem]")
{
    Harness h;
    const Built vm = build_vm(h, 1, true);
    const std::uint32_t extra = lend(h, vm.vmid, {{ram_base + 0x800000, 0x4000}});
    const std::size_t calls = h.hv.calls.size();
    h.port.notes.clear();
    auto refused = [&](const Bytes& payload, std::uint32_t error, std::uint16_t from = GUNYAH_RM_VMID_HLOS) {
        CHECK(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, payload, from).error == error);
    };
    const std::uint8_t shared = GUNYAH_RM_MEM_NOTIFY_SHARED;
    refused(Bytes(P{}.le32(extra).le32(shared)), GUNYAH_RM_ERROR_MSG_INVALID);             // 8 bytes
    refused(notify(0x7777, shared, 1, {vm.vmid}), GUNYAH_RM_ERROR_HANDLE_INVALID);
    refused(notify(extra, 3, 1, {vm.vmid}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);             // two flags
    refused(notify(extra, 0x10, 1, {vm.vmid}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    refused(notify(extra, shared, 1, {vm.vmid}), GUNYAH_RM_ERROR_DENIED, vm.vmid);         // not the owner
    refused(notify(extra, GUNYAH_RM_MEM_NOTIFY_RECALL, 1, {vm.vmid}), GUNYAH_RM_ERROR_DENIED, vm.vmid);
    refused(notify(extra, shared, 1, {}, false), GUNYAH_RM_ERROR_MSG_INVALID);             // no list
    refused(notify(extra, shared, 1, {}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);               // empty list
    Bytes short_list = notify(extra, shared, 1, {vm.vmid});
    short_list.resize(short_list.size() - 2);
    refused(short_list, GUNYAH_RM_ERROR_MSG_INVALID);
    refused(notify(extra, shared, 1, {vm.vmid, vm.vmid}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);  // more than the ACL
    refused(notify(extra, shared, 1, {0x99}), GUNYAH_RM_ERROR_VMID_INVALID);
    refused(notify(extra, shared, 1, {GUNYAH_RM_VMID_HLOS}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);  // not in the ACL
    refused(notify(extra, GUNYAH_RM_MEM_NOTIFY_ACCEPTED, 1, {}, false), GUNYAH_RM_ERROR_HANDLE_INVALID);  // lender
    CHECK(h.port.notes.empty());
    CHECK(!h.service.parcels.find(extra)->tag_set);
    // Once SHARED fixed the tag, every notify must carry it.
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_NOTIFY, notify(extra, shared, 9, {vm.vmid})).error == GUNYAH_RM_OK);
    refused(notify(extra, shared, 8, {vm.vmid}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    refused(notify(extra, GUNYAH_RM_MEM_NOTIFY_RELEASED, 8, {}, false), GUNYAH_RM_ERROR_ARGUMENT_INVALID, vm.vmid);
    CHECK(h.port.notes.size() == 1);
    CHECK(h.service.parcels.find(extra)->mem_info_tag == 9);
    CHECK(h.hv.calls.size() == calls);  // no hypercall for any of it
}

TEST_CASE("rm mem: MEM_DONATE is not implemented", "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_DONATE, parcel(vmid, GUNYAH_RM_ACL_R, {{ram_base, 0x1000}})).error ==
          GUNYAH_RM_ERROR_UNIMPLEMENTED);
    CHECK(h.service.parcels.free_slots() == rm::max_parcels);
}

}  // namespace hyp::test::vmsvc
