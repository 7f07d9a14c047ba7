// The RM's secondary-VM lifecycle over RPC, against the fake hypervisor: the whole life
// Linux's VMM drives, every call's checks, the states, notifications, GET_HYP_RESOURCES
// and 200 create/destroy cycles that leave nothing behind.
#include <catch2/catch.hpp>

#include "hyp_api/gunyah_objects.h"
#include "rm/dt/libfdt.h"
#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {
namespace {

std::size_t count(const FakeHypervisor& hv, const std::string& name) { return hv.all(name).size(); }

void whole_life(Harness& h)
{
    const Built vm = build_vm(h);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vm.vmid).u8(GUNYAH_RM_VM_STOP_FORCE).u8(0).le32(0)).error ==
            GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(vm.handle).le32(0)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
}

}  // namespace

TEST_CASE("rm vm: VM_ALLOC_VMID picks dynamic ids from 0x80, takes free static ones, and only for HLOS",
          "[rm][vm]")
{
    Harness h;
    CHECK(alloc(h) == 0x80);
    CHECK(alloc(h) == 0x81);
    Reply r = h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(5));
    CHECK(r.error == GUNYAH_RM_OK);
    CHECK(r.data.empty());  // a static id: std reply
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(5)).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(3)).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(0xFF)).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(32)).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(0), 0x80).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, P{}.le16(0)).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, P{}.le16(0).le16(0).u8(0)).error == GUNYAH_RM_ERROR_MSG_INVALID);
    // The table is full after max_secondary_vms.
    while (h.service.vms.free_slots() > 0) {
        (void)alloc(h);
    }
    CHECK(h.call(GUNYAH_RM_MSG_VM_ALLOC_VMID, vmid_payload(0)).error == GUNYAH_RM_ERROR_NORESOURCE);
}

TEST_CASE("rm vm: a whole life as Linux's VMM drives it, with its hypercalls and notifications", "[rm][vm]")
{
    Harness h;
    const Built vm = build_vm(h, 2, true);
    // VM_INIT made its objects and mapped the parcel at the vm-config base.
    CHECK(count(h.hv, "partition_create_thread") == 2);
    CHECK(count(h.hv, "vcpu_bind_virq") == 2);
    // The VPM group tells the RM at once when the VM's vCPUs stop (its slot's exit SPI).
    const auto exit_binds = h.hv.all("vpm_group_bind_virq");
    REQUIRE(exit_binds.size() == 1);
    CHECK(exit_binds[0].args[1] == rm_vic);
    CHECK(exit_binds[0].args[2] == rm::secondary_exit_intid(h.service.vms.find(vm.vmid)->slot));
    for (const auto& c : h.hv.all("vcpu_configure")) {
        CHECK(c.args[1] == GUNYAH_VCPU_OPTION_RUN_SCHEDULED);
    }
    const auto copies = h.hv.all("cspace_copy_cap_from");
    std::size_t owner_copies = 0;
    for (const auto& c : copies) {
        if (c.args[2] == primary_cspace) {
            ++owner_copies;
            CHECK(c.args[3] == rm::owner_vcpu_rights);
        }
    }
    CHECK(owner_copies == 2);
    const auto addrspaces = h.hv.all("partition_create_addrspace");
    REQUIRE(addrspaces.size() == 1);
    const rm::CapId vm_as = addrspaces[0].args.back();
    bool mapped_at_base = false;
    for (const auto& m : h.hv.guest_mappings) {
        mapped_at_base |= m.addrspace == vm_as && m.vbase == vm_base;
    }
    CHECK(mapped_at_base);
    CHECK(h.hv.rm_mapping_count() == 0);  // the RM let go of the DT
    CHECK(h.port.up == std::vector<std::uint16_t>{vm.vmid});
    // The lend took the range out of the primary VM's view (donated to the RM's root).
    CHECK(h.hv.donated_to_parent ==
          std::vector<FakeHypervisor::Donated>{{primary_ram, primary_ram_root, 0x400000, 0x100000}});

    // GET_HYP_RESOURCES: two vCPU entries of 44 bytes.
    Reply res = h.call(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid_payload(vm.vmid));
    REQUIRE(res.error == GUNYAH_RM_OK);
    REQUIRE(res.data.size() == 4 + 2 * 44);
    CHECK(le32_at(res.data, 0) == 2);
    for (std::uint32_t i = 0; i < 2; ++i) {
        const std::size_t e = 4 + 44 * i;
        CHECK(res.data[e] == GUNYAH_RM_RES_VCPU);
        CHECK((res.data[e + 2] | res.data[e + 3] << 8) == vm.vmid);
        CHECK(le32_at(res.data, e + 8) == i);                                  // label = index
        CHECK(le32_at(res.data, e + 24) == rm::owner_wakeup_intid_first + i);  // virq: an INTID
    }

    // The DT got /hypervisor with the VM's ids.
    const std::byte* dt = h.hv.phys(ram_base + 0x410000, 0x2000);
    CHECK(fdt_path_offset(dt, "/hypervisor/qcom,gunyah-vm") >= 0);

    h.port.notes.clear();
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    const auto on = h.hv.all("vcpu_poweron");
    REQUIRE(on.size() == 1);
    CHECK(on[0].args[1] == vm_base);            // entry: base + image_offset
    CHECK(on[0].args[2] == vm_base + 0x10000);  // x0: the DT's IPA
    REQUIRE(h.port.notes.size() == 1);
    CHECK(h.port.notes[0].msg_id == GUNYAH_RM_NOTIF_VM_STATUS);
    CHECK(h.port.notes[0].payload == Bytes{static_cast<std::uint8_t>(vm.vmid), 0, 0, 0, GUNYAH_RM_VM_STATUS_RUNNING, 0, 0, 0});

    // The VM powers itself off: the periodic look notices.
    h.port.notes.clear();
    h.hv.run_check_answer = rm::RunState{Error::ok, GUNYAH_VCPU_RUN_STATE_POWERED_OFF,
                                         {GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0, 0}};
    h.service.poll_exits();
    REQUIRE(h.port.notes.size() == 2);
    CHECK(h.port.notes[0].msg_id == GUNYAH_RM_NOTIF_VM_STATUS);
    CHECK(h.port.notes[0].payload[4] == GUNYAH_RM_VM_STATUS_EXITED);
    CHECK(h.port.notes[1].msg_id == GUNYAH_RM_NOTIF_VM_EXITED);
    CHECK(h.port.notes[1].payload ==
          Bytes{static_cast<std::uint8_t>(vm.vmid), 0, GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF, 0, 4, 0, 0, 0, 0, 0, 0, 0});
    // Gunyah: a VM that has exited cannot be stopped.
    CHECK(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vm.vmid).u8(0).u8(0).le32(0)).error == GUNYAH_RM_ERROR_VM_STATE);

    // Reclaim is refused while the VM has the parcel mapped.
    CHECK(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(vm.handle).le32(0)).error == GUNYAH_RM_ERROR_MEM_INUSE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_ERROR_VM_STATE);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK(count(h.hv, "vpm_group_unbind_virq") == 1);
    CHECK(h.port.notes.back().payload[4] == GUNYAH_RM_VM_STATUS_RESET);
    CHECK(h.port.down == std::vector<std::uint16_t>{vm.vmid});
    CHECK(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_ERROR_IN_USE);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(vm.handle).le32(0)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_ERROR_VMID_INVALID);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.hv.donated_to_parent.empty());
    CHECK(secondary_mappings(h.hv) == 0);
    // The reset, then the reclaim, each said what was still lent.
    CHECK(h.console_text.text == "RM: parcels: 1 live, 1048576 bytes lent or shared\n"
                                 "RM: parcels: 0 live, 0 bytes lent or shared\n");
}

TEST_CASE("rm vm: each call refuses the wrong state, another owner, an unknown vmid and a wrong length",
          "[rm][vm]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    // In LOAD: only CONFIG_IMAGE and DEALLOC are possible.
    CHECK(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vmid).le16(0).le32(0)).error == GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.call(GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, P{}.le16(vmid).u8(0).u8(0).le32(0).le64(1)).error ==
          GUNYAH_RM_ERROR_VM_STATE);
    // Unknown vmids.
    for (std::uint32_t id : {GUNYAH_RM_MSG_VM_INIT, GUNYAH_RM_MSG_VM_START, GUNYAH_RM_MSG_VM_RESET,
                             GUNYAH_RM_MSG_VM_DEALLOC_VMID, GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES}) {
        CHECK(h.call(id, vmid_payload(0x99)).error == GUNYAH_RM_ERROR_VMID_INVALID);
        CHECK(h.call(id, P{}.le16(vmid)).error == GUNYAH_RM_ERROR_MSG_INVALID);
        CHECK(h.call(id, P{}.le16(vmid).le16(1)).error == GUNYAH_RM_ERROR_MSG_INVALID);  // reserved
    }
    // Not the owner: DENIED, or VMID_INVALID for STOP and RESET as Gunyah answers.
    CHECK(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid), 0x81).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vmid), 0x81).error == GUNYAH_RM_ERROR_DENIED);
    CHECK(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vmid), 0x81).error == GUNYAH_RM_ERROR_VMID_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, 1, 0, 0, 0, 64)).error ==
          GUNYAH_RM_ERROR_HANDLE_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, Bytes(39)).error == GUNYAH_RM_ERROR_MSG_INVALID);
    // A DT that does not fit the parcel, or is smaller than a header.
    const std::uint32_t handle = lend(h, vmid, {{ram_base + 0x200000, 0x10000}});
    CHECK(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0xF000, 0x2000)).error ==
          GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0, 16)).error ==
          GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    CHECK(h.service.vms.find(vmid)->state == rm::VmState::load);
}

TEST_CASE("rm vm: VM_INIT refuses a malformed DT and leaves nothing behind (INIT_FAILED, then RESET)", "[rm][vm]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    const std::uint64_t at = ram_base + 0x400000;
    std::byte* dt = h.hv.phys(at, 0x1000);
    std::memset(dt, 0xA5, 0x1000);  // no tree at all
    const std::uint32_t handle = lend(h, vmid, {{at, 0x10000}});
    const std::size_t caps_before = h.hv.live_caps.size();
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0, 0x1000)).error ==
            GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    CHECK(h.service.vms.find(vmid)->state == rm::VmState::init_failed);
    CHECK(h.hv.live_caps.size() == caps_before);
    CHECK(h.hv.rm_mapping_count() == 0);
    CHECK(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vmid)).error == GUNYAH_RM_OK);

    // A valid tree whose /cpus is empty, and one larger than dtb_size.
    Harness h2;
    const std::uint16_t v2 = alloc(h2);
    const std::size_t size = write_vm_dt(h2.hv, at, 0x1000, 0, false);
    const std::uint32_t p2 = lend(h2, v2, {{at, 0x10000}});
    REQUIRE(h2.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(v2, p2, 0, 0, 0, size - 8)).error ==
            GUNYAH_RM_OK);
    CHECK(h2.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(v2)).error == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
}

TEST_CASE("rm vm: a build step the hypervisor refuses undoes the rest", "[rm][vm]")
{
    Harness h;
    h.hv.fail_next("vic_attach_vcpu", {Error::nomem});
    const std::uint16_t vmid = alloc(h);
    const std::uint64_t at = ram_base + 0x400000;
    (void)write_vm_dt(h.hv, at, 0x1000, 1, true);
    const std::uint32_t handle = lend(h, vmid, {{at, 0x10000}});
    const std::size_t caps_before = h.hv.live_caps.size();
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0, 0x1000)).error ==
            GUNYAH_RM_OK);
    CHECK(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_NOMEM);
    CHECK(h.hv.live_caps.size() == caps_before);
    CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
}

TEST_CASE("rm vm: VM_SET_BOOT_CONTEXT only in READY, checked, applied at VM_START", "[rm][vm]")
{
    Harness h;
    const Built vm = build_vm(h, 1, false);
    CHECK(h.call(GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, P{}.le16(vm.vmid).u8(0).u8(31).le32(0).le64(1)).error ==
          GUNYAH_RM_ERROR_ARGUMENT_INVALID);
    CHECK(h.call(GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, P{}.le16(vm.vmid).u8(0).u8(1).le32(0).le64(0x55)).error ==
          GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    const auto w = h.hv.all("vcpu_register_write");
    REQUIRE(w.size() == 1);
    CHECK(w[0].args[3] == 0x55);
    CHECK(h.call(GUNYAH_RM_MSG_VM_SET_BOOT_CONTEXT, P{}.le16(vm.vmid).u8(0).u8(1).le32(0).le64(0)).error ==
          GUNYAH_RM_ERROR_VM_STATE);
    CHECK(h.hv.all("vcpu_bind_virq").empty());  // not proxy-scheduled: no wakeup virq
    Reply res = h.call(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid_payload(vm.vmid));
    CHECK(le32_at(res.data, 4 + 24) == 0xFFFFFFFFu);
}

TEST_CASE("rm vm: 200 create/run/destroy cycles leave no caps, mappings or pool slots behind", "[rm][vm]")
{
    Harness h;
    for (int i = 0; i < 200; ++i) {
        whole_life(h);
    }
    CHECK(h.hv.live_caps.empty());
    CHECK(secondary_mappings(h.hv) == 0);
    CHECK(h.hv.rm_mapping_count() == 0);
    CHECK(h.service.vms.free_slots() == rm::max_secondary_vms);
    CHECK(h.service.parcels.free_slots() == rm::max_parcels);
    CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
    CHECK(h.service.teardown_failures == 0);
}

TEST_CASE("rm vm: VM_STOP of a VM that powered off before the RM looked is done: OK, and the exit reported",
          "[rm][vm]")
{
    Harness h;
    const Built vm = build_vm(h);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    h.port.notes.clear();
    h.hv.run_check_answer = rm::RunState{Error::ok, GUNYAH_VCPU_RUN_STATE_POWERED_OFF,
                                         {GUNYAH_VCPU_RUN_POWERED_OFF_EXITED, 0, 0}};
    CHECK(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vm.vmid).u8(GUNYAH_RM_VM_STOP_FORCE).u8(0).le32(0)).error ==
          GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 2);
    CHECK(h.port.notes[1].msg_id == GUNYAH_RM_NOTIF_VM_EXITED);
    CHECK(h.port.notes[1].payload[2] == GUNYAH_RM_EXIT_TYPE_PLATFORM_OFF);
    CHECK(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vm.vmid).u8(GUNYAH_RM_VM_STOP_FORCE).u8(0).le32(0)).error ==
          GUNYAH_RM_ERROR_VM_STATE);
}

}  // namespace hyp::test::vmsvc

namespace hyp::test::vmsvc {

TEST_CASE("rm vm: a DT area across three single-page ranges is read from each, edited, and written back to each",
          "[rm][vm]")
{
    Harness h;
    const std::uint16_t vmid = alloc(h);
    // 16 pinned pages, each with a page not lent after it; the DT at parcel offset 0x1800,
    // 0x2000 bytes: the second half of range 1, all of range 2, the first half of range 3.
    std::vector<Range> ranges;
    for (std::uint64_t i = 0; i < 16; ++i) {
        ranges.push_back(Range{ram_base + 0x400000 + 2 * i * 0x1000, 0x1000});
    }
    const std::uint64_t dtb_offset = 0x1800;
    const std::uint64_t dtb_size = 0x2000;
    struct Piece {
        std::uint64_t phys;
        std::uint64_t size;
    };
    const Piece pieces[] = {{ranges[1].ipa + 0x800, 0x800}, {ranges[2].ipa, 0x1000}, {ranges[3].ipa, 0x800}};
    const std::uint64_t scratch = ram_base + 0x100000;  // the tree is written here, then scattered
    (void)write_vm_dt(h.hv, scratch, dtb_size, 1, true);
    std::uint64_t at = 0;
    for (const Piece& piece : pieces) {
        std::memcpy(h.hv.phys(piece.phys, piece.size), h.hv.phys(scratch + at, piece.size), piece.size);
        at += piece.size;
    }
    const std::uint32_t handle = lend(h, vmid, ranges);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, dtb_offset, dtb_size)).error ==
            GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_OK);

    // Each range was mapped into the RM, cleaned where the RM wrote, and let go.
    const rm::Parcel& p = *h.service.parcels.find(handle);
    const auto cleans = h.hv.all("memextent_modify");
    REQUIRE(cleans.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(cleans[i].args[0] == p.range(i + 1).extent);
    }
    CHECK(h.hv.rm_mapping_count() == 0);
    // The tree, gathered again, has the /hypervisor node the RM added.
    std::vector<std::byte> tree(dtb_size);
    at = 0;
    for (const Piece& piece : pieces) {
        std::memcpy(tree.data() + at, h.hv.phys(piece.phys, piece.size), piece.size);
        at += piece.size;
    }
    CHECK(fdt_path_offset(tree.data(), "/hypervisor/qcom,gunyah-vm") >= 0);
    CHECK(h.hv.all("vcpu_poweron").empty());
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    CHECK(h.hv.all("vcpu_poweron")[0].args[2] == vm_base + dtb_offset);
}

}  // namespace hyp::test::vmsvc
