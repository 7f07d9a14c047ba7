// Secondary VMs' doorbells from the VM config's vdevices, against the fake hypervisor: who
// gets which end with which rights, the SPIs, the VM's DT node, the owner's
// GET_HYP_RESOURCES entry, every refusal leaving nothing behind, and 200 lives.
#include <catch2/catch.hpp>

#include "rm/dt/libfdt.h"
#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {
namespace {

const std::uint64_t dt_at = ram_base + 0x410000;

rm::CapId created(const FakeHypervisor& hv, const std::string& name, std::size_t i)
{
    return hv.all(name).at(i).args.back();
}

std::uint32_t prop_u32(const void* dt, int node, const char* name)
{
    int len = 0;
    const auto* v = static_cast<const fdt32_t*>(fdt_getprop(dt, node, name, &len));
    REQUIRE(v != nullptr);
    REQUIRE(len == 4);
    return fdt32_to_cpu(*v);
}

Built build_with(Harness& h, const std::vector<Vdev>& vdevs, bool proxy = true)
{
    return build_vm(h, 2, proxy, vdevs);
}

std::uint32_t init_with(Harness& h, const std::vector<Vdev>& vdevs, std::uint16_t& vmid, std::uint32_t& handle)
{
    vmid = alloc(h);
    const std::uint64_t at = ram_base + 0x400000;
    (void)write_vm_dt(h.hv, at + 0x10000, 0x2000, 1, false, vm_base, vdevs);
    handle = lend(h, vmid, {{at, 0x100000}});
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0x8000, 0x10000, 0x2000)).error ==
            GUNYAH_RM_OK);
    return h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error;
}

void end_life(Harness& h, const Built& vm)
{
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(vm.handle).le32(0)).error == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
}

}  // namespace

TEST_CASE("rm doorbells: a doorbell the VM receives and one it sends, with their caps, SPIs, DT nodes and resources",
          "[rm][doorbell]")
{
    Harness h;
    const Built vm = build_with(h, {Vdev{"doorbell", 1}, Vdev{"doorbell-source", 2, "/hypervisor/qcom,doorbell"}});
    REQUIRE(h.hv.all("partition_create_doorbell").size() == 2);
    const rm::CapId db0 = created(h.hv, "partition_create_doorbell", 0);
    const rm::CapId db1 = created(h.hv, "partition_create_doorbell", 1);
    const rm::CapId vm_cspace = created(h.hv, "partition_create_cspace", 0);
    const rm::CapId vm_vic = created(h.hv, "partition_create_vic", 0);

    // Copies: the sender gets SEND, the receiver RECEIVE (Gunyah's vm_config_add_doorbell).
    struct Copy {
        rm::CapId cap, dest;
        std::uint64_t rights, copy;
    };
    std::vector<Copy> copies;
    for (const auto& c : h.hv.all("cspace_copy_cap_from")) {
        if (c.args[1] == db0 || c.args[1] == db1) {
            copies.push_back(Copy{c.args[1], c.args[2], c.args[3], c.args[4]});
        }
    }
    REQUIRE(copies.size() == 4);
    CHECK((copies[0].cap == db0 && copies[0].dest == primary_cspace && copies[0].rights == GUNYAH_RIGHT_DOORBELL_SEND));
    CHECK((copies[1].cap == db0 && copies[1].dest == vm_cspace && copies[1].rights == GUNYAH_RIGHT_DOORBELL_RECEIVE));
    CHECK((copies[2].cap == db1 && copies[2].dest == vm_cspace && copies[2].rights == GUNYAH_RIGHT_DOORBELL_SEND));
    CHECK((copies[3].cap == db1 && copies[3].dest == primary_cspace &&
           copies[3].rights == GUNYAH_RIGHT_DOORBELL_RECEIVE));

    // The VM's receive end on its first SPI; the owner's on the SPI after its two vCPUs'
    // wakeup interrupts (64, 65): one pool.
    const auto binds = h.hv.all("doorbell_bind_virq");
    REQUIRE(binds.size() == 2);
    CHECK(binds[0].args == std::vector<std::uint64_t>{db0, vm_vic, 32});
    CHECK(binds[1].args == std::vector<std::uint64_t>{db1, primary_vic, 66});
    CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count - 3);

    // The VM's DT: /hypervisor/<generate>@<its cap>.
    const std::byte* dt = h.hv.phys(dt_at, 0x2000);
    char path[80];
    std::snprintf(path, sizeof path, "/hypervisor/doorbell@%llx", static_cast<unsigned long long>(copies[1].copy));
    const int rx = fdt_path_offset(dt, path);
    REQUIRE(rx >= 0);
    int len = 0;
    const char* compatible = static_cast<const char*>(fdt_getprop(dt, rx, "compatible", &len));
    REQUIRE(compatible != nullptr);
    CHECK(std::string(compatible, static_cast<std::size_t>(len)) ==
          std::string("qcom,gunyah-doorbell\0qcom,gunyah-capability\0", 44));
    const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(dt, rx, "reg", &len));
    REQUIRE(len == 8);
    CHECK(((std::uint64_t{fdt32_to_cpu(reg[0])} << 32) | fdt32_to_cpu(reg[1])) == copies[1].copy);
    const auto* irq = static_cast<const fdt32_t*>(fdt_getprop(dt, rx, "interrupts", &len));
    REQUIRE(len == 12);
    CHECK(fdt32_to_cpu(irq[0]) == 0);
    CHECK(fdt32_to_cpu(irq[1]) == 0);  // INTID 32
    CHECK(fdt32_to_cpu(irq[2]) == 1);
    CHECK(prop_u32(dt, rx, "qcom,label") == 1);
    CHECK(prop_u32(dt, rx, "label") == 1);
    std::snprintf(path, sizeof path, "/hypervisor/qcom,doorbell@%llx", static_cast<unsigned long long>(copies[2].copy));
    const int tx = fdt_path_offset(dt, path);
    REQUIRE(tx >= 0);
    compatible = static_cast<const char*>(fdt_getprop(dt, tx, "compatible", &len));
    CHECK(std::string(compatible, static_cast<std::size_t>(len)) ==
          std::string("qcom,gunyah-doorbell-source\0qcom,gunyah-capability\0", 51));
    CHECK(fdt_getprop(dt, tx, "interrupts", &len) == nullptr);
    CHECK(prop_u32(dt, tx, "qcom,label") == 2);

    // The owner's ends, after the vCPUs: it sends on the first, receives on the second.
    Reply res = h.call(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid_payload(vm.vmid));
    REQUIRE(res.error == GUNYAH_RM_OK);
    REQUIRE(res.data.size() == 4 + 4 * 44);
    CHECK(le32_at(res.data, 0) == 4);
    const std::size_t e2 = 4 + 2 * 44;
    const std::size_t e3 = 4 + 3 * 44;
    CHECK(res.data[e2] == GUNYAH_RM_RES_DOORBELL_SEND);
    CHECK((res.data[e2 + 2] | res.data[e2 + 3] << 8) == vm.vmid);
    CHECK(le32_at(res.data, e2 + 4) == 0);
    CHECK(le32_at(res.data, e2 + 8) == 1);
    CHECK(le32_at(res.data, e2 + 12) == static_cast<std::uint32_t>(copies[0].copy));
    CHECK(le32_at(res.data, e2 + 16) == static_cast<std::uint32_t>(copies[0].copy >> 32));
    CHECK(le32_at(res.data, e2 + 24) == 0);
    CHECK(res.data[e3] == GUNYAH_RM_RES_DOORBELL_RECV);
    CHECK(le32_at(res.data, e3 + 8) == 2);
    CHECK(le32_at(res.data, e3 + 12) == static_cast<std::uint32_t>(copies[3].copy));
    CHECK(le32_at(res.data, e3 + 24) == 66);

    // VM_RESET takes it all back.
    end_life(h, vm);
    CHECK(h.hv.all("doorbell_unbind_virq").size() == 2);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
    CHECK(h.service.teardown_failures == 0);
}

TEST_CASE("rm doorbells: a config's interrupts pick the VM's SPI, the others take the lowest free", "[rm][doorbell]")
{
    Harness h;
    Vdev fixed{"doorbell", 5};
    fixed.intid = 32;
    (void)build_with(h, {Vdev{"doorbell", 4}, fixed}, false);
    const auto binds = h.hv.all("doorbell_bind_virq");
    REQUIRE(binds.size() == 2);
    CHECK(binds[0].args[2] == 33);  // 32 is the second one's
    CHECK(binds[1].args[2] == 32);
}

TEST_CASE("rm doorbells: VM_INIT refuses a bad doorbell config with ARG_INVALID and leaves nothing behind",
          "[rm][doorbell]")
{
    auto refused = [](const std::vector<Vdev>& vdevs, const char* reason) {
        Harness h;
        std::uint16_t vmid = 0;
        std::uint32_t handle = 0;
        const std::size_t caps = 0;
        CHECK(init_with(h, vdevs, vmid, handle) == GUNYAH_RM_ERROR_ARGUMENT_INVALID);
        CHECK(std::string(h.service.last_error.c_str()).find(reason) != std::string::npos);
        CHECK(h.service.vms.find(vmid)->state == rm::VmState::init_failed);
        CHECK(h.hv.all("partition_create_doorbell").empty());
        CHECK(h.hv.live_caps.size() == caps + 1);  // the parcel's extent only
        CHECK(h.hv.rm_mapping_count() == 0);
        CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
    };
    const Vdev db{"doorbell", 1};
    refused({db, db, db, db, db}, "declares 5 doorbells: at most 4");
    Vdev no_peer = db;
    no_peer.peer_default = false;
    refused({no_peer}, "peer-default");
    Vdev elsewhere = db;
    elsewhere.generate = "/soc/doorbell";
    refused({elsewhere}, "/hypervisor/<name>");
    Vdev nested = db;
    nested.generate = "/hypervisor/a/b";
    refused({nested}, "without '/'");
    refused({Vdev{"message-queue", 1}}, "not supported");
    Vdev link_spi = db;
    link_spi.intid = 62;
    refused({link_spi}, "asks for INTID 62");
    Vdev low = db;
    low.intid = 31;
    refused({low}, "asks for INTID 31");
    Vdev twice = db;
    twice.intid = 40;
    refused({twice, twice}, "two doorbells ask for INTID 40");
}

TEST_CASE("rm doorbells: a plain label is read when qcom,label is absent", "[rm][doorbell]")
{
    Harness h;
    Vdev plain{"doorbell", 9};
    plain.label_name = "label";
    const Built vm = build_with(h, {plain});
    Reply res = h.call(GUNYAH_RM_MSG_VM_GET_HYP_RESOURCES, vmid_payload(vm.vmid));
    REQUIRE(res.data.size() == 4 + 3 * 44);
    CHECK(le32_at(res.data, 4 + 2 * 44 + 8) == 9);
}

TEST_CASE("rm doorbells: four are allowed, the RM's own rm-rpc vdevice is accepted", "[rm][doorbell]")
{
    Harness h;
    const Vdev db{"doorbell", 1};
    std::uint16_t vmid = 0;
    std::uint32_t handle = 0;
    CHECK(init_with(h, {db, db, Vdev{"rm-rpc", 0, ""}, Vdev{"doorbell-source", 2}, db}, vmid, handle) == GUNYAH_RM_OK);
    CHECK(h.hv.all("partition_create_doorbell").size() == 4);
}

TEST_CASE("rm doorbells: a doorbell call the hypervisor refuses undoes the build", "[rm][doorbell]")
{
    const std::vector<Vdev> vdevs = {Vdev{"doorbell-source", 1}, Vdev{"doorbell", 2}};
    // How many caps the build copies before the doorbells' (the RM link's, the vCPU's).
    std::size_t copies_before = 0;
    {
        Harness dry;
        std::uint16_t vmid = 0;
        std::uint32_t handle = 0;
        REQUIRE(init_with(dry, vdevs, vmid, handle) == GUNYAH_RM_OK);
        for (const auto& c : dry.hv.calls) {
            if (c.name == "partition_create_doorbell") {
                break;
            }
            copies_before += c.name == "cspace_copy_cap_from" ? 1 : 0;
        }
    }
    for (const char* call : {"partition_create_doorbell", "cspace_copy_cap_from", "doorbell_bind_virq"}) {
        Harness h;
        if (std::string(call) == "cspace_copy_cap_from") {
            // The second doorbell's receive copy.
            for (std::size_t i = 0; i < copies_before + 3; ++i) {
                h.hv.fail_next(call, {Error::ok});
            }
            h.hv.fail_next(call, {Error::nomem});
        } else {
            h.hv.fail_next(call, {Error::ok, Error::nomem});  // the second doorbell fails
        }
        std::uint16_t vmid = 0;
        std::uint32_t handle = 0;
        CHECK(init_with(h, vdevs, vmid, handle) == GUNYAH_RM_ERROR_NOMEM);
        CHECK(h.hv.live_caps.size() == 1);  // the parcel's extent
        CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
        CHECK(h.service.teardown_failures == 0);
    }
}

TEST_CASE("rm doorbells: no free owner SPI for a doorbell-source is NORESOURCE", "[rm][doorbell]")
{
    Harness h;
    while (h.service.take_wakeup_intid() != 0) {
    }
    std::uint16_t vmid = 0;
    std::uint32_t handle = 0;
    CHECK(init_with(h, {Vdev{"doorbell-source", 1}}, vmid, handle) == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.hv.live_caps.size() == 1);
    CHECK(h.service.free_wakeup_intids() == 0);
}

TEST_CASE("rm doorbells: 200 lives with doorbells leave no caps, SPIs or slots behind", "[rm][doorbell]")
{
    Harness h;
    for (int i = 0; i < 200; ++i) {
        const Built vm = build_with(h, {Vdev{"doorbell", 1}, Vdev{"doorbell-source", 2}});
        REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vm.vmid)).error == GUNYAH_RM_OK);
        REQUIRE(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vm.vmid).u8(GUNYAH_RM_VM_STOP_FORCE).u8(0).le32(0)).error ==
                GUNYAH_RM_OK);
        end_life(h, vm);
    }
    CHECK(h.hv.live_caps.empty());
    CHECK(secondary_mappings(h.hv) == 0);
    CHECK(h.service.vms.free_slots() == rm::max_secondary_vms);
    CHECK(h.service.parcels.free_slots() == rm::max_parcels);
    CHECK(h.service.free_wakeup_intids() == rm::owner_wakeup_intid_count);
    CHECK(h.service.teardown_failures == 0);
}

}  // namespace hyp::test::vmsvc
