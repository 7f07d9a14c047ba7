// The RM's memory parcels over RPC, against the fake hypervisor: lend, share, append,
// reclaim, accept, release, and every refusal changing nothing.
#include <catch2/catch.hpp>

#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {

TEST_CASE("rm parcels: MEM_LEND derives an extent per range from the RM's root and takes it from the lender, "
          "reclaim undoes it",
          "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    const std::uint32_t handle = lend(h, vmid, {{ram_base + 0x1000, 0x1000}, {ram_base + 0x8000, 0x2000}});
    const auto derive = h.hv.all("memextent_configure_derive");
    REQUIRE(derive.size() == 2);
    CHECK(derive[0].args[1] == primary_ram_root);
    CHECK(derive[0].args[2] == 0x1000);
    CHECK(derive[1].args[2] == 0x8000);
    // The lender is kept out by donation (no partial unmap of its mapping): one range at a
    // time, donated before the range's extent is activated (which takes it from the root).
    CHECK(h.hv.all("addrspace_unmap").empty());
    const auto donated = h.hv.all("memextent_donate");
    REQUIRE(donated.size() == 2);
    CHECK(donated[0].args ==
          std::vector<std::uint64_t>{GUNYAH_DONATE_TO_PARENT, primary_ram, primary_ram_root, 0x1000, 0x1000});
    CHECK(donated[1].args ==
          std::vector<std::uint64_t>{GUNYAH_DONATE_TO_PARENT, primary_ram, primary_ram_root, 0x8000, 0x2000});
    const std::vector<std::string> one_range = {"partition_create_memextent", "memextent_configure_derive",
                                                "memextent_donate", "object_activate"};
    std::vector<std::string> expected = one_range;
    expected.insert(expected.end(), one_range.begin(), one_range.end());
    const std::vector<std::string> names = h.hv.names();
    CHECK(std::vector<std::string>(names.end() - 8, names.end()) == expected);
    CHECK(h.hv.donated_to_parent.size() == 2);
    CHECK(h.hv.live_caps.size() == 2);

    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(handle).le32(0)).error == GUNYAH_RM_OK);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.hv.donated_to_parent.empty());  // each range the lender's again
    const auto back = h.hv.all("memextent_donate");
    REQUIRE(back.size() == 4);
    CHECK(back[2].args ==
          std::vector<std::uint64_t>{GUNYAH_DONATE_TO_CHILD, primary_ram_root, primary_ram, 0x8000, 0x2000});
    CHECK(h.hv.all("addrspace_map").empty());
    CHECK(h.console_text.text == "RM: parcels: 0 live, 0 bytes lent or shared\n");
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(handle).le32(0)).error == GUNYAH_RM_ERROR_HANDLE_INVALID);
}

TEST_CASE("rm parcels: MEM_SHARE derives from the lender's own extent and keeps its view", "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    (void)lend(h, vmid, {{ram_base, 0x1000}}, GUNYAH_RM_MSG_MEM_SHARE);
    REQUIRE(h.hv.all("memextent_configure_derive").size() == 1);
    CHECK(h.hv.all("memextent_configure_derive")[0].args[1] == primary_ram);
    CHECK(h.hv.all("addrspace_unmap").empty());
    CHECK(h.hv.all("memextent_donate").empty());
}

TEST_CASE("rm parcels: bad parcels are refused and change nothing", "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    const std::uint8_t rwx = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
    (void)lend(h, vmid, {{ram_base, 0x2000}});
    const std::size_t calls = h.hv.calls.size();
    auto refuse = [&](const Bytes& payload, std::uint32_t error, std::uint16_t from = GUNYAH_RM_VMID_HLOS) {
        CHECK(h.call(GUNYAH_RM_MSG_MEM_LEND, payload, from).error == error);
    };
    refuse(parcel(vmid, rwx, {{ram_base + 0x1000, 0x1000}}), GUNYAH_RM_ERROR_MEM_INVALID);       // overlaps
    refuse(parcel(vmid, rwx, {{ram_base + 0x4000, 0x2000}, {ram_base + 0x5000, 0x1000}}),
           GUNYAH_RM_ERROR_MEM_INVALID);                                                          // itself
    refuse(parcel(vmid, rwx, {{ram_base + 0x4100, 0x1000}}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);  // unaligned
    refuse(parcel(vmid, rwx, {{ram_base + 0x4000, 0x0}}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);     // empty range
    refuse(parcel(vmid, rwx, {{ram_base - 0x1000, 0x1000}}), GUNYAH_RM_ERROR_MEM_INVALID);       // not its RAM
    refuse(parcel(vmid, rwx, {{ram_base + ram_size, 0x1000}}), GUNYAH_RM_ERROR_MEM_INVALID);
    refuse(parcel(vmid, rwx, {}), GUNYAH_RM_ERROR_ARGUMENT_INVALID);                             // empty SGL
    refuse(parcel(vmid, 0x18, {{ram_base + 0x4000, 0x1000}}), GUNYAH_RM_ERROR_ARGUMENT_INVALID); // rights
    refuse(parcel(0x99, rwx, {{ram_base + 0x4000, 0x1000}}), GUNYAH_RM_ERROR_VMID_INVALID);      // no such VM
    refuse(parcel(GUNYAH_RM_VMID_HLOS, rwx, {{ram_base + 0x4000, 0x1000}}), GUNYAH_RM_ERROR_VMID_INVALID);
    refuse(parcel(vmid, rwx, {{ram_base + 0x4000, 0x1000}}), GUNYAH_RM_ERROR_DENIED, vmid);      // not a lender
    // Counts that lie: an SGL count beyond the bytes, trailing bytes, an empty ACL.
    Bytes lie = parcel(vmid, rwx, {{ram_base + 0x4000, 0x1000}});
    lie[16] = 2;  // SGL count
    refuse(lie, GUNYAH_RM_ERROR_MSG_INVALID);
    Bytes longer = parcel(vmid, rwx, {{ram_base + 0x4000, 0x1000}});
    longer.push_back(0);
    refuse(longer, GUNYAH_RM_ERROR_MSG_INVALID);
    Bytes no_acl = P{}.le32(0).le32(0).le32(0).le16(1).le16(0).le64(ram_base + 0x4000).le64(0x1000).le32(0);
    refuse(no_acl, GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    CHECK(h.hv.calls.size() == calls);  // no hypercall for any of them
    CHECK(h.service.parcels.free_slots() == rm::max_parcels - 1);
}

TEST_CASE("rm parcels: a derive the hypervisor refuses undoes the ranges done", "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    h.hv.fail_next("memextent_configure_derive", {Error::ok, Error::nomem});
    const std::uint8_t rwx = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
    CHECK(h.call(GUNYAH_RM_MSG_MEM_LEND, parcel(vmid, rwx, {{ram_base, 0x1000}, {ram_base + 0x2000, 0x1000}}))
              .error == GUNYAH_RM_ERROR_NOMEM);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.hv.all("memextent_donate").size() == 2);  // the first range given to the root and back
    CHECK(h.hv.donated_to_parent.empty());
    CHECK(h.service.parcels.free_slots() == rm::max_parcels);
    CHECK(h.service.parcels.free_chunks() == rm::parcel_pool_chunks);
}

TEST_CASE("rm parcels: APPEND adds ranges until DONE, the parcel is unusable before", "[rm][mem]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    const std::uint8_t rwx = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
    Reply r = h.call(GUNYAH_RM_MSG_MEM_LEND, parcel(vmid, rwx, {{ram_base, 0x1000}}, GUNYAH_RM_MEM_SHARE_APPEND));
    REQUIRE(r.error == GUNYAH_RM_OK);
    const std::uint32_t handle = le32_at(r.data, 0);
    CHECK(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0, 64)).error ==
          GUNYAH_RM_ERROR_HANDLE_INVALID);
    auto append = [&](std::uint8_t flags, std::uint64_t ipa, std::uint16_t from = GUNYAH_RM_VMID_HLOS) {
        return h.call(GUNYAH_RM_MSG_MEM_APPEND, P{}.le32(handle).u8(flags).u8(0).le16(0).le16(1).le16(0).le64(ipa).le64(0x1000), from).error;
    };
    CHECK(append(0, ram_base + 0x2000, vmid) == GUNYAH_RM_ERROR_HANDLE_INVALID);
    CHECK(append(0, ram_base) == GUNYAH_RM_ERROR_MEM_INVALID);  // overlaps its own range
    CHECK(append(0, ram_base + 0x2000) == GUNYAH_RM_OK);
    CHECK(append(GUNYAH_RM_MEM_APPEND_DONE, ram_base + 0x4000) == GUNYAH_RM_OK);
    CHECK(append(GUNYAH_RM_MEM_APPEND_DONE, ram_base + 0x6000) == GUNYAH_RM_ERROR_HANDLE_INVALID);
    CHECK(h.service.parcels.find(handle)->range_count() == 3);
    CHECK(h.hv.live_caps.size() == 3);
}

namespace {

// MEM_ACCEPT of a lent parcel with empty lists: the RM picks where it goes.
Bytes lent_accept(std::uint32_t handle)
{
    return P{}.le32(handle).u8(0).u8(GUNYAH_RM_MEM_TRANS_LEND).u8(0).u8(0).le32(0).le16(0).le16(0).le16(0).le16(0)
        .le16(0).le16(0);
}

}  // namespace

TEST_CASE("rm parcels: a built VM accepts a second parcel where the RM puts it, releases it, the lender reclaims",
          "[rm][mem]")
{
    Harness h;
    const Built vm = build_vm(h, 1, true);
    const std::uint32_t extra = lend(h, vm.vmid, {{ram_base + 0x800000, 0x4000}});
    const Bytes accept = lent_accept(extra);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_ACCEPT, accept).error == GUNYAH_RM_ERROR_HANDLE_INVALID);  // not HLOS's to accept
    Reply r = h.call(GUNYAH_RM_MSG_MEM_ACCEPT, accept, vm.vmid);
    REQUIRE(r.error == GUNYAH_RM_OK);
    REQUIRE(r.data.size() == 4 + 16);
    CHECK(r.data[0] == 1);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_ACCEPT, accept, vm.vmid).error == GUNYAH_RM_ERROR_MEM_INUSE);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(extra).le32(0)).error == GUNYAH_RM_ERROR_MEM_INUSE);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RELEASE, P{}.le32(extra).le32(0), vm.vmid).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RELEASE, P{}.le32(extra).le32(0), vm.vmid).error == GUNYAH_RM_ERROR_MEM_RELEASED);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(extra).le32(0)).error == GUNYAH_RM_OK);
}

TEST_CASE("rm parcels: VM_RESET unmaps a parcel the VM accepted, so its lender can reclaim it and the vmid can go",
          "[rm][mem]")
{
    Harness h;
    const Built vm = build_vm(h, 1, true);
    const std::uint32_t extra = lend(h, vm.vmid, {{ram_base + 0x800000, 0x4000}});
    const Bytes accept = lent_accept(extra);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_ACCEPT, accept, vm.vmid).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK_FALSE(h.service.parcels.find(extra)->access_of(vm.vmid)->mapped);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(extra).le32(0)).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(vm.handle).le32(0)).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK(h.service.teardown_failures == 0);
    CHECK(h.hv.live_caps.empty());
}

}  // namespace hyp::test::vmsvc
