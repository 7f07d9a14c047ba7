// The resource manager starting the primary VM, played against a recording fake
// hypervisor (tests/unit/rm_fake_hypervisor.h): the hypercalls in order with their
// arguments, the kernel, initrd and device tree in the VM's RAM, RAM the hypervisor is
// using skipped, failures naming the call and the error; then the whole boot flow
// (rm/core/startup.h) with its console lines.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hyp_api/gunyah_memory.h"
#include "hyp_api/gunyah_objects.h"
#include "hyp_api/gunyah_rights.h"
#include "hyp_api/rm_boot_info.h"
#include "hyp_api/vcpu_mpidr.h"
#include "rm/core/startup.h"
#include "rm/vm/primary_vm.h"
#include "tests/unit/dtb_file.h"
#include "tests/unit/rm_fake_hypervisor.h"

using namespace hyp;
using namespace hyp::rm;
using hyp::test::FakeHypervisor;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;
constexpr std::uint64_t bank_base = 0x40000000;
constexpr std::uint64_t kernel_at = 0x40000000;
constexpr std::uint64_t kernel_file_size = 0x10100;  // not a whole number of pages
constexpr std::uint64_t kernel_image_size = 0x40000;
constexpr std::uint64_t initrd_at = 0x40100000;
constexpr std::uint64_t initrd_size = 0x5000;
constexpr std::uint64_t free_base = 0x40200000;
constexpr std::uint64_t rm_ram_base = 0x7fc00000;
constexpr rm::CapId rm_partition = 1, rm_cspace = 2, rm_addrspace = 3, rm_vic = 5, kernel_cap = 10, initrd_cap = 11;

std::uint8_t kernel_byte(std::size_t i) { return static_cast<std::uint8_t>(i * 7 + 3); }

// A machine with 64 MiB of RAM at 0x40000000 holding the two modules, two CPUs, and the
// rest of the RAM free for VMs.
struct Machine {
    std::unique_ptr<rm_boot_info> info = std::make_unique<rm_boot_info>();
    FakeHypervisor hv{rm_addrspace};

    explicit Machine(bool with_initrd = true, std::uint64_t kernel_base = kernel_at,
                     std::uint64_t initrd_base = initrd_at)
    {
        std::memset(info.get(), 0, sizeof *info);
        info->magic = RM_BOOT_INFO_MAGIC;
        info->version = RM_BOOT_INFO_VERSION;
        info->size = sizeof(rm_boot_info);
        info->partition_cap = rm_partition;
        info->cspace_cap = rm_cspace;
        info->addrspace_cap = rm_addrspace;
        info->ram_memextent_cap = 4;
        info->vic_cap = rm_vic;
        info->vic_spis = 64;
        info->ram_ipa = rm_boot_range{rm_ram_base, RM_RAM_SIZE};
        info->ram_phys = info->ram_ipa;
        info->ram_range_count = 1;
        info->ram_ranges[0] = rm_boot_range{free_base, 62 * mib};
        rm_boot_platform& p = info->platform;
        p.gicd = rm_boot_range{0x08000000, 0x10000};
        p.gicr = rm_boot_range{0x080a0000, 0xf60000};
        p.uart = rm_boot_range{0x09000000, 0x1000};
        p.uart_intid = 33;
        p.gic_maintenance_intid = 25;
        p.timer_secure_phys_intid = 29;
        p.timer_nonsecure_phys_intid = 30;
        p.timer_virt_intid = 27;
        p.timer_hyp_phys_intid = 26;
        p.cpu_count = 2;
        p.cpu_mpidrs[1] = 1;
        std::strcpy(info->options, "rm.mem=16M");

        hv.add_ram(bank_base, 64 * mib);
        hv.partition_cap = rm_partition;
        add_module(RM_BOOT_MODULE_KERNEL, kernel_base, kernel_file_size, kernel_cap, "console=ttyAMA0");
        std::uint8_t* k = bytes(kernel_base, kernel_file_size);
        for (std::size_t i = 0; i < kernel_file_size; ++i) {
            k[i] = kernel_byte(i);
        }
        std::memset(k, 0, 64);  // arm64 Image header: text_offset 0, image_size, flags 0xa
        std::memcpy(k + 16, &kernel_image_size, 8);
        k[24] = 0x0a;
        std::memcpy(k + 56, "ARM\x64", 4);
        if (with_initrd) {
            add_module(RM_BOOT_MODULE_RAMDISK, initrd_base, initrd_size, initrd_cap, "");
            std::memset(bytes(initrd_base, initrd_size), 0x5a, initrd_size);
        }
    }

    void add_module(std::uint32_t kind, std::uint64_t base, std::uint64_t size, rm::CapId cap, const char* args)
    {
        rm_boot_module& m = info->modules[info->module_count++];
        m.kind = kind;
        m.phys = rm_boot_range{base, size};
        m.memextent_cap = cap;
        std::strcpy(m.bootargs, args);
        hv.add_extent(cap, base & ~std::uint64_t{0xfff}, (size + 0xfff) & ~std::uint64_t{0xfff});
    }

    std::uint8_t* bytes(std::uint64_t phys, std::uint64_t size)
    {
        return reinterpret_cast<std::uint8_t*>(hv.phys(phys, size));
    }

    PrimaryVmRequest request(std::uint32_t vcpus = 3, std::uint64_t ram = 16 * mib)
    {
        PrimaryVmRequest r;
        r.info = info.get();
        r.modules.kernel = &info->modules[0];
        r.modules.ramdisk = info->module_count > 1 ? &info->modules[1] : nullptr;
        r.ram_size = ram;
        r.vcpu_count = vcpus;
        return r;
    }

    RmPlacement placement() const
    {
        return RmPlacement{rm_ram_base, rm_ram_base + 0x30000, rm_ram_base + RM_RAM_SIZE - RM_BOOT_INFO_RESERVED_SIZE};
    }
};

// `text` is what a terminal shows (the CR of each CR LF dropped); `raw` is every byte.
struct Capture final : CharOut {
    std::string text;
    std::string raw;
    void put(char c) override
    {
        raw += c;
        if (c != '\r') {
            text += c;
        }
    }
};

std::vector<std::string> vcpu_calls()
{
    return {"partition_create_thread", "vcpu_configure",        "cspace_attach_thread", "addrspace_attach_thread",
            "vcpu_set_affinity",       "vpm_group_attach_vcpu", "vic_attach_vcpu",      "object_activate"};
}

}  // namespace

TEST_CASE("rm primary VM: the hypercalls, in order")
{
    Machine m;
    PrimaryVm vm;
    Diagnostic diag;
    Status s = build_primary_vm(m.request(), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(s.ok());

    std::vector<std::string> expected = {
        // the modules, readable by the RM
        "addrspace_map", "addrspace_map",
        // the VM's RAM, claimed first, and the VM's view of it: a child over all of it
        "partition_create_memextent", "memextent_configure", "object_activate", "partition_create_memextent",
        "memextent_configure_derive", "object_activate",
        // cspace, address space with the RAM
        "partition_create_cspace", "cspace_configure", "object_activate", "partition_create_addrspace",
        "addrspace_configure", "object_activate", "addrspace_map",
        // virtual GIC
        "partition_create_vic", "vic_configure", "object_activate",
        // the RPC queue pair to the RM: two queues, four interrupts, the VM's two caps
        "partition_create_msgqueue", "msgqueue_configure", "object_activate", "partition_create_msgqueue",
        "msgqueue_configure", "object_activate", "msgqueue_bind_send_virq", "msgqueue_bind_receive_virq",
        "msgqueue_bind_receive_virq", "msgqueue_bind_send_virq", "cspace_copy_cap_from", "cspace_copy_cap_from",
        // the RAM filled through the RM's window (the DT names the link), cleaned, let go
        "addrspace_map", "memextent_modify", "memextent_modify", "memextent_modify", "addrspace_unmap",
        "addrspace_unmap", "addrspace_unmap",
        // VPM group
        "partition_create_vpm_group", "object_activate"};
    for (int i = 0; i < 3; ++i) {
        for (const std::string& call : vcpu_calls()) {
            expected.push_back(call);
        }
    }
    expected.push_back("vcpu_poweron");
    CHECK(m.hv.names() == expected);
    CHECK(m.hv.rm_mapping_count() == 0);  // the RM keeps no access to anything it mapped
    CHECK(vm.vcpu_count == 3);
    CHECK(vm.busy_candidates == 0);
}

TEST_CASE("rm primary VM: RAM, mappings and objects get the arguments the contract says")
{
    Machine m;
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());

    // Modules mapped read-only at IPA = PA (their extents' page-aligned base).
    auto maps = m.hv.all("addrspace_map");
    REQUIRE(maps.size() == 4);
    const std::uint64_t ro = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_R, GUNYAH_ACCESS_R, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    CHECK(maps[0].args == std::vector<std::uint64_t>{rm_addrspace, kernel_cap, kernel_at, ro, 0, 0, 0});
    CHECK(maps[1].args == std::vector<std::uint64_t>{rm_addrspace, initrd_cap, initrd_at, ro, 0, 0, 0});

    // The RAM: 16 MiB (rm.mem) at the first 2 MiB boundary of the free RAM, RWX cached.
    auto configure = m.hv.all("memextent_configure");
    REQUIRE(configure.size() == 1);
    CHECK(vm.ram_root == configure[0].args[0]);
    CHECK(configure[0].args[1] == free_base);
    CHECK(configure[0].args[2] == 16 * mib);
    const std::uint64_t ram_attrs =
        GUNYAH_MEMEXTENT_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_MEMEXTENT_MEMTYPE_CACHED, GUNYAH_MEMEXTENT_TYPE_BASIC);
    CHECK(configure[0].args[3] == ram_attrs);
    // What the VM maps (and the RM fills) is the root's child over all of it, so that a
    // lend can donate ranges back to the root (rm/mem/parcel_ops.h).
    auto derive = m.hv.all("memextent_configure_derive");
    REQUIRE(derive.size() == 1);
    const rm::CapId extent = derive[0].args[0];
    CHECK(vm.ram_extent == extent);
    CHECK(derive[0].args == std::vector<std::uint64_t>{extent, vm.ram_root, 0, 16 * mib, ram_attrs});
    const std::uint64_t rw = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    // The RM's window: only what it writes (the kernel, the DT, the initrd), page aligned.
    const std::uint64_t window = kernel_image_size + 0x10000 + initrd_size;
    CHECK(maps[3].args ==
          std::vector<std::uint64_t>{rm_addrspace, extent, free_base, rw, GUNYAH_ADDRSPACE_MAP_PARTIAL, 0, window});
    auto unmaps = m.hv.all("addrspace_unmap");
    REQUIRE(unmaps.size() == 3);
    CHECK(unmaps[0].args ==
          std::vector<std::uint64_t>{rm_addrspace, extent, free_base, GUNYAH_ADDRSPACE_MAP_PARTIAL, 0, window});

    // The VM's own objects, in the RM's cspace, from the root partition.
    for (const char* create : {"partition_create_memextent", "partition_create_cspace", "partition_create_addrspace",
                               "partition_create_vpm_group", "partition_create_vic", "partition_create_thread"}) {
        for (const auto& call : m.hv.all(create)) {
            CHECK(call.args[0] == rm_partition);
            CHECK(call.args[1] == rm_cspace);
        }
    }
    CHECK(m.hv.all("cspace_configure")[0].args == std::vector<std::uint64_t>{vm.cspace, primary_cspace_caps});
    CHECK(m.hv.all("addrspace_configure")[0].args == std::vector<std::uint64_t>{vm.addrspace, 3});  // HLOS
    const std::uint64_t rwx = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RWX, GUNYAH_ACCESS_RWX, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    CHECK(maps[2].args == std::vector<std::uint64_t>{vm.addrspace, extent, free_base, rwx, 0, 0, 0});

    // vCPUs: HLOS option, attached to the VM's cspace and address space, three vCPUs
    // round-robin over two CPUs, VPM indices in order.
    auto configures = m.hv.all("vcpu_configure");
    auto affinities = m.hv.all("vcpu_set_affinity");
    auto attaches = m.hv.all("vpm_group_attach_vcpu");
    REQUIRE(configures.size() == 3);
    for (std::uint32_t i = 0; i < 3; ++i) {
        CHECK(configures[i].args == std::vector<std::uint64_t>{vm.vcpus[i], GUNYAH_VCPU_OPTION_HLOS_VM});
        CHECK(m.hv.all("cspace_attach_thread")[i].args == std::vector<std::uint64_t>{vm.cspace, vm.vcpus[i]});
        CHECK(m.hv.all("addrspace_attach_thread")[i].args == std::vector<std::uint64_t>{vm.addrspace, vm.vcpus[i]});
        CHECK(affinities[i].args == std::vector<std::uint64_t>{vm.vcpus[i], i % 2});
        CHECK(attaches[i].args == std::vector<std::uint64_t>{vm.vpm_group, vm.vcpus[i], i});
    }

    // vCPU 0 at the kernel's entry, x0 = the DT.
    auto poweron = m.hv.all("vcpu_poweron");
    REQUIRE(poweron.size() == 1);
    CHECK(poweron[0].args == std::vector<std::uint64_t>{vm.vcpus[0], free_base, vm.layout.dtb_address().raw(), 0});
}

TEST_CASE("rm primary VM: a virtual GIC for all its vCPUs, each attached at its VPM index before it is activated")
{
    for (std::uint32_t vcpus : {1u, 3u}) {
        INFO(vcpus << " vCPUs");
        Machine m;
        PrimaryVm vm;
        Diagnostic diag;
        REQUIRE(build_primary_vm(m.request(vcpus), m.hv, m.hv, vm, diag).ok());

        auto created = m.hv.all("partition_create_vic");
        REQUIRE(created.size() == 1);
        CHECK(created[0].args == std::vector<std::uint64_t>{rm_partition, rm_cspace, vm.vic});
        CHECK(vm.vic != rm::cap_invalid);
        // max_vcpus = the VM's vCPUs, 64 SPIs (the UART's, 33, among them), no options, no MSIs.
        auto configured = m.hv.all("vic_configure");
        REQUIRE(configured.size() == 1);
        CHECK(configured[0].args == std::vector<std::uint64_t>{vm.vic, vcpus, 64, 0, 0});
        CHECK(primary_vic_spis == 64);
        CHECK(vm.vic_spis == 64);
        CHECK(m.info->platform.uart_intid < 32 + primary_vic_spis);

        // The vic is active before the first attach; each vCPU is attached with its VPM
        // group index, and only then activated.
        const auto& calls = m.hv.calls;
        std::size_t vic_activated = calls.size();
        for (std::size_t k = 0; k < calls.size(); ++k) {
            if (calls[k].name == "object_activate" && calls[k].args[0] == vm.vic) {
                vic_activated = k;
            }
        }
        std::uint32_t attached = 0;
        for (std::size_t k = 0; k < calls.size(); ++k) {
            if (calls[k].name != "vic_attach_vcpu") {
                continue;
            }
            CHECK(k > vic_activated);
            const std::uint64_t vcpu = calls[k].args[1];
            CHECK(calls[k].args == std::vector<std::uint64_t>{vm.vic, vm.vcpus[attached], attached});
            REQUIRE(k >= 1);
            CHECK(calls[k - 1].name == "vpm_group_attach_vcpu");
            CHECK(calls[k - 1].args == std::vector<std::uint64_t>{vm.vpm_group, vcpu, attached});
            REQUIRE(k + 1 < calls.size());
            CHECK(calls[k + 1].name == "object_activate");
            CHECK(calls[k + 1].args[0] == vcpu);
            ++attached;
        }
        CHECK(attached == vcpus);
    }
}

TEST_CASE("rm primary VM: the kernel, initrd and DT are in the VM's RAM and cleaned to the point of coherency")
{
    Machine m;
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    const VmLayout& layout = vm.layout;
    CHECK(layout.entry().raw() == free_base);
    CHECK(layout.kernel_file.size == kernel_file_size);
    CHECK(layout.dtb.base.raw() == free_base + kernel_image_size);
    CHECK(layout.initrd == IpaRange{Ipa{free_base + kernel_image_size + 0x10000}, initrd_size});

    // IPA = PA: the bytes are at the same physical addresses.
    const std::uint8_t* kernel = m.bytes(layout.kernel_file.base.raw(), kernel_file_size);
    CHECK(std::memcmp(kernel, m.bytes(kernel_at, kernel_file_size), kernel_file_size) == 0);
    CHECK(kernel[kernel_file_size - 1] == kernel_byte(kernel_file_size - 1));
    const std::uint8_t* initrd = m.bytes(layout.initrd.base.raw(), initrd_size);
    CHECK(initrd[0] == 0x5a);
    CHECK(initrd[initrd_size - 1] == 0x5a);

    // The DT, as the hypervisor's discovery reads it.
    REQUIRE(vm.dtb_size > 0);
    const std::uint8_t* dtb = m.bytes(layout.dtb.base.raw(), vm.dtb_size);
    auto found = test::discover(test::Blob(dtb, dtb + vm.dtb_size));
    REQUIRE(found->ok());
    CHECK(found->info.cpu_count == 3);  // rm.vcpus, not the machine's 2
    CHECK(found->info.memory[0] == PhysRange{PhysAddr{free_base}, 16 * mib});
    CHECK(test::str(found->info.bootargs) == "console=ttyAMA0");

    // Cleaned: page-aligned ranges (offsets in the extent) covering each thing written.
    auto modifies = m.hv.all("memextent_modify");
    REQUIRE(modifies.size() == 3);
    const std::uint64_t clean = GUNYAH_MEMEXTENT_MODIFY_CACHE_CLEAN_RANGE;
    CHECK(modifies[0].args == std::vector<std::uint64_t>{vm.ram_extent, clean, 0, 0x11000});
    CHECK(modifies[1].args == std::vector<std::uint64_t>{vm.ram_extent, clean, kernel_image_size,
                                                         (vm.dtb_size + 0xfff) & ~std::uint64_t{0xfff}});
    CHECK(modifies[2].args ==
          std::vector<std::uint64_t>{vm.ram_extent, clean, kernel_image_size + 0x10000, initrd_size});
}

TEST_CASE("rm primary VM: without an initrd there is nothing to copy, map or clean for it")
{
    Machine m{false};
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(1), m.hv, m.hv, vm, diag).ok());
    CHECK(vm.layout.initrd.empty());
    CHECK(m.hv.all("memextent_modify").size() == 2);
    CHECK(m.hv.all("addrspace_unmap").size() == 2);
    CHECK(m.hv.all("vcpu_set_affinity").size() == 1);
}

TEST_CASE("rm primary VM: RAM the hypervisor is using (busy) is skipped 2 MiB at a time")
{
    Machine m;
    m.hv.fail_next("object_activate", {Error::busy, Error::busy});
    m.hv.fail_next("memextent_configure", {Error::busy});
    PrimaryVm vm;
    Diagnostic diag;
    Status s = build_primary_vm(m.request(), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(s.ok());
    CHECK(vm.busy_candidates == 3);
    auto configure = m.hv.all("memextent_configure");
    REQUIRE(configure.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(configure[i].args[1] == free_base + i * 2 * mib);
    }
    // Each refused extent's cap is deleted before the next one is made.
    auto deleted = m.hv.all("cspace_delete_cap_from");
    REQUIRE(deleted.size() == 3);
    CHECK(deleted[0].args == std::vector<std::uint64_t>{rm_cspace, configure[0].args[0]});
    CHECK(vm.layout.ram.base.raw() == free_base + 6 * mib);
    CHECK(m.hv.all("vcpu_poweron")[0].args[1] == free_base + 6 * mib);
}

TEST_CASE("rm primary VM: when every candidate is busy the RM says how many it tried")
{
    Machine m;
    m.info->ram_ranges[0].size = 20 * mib;  // room for 16 MiB at 3 boundaries
    m.hv.fail_next("object_activate", {Error::busy, Error::busy, Error::busy});
    PrimaryVm vm;
    Diagnostic diag;
    CHECK(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).error() == Error::nomem);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("after 3 candidates in use by the hypervisor"));
}

TEST_CASE("rm primary VM: a failing call is named with its Gunyah error")
{
    struct Case {
        const char* call;
        Error error;
        int skip;  // calls of that name that succeed first
        const char* message;
    };
    const Case cases[] = {
        {"addrspace_map", Error::cspace_insuf_rights, 0,
         "addrspace_map (the kernel module into the RM) failed: cspace_insuf_rights"},
        {"partition_create_memextent", Error::nomem, 0,
         "partition_create_memextent (the primary VM's RAM) failed: nomem"},
        {"object_activate", Error::memdb_not_owner, 0, "object_activate (the primary VM's RAM) failed: memdb_not_owner"},
        {"memextent_modify", Error::arg_align, 1, "memextent_modify (cache_clean_range) (the DT) failed: arg_align"},
        {"addrspace_configure", Error::arg_inval, 0,
         "addrspace_configure (the primary VM's address space, VMID 3) failed: arg_inval"},
        {"partition_create_vpm_group", Error::unimplemented, 0,
         "partition_create_vpm_group (the primary VM's VPM group) failed: unimplemented"},
        {"partition_create_vic", Error::nomem, 0,
         "partition_create_vic (the primary VM's virtual GIC) failed: nomem"},
        {"vic_configure", Error::unimplemented, 0,
         "vic_configure (the primary VM's virtual GIC) failed: unimplemented"},
        // the RAM, its child, the cspace and address space are activated first
        {"object_activate", Error::nomem, 4, "object_activate (the primary VM's virtual GIC) failed: nomem"},
        {"object_activate", Error::nomem, 5, "object_activate (the queue to the RM) failed: nomem"},
        {"memextent_configure_derive", Error::arg_inval, 0,
         "memextent_configure_derive (the primary VM's view of its RAM) failed: arg_inval"},
        {"object_activate", Error::nomem, 1, "object_activate (the primary VM's view of its RAM) failed: nomem"},
        {"partition_create_msgqueue", Error::nomem, 1,
         "partition_create_msgqueue (the queue from the RM) failed: nomem"},
        {"msgqueue_configure", Error::arg_inval, 0, "msgqueue_configure (the queue to the RM) failed: arg_inval"},
        {"msgqueue_bind_receive_virq", Error::irq_bound, 1,
         "msgqueue_bind_receive_virq (the RM's rx interrupt) failed: irq_bound"},
        {"msgqueue_bind_send_virq", Error::arg_inval, 0,
         "msgqueue_bind_send_virq (the client's tx interrupt) failed: arg_inval"},
        {"cspace_copy_cap_from", Error::cspace_full, 1,
         "cspace_copy_cap_from (the client's rx cap) failed: cspace_full"},
        {"vcpu_set_affinity", Error::arg_inval, 1, "vcpu_set_affinity (the primary VM's vCPU 1) failed: arg_inval"},
        {"vpm_group_attach_vcpu", Error::object_state, 2,
         "vpm_group_attach_vcpu (the primary VM's vCPU 2) failed: object_state"},
        {"vic_attach_vcpu", Error::object_state, 1, "vic_attach_vcpu (the primary VM's vCPU 1) failed: object_state"},
        {"vcpu_poweron", Error::busy, 0,
         "vcpu_poweron (the primary VM's vCPU 0 at the kernel's entry) failed: busy"},
    };
    for (const Case& c : cases) {
        INFO(c.call);
        Machine m;
        std::vector<Error> script(static_cast<std::size_t>(c.skip), Error::ok);
        for (Error e : script) {
            m.hv.fail_next(c.call, {e});
        }
        m.hv.fail_next(c.call, {c.error});
        PrimaryVm vm;
        Diagnostic diag;
        Status s = build_primary_vm(m.request(), m.hv, m.hv, vm, diag);
        CHECK(s.error() == c.error);
        CHECK(std::string{diag.c_str()} == c.message);
        CHECK(m.hv.calls.back().name == c.call);  // nothing after the failure
    }
}

TEST_CASE("rm primary VM: its RPC queue pair to the RM, as its device tree names it")
{
    Machine m;
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    const RmLink& link = vm.rm_link;
    // Two 8-deep queues of 240-byte messages, in the root partition, caps in the RM's cspace.
    auto creates = m.hv.all("partition_create_msgqueue");
    REQUIRE(creates.size() == 2);
    for (const auto& c : creates) {  // (the fake records the new cap as a third argument)
        CHECK(std::vector<std::uint64_t>(c.args.begin(), c.args.begin() + 2) ==
              std::vector<std::uint64_t>{rm_partition, rm_cspace});
    }
    for (const auto& c : m.hv.all("msgqueue_configure")) {
        CHECK(c.args[1] == GUNYAH_MSGQUEUE_CREATE_INFO(8, 240));
    }
    // The VM's interrupts on its vic, the RM's on its own.
    auto sends = m.hv.all("msgqueue_bind_send_virq");
    auto receives = m.hv.all("msgqueue_bind_receive_virq");
    REQUIRE(sends.size() == 2);
    REQUIRE(receives.size() == 2);
    CHECK(sends[0].args == std::vector<std::uint64_t>{link.to_rm, vm.vic, primary_rm_tx_intid});
    CHECK(receives[0].args == std::vector<std::uint64_t>{link.from_rm, vm.vic, primary_rm_rx_intid});
    CHECK(primary_rm_tx_intid == 94);  // QEMU virt: the top two of the vic's 64 SPIs
    CHECK(primary_rm_rx_intid == 95);
    CHECK(vm.rm_tx_intid == primary_rm_tx_intid);
    CHECK(vm.rm_rx_intid == primary_rm_rx_intid);
    CHECK(receives[1].args == std::vector<std::uint64_t>{link.to_rm, rm_vic, primary_link_rm_rx_intid});
    CHECK(sends[1].args == std::vector<std::uint64_t>{link.from_rm, rm_vic, primary_link_rm_tx_intid});
    // The VM may only send on one and receive on the other.
    auto copies = m.hv.all("cspace_copy_cap_from");
    REQUIRE(copies.size() == 2);
    CHECK(copies[0].args == std::vector<std::uint64_t>{rm_cspace, link.to_rm, vm.cspace, GUNYAH_RIGHT_MSGQUEUE_SEND,
                                                       link.client_tx});
    CHECK(copies[1].args == std::vector<std::uint64_t>{rm_cspace, link.from_rm, vm.cspace,
                                                       GUNYAH_RIGHT_MSGQUEUE_RECEIVE, link.client_rx});
    CHECK(link.client_tx != link.client_rx);

    // The DT the VM boots with names those caps and interrupts.
    const std::uint8_t* dt = m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size);
    REQUIRE(fdt_check_header(dt) == 0);
    char path[64];
    std::snprintf(path, sizeof path, "/hypervisor/gunyah-resource-mgr@%llx",
                  static_cast<unsigned long long>(link.client_tx));
    int node = fdt_path_offset(dt, path);
    REQUIRE(node >= 0);
    int len = 0;
    const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(dt, node, "reg", &len));
    REQUIRE(len == 16);
    CHECK(fdt32_to_cpu(reg[1]) == link.client_tx);
    CHECK(fdt32_to_cpu(reg[3]) == link.client_rx);
    const auto* irqs = static_cast<const fdt32_t*>(fdt_getprop(dt, node, "interrupts", &len));
    REQUIRE(len == 24);
    CHECK(fdt32_to_cpu(irqs[1]) == primary_rm_tx_intid - 32);
    CHECK(fdt32_to_cpu(irqs[4]) == primary_rm_rx_intid - 32);
}

TEST_CASE("rm primary VM: boot info with too few SPIs for the RM's end of the link is refused")
{
    Machine m;
    m.info->vic_spis = 16;
    PrimaryVm vm;
    Diagnostic diag;
    CHECK(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).error() == Error::arg_inval);
    CHECK(std::string{diag.c_str()}.find("SPIs") != std::string::npos);
    CHECK(m.hv.all("partition_create_msgqueue").empty());
}

TEST_CASE("rm primary VM: a bad kernel header is refused before any RAM is claimed")
{
    Machine m;
    std::memcpy(m.bytes(kernel_at + 56, 4), "\x1f\x8b\x08\x00", 4);
    PrimaryVm vm;
    Diagnostic diag;
    CHECK_FALSE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    CHECK_FALSE(std::string{diag.c_str()}.empty());
    CHECK(m.hv.all("partition_create_memextent").empty());
}

TEST_CASE("rm primary VM: a module without a memextent cap, or too many vCPUs, is refused")
{
    Machine m;
    m.info->modules[0].memextent_cap = rm::cap_invalid;
    PrimaryVm vm;
    Diagnostic diag;
    CHECK(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).error() == Error::cspace_cap_null);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("no memextent capability"));
    CHECK(m.hv.calls.empty());

    Machine n;
    CHECK(build_primary_vm(n.request(65), n.hv, n.hv, vm, diag).error() == Error::arg_inval);
    CHECK(build_primary_vm(n.request(0), n.hv, n.hv, vm, diag).error() == Error::arg_inval);
}

// ---- the boot flow

TEST_CASE("rm startup: banner, options, the primary VM started, in console lines")
{
    Machine m;
    std::strcpy(m.info->options, "rm.mem=16M rm.vcpus=3 rm.debug");
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    REQUIRE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK(out.text ==
          "RM: resource manager starting (2 CPUs, 62 MiB free RAM, 2 modules)\n"
          "RM: unknown option rm.debug ignored\n"
          "RM: primary VM started: 3 vCPUs, 16 MiB RAM at IPA 0x40200000, kernel at 0x40200000, DT at 0x40240000, "
          "initrd at 0x40250000\n");
}

TEST_CASE("rm startup: no kernel module: the RM says how to give one and starts nothing")
{
    Machine m;
    m.info->modules[0].kind = RM_BOOT_MODULE_OTHER;
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    CHECK_FALSE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::EndsWith("RM: no primary VM kernel: boot one with -device "
                                         "guest-loader,addr=...,kernel=IMAGE\n"));
    CHECK(m.hv.calls.empty());
}

TEST_CASE("rm startup: a bad option stops the RM before any hypercall")
{
    Machine m;
    std::strcpy(m.info->options, "rm.vcpus=100");
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    CHECK_FALSE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::EndsWith("RM: bad option rm.vcpus=100: rm.vcpus takes a number from 1 to 64; "
                                         "powering off\n"));
    CHECK(m.hv.calls.empty());
}

TEST_CASE("rm startup: warnings for what the hypervisor had to leave out")
{
    Machine m;
    m.info->flags = RM_BOOT_INFO_OPTIONS_TRUNCATED | RM_BOOT_INFO_RAM_RANGES_TRUNCATED;
    m.info->modules[0].flags = RM_BOOT_MODULE_BOOTARGS_TRUNCATED;
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    REQUIRE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("RM: warning: some rm. options did not fit") &&
                             Catch::Contains("RM: warning: the hypervisor has more free RAM ranges") &&
                             Catch::Contains("RM: warning: the kernel's bootargs were longer than 1023 bytes"));
}

TEST_CASE("rm startup: a failing hypercall is printed with the reason and the VM is not started")
{
    Machine m;
    m.hv.fail_next("vcpu_configure", {Error::arg_inval});
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    CHECK_FALSE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::EndsWith("RM: cannot start the primary VM: vcpu_configure (the primary VM's vCPU 0) "
                                         "failed: arg_inval; powering off\n"));
    CHECK(m.hv.all("vcpu_poweron").empty());
}

TEST_CASE("rm startup: boot info that fails its checks or is not where the contract puts it is refused")
{
    Machine m;
    Capture out;
    Console console{&out};
    PrimaryVm vm;

    m.info->magic = 0;
    CHECK_FALSE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("boot info: magic 0x0") && Catch::EndsWith("; powering off\n"));
    m.info->magic = RM_BOOT_INFO_MAGIC;

    RmPlacement p = m.placement();
    p.boot_info -= 0x1000;  // in RAM, but not at the top
    out.text.clear();
    CHECK_FALSE(start_primary_vm(*m.info, p, m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("boot info is at 0x7fffa000, expected at the top of the RM's RAM, 0x7fffb000"));

    p = m.placement();
    p.image_start += 0x200000;  // the hypervisor says the RAM starts elsewhere
    out.text.clear();
    CHECK_FALSE(start_primary_vm(*m.info, p, m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("boot info says the RM's RAM is [0x7fc00000, +0x400000)"));

    p = m.placement();
    p.image_end = p.boot_info + 0x10;
    out.text.clear();
    CHECK_FALSE(start_primary_vm(*m.info, p, m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("the RM's image ends at"));
    CHECK(m.hv.calls.empty());
}

TEST_CASE("rm startup: boot info is read only inside the RM's RAM")
{
    RmPlacement p{0x7fc00000, 0x7fc40000, 0x7fc00000 + RM_RAM_SIZE - 0x3000};
    CHECK(boot_info_available(p) == 0x3000);
    p.boot_info = 0x7fc00000 + RM_RAM_SIZE;
    CHECK(boot_info_available(p) == 0);
    p.boot_info = 0x7fb00000;
    CHECK(boot_info_available(p) == 0);
}

// ---- modules used in place

namespace {

// The modules where a boot loader would put them for the VM to run them in place: the
// kernel at a 2 MiB boundary (text_offset 0) with free RAM after it, the initrd above
// it, and every other page of the bank free.
constexpr std::uint64_t placed_kernel = 0x40400000;
constexpr std::uint64_t placed_initrd = 0x40500000;

struct PlacedMachine : Machine {
    explicit PlacedMachine(std::uint64_t initrd_base = placed_initrd) : Machine{true, placed_kernel, initrd_base}
    {
        // Free: all of the bank but the modules' pages.
        const std::uint64_t kernel_end = placed_kernel + 0x11000;
        const std::uint64_t initrd_end = initrd_base + 0x5000;
        info->ram_range_count = 3;
        info->ram_ranges[0] = rm_boot_range{bank_base, placed_kernel - bank_base};
        info->ram_ranges[1] = rm_boot_range{kernel_end, initrd_base - kernel_end};
        info->ram_ranges[2] = rm_boot_range{initrd_end, bank_base + 64 * mib - initrd_end};
        if (initrd_base < placed_kernel) {  // below the kernel: the ranges in address order
            info->ram_ranges[0] = rm_boot_range{bank_base, initrd_base - bank_base};
            info->ram_ranges[1] = rm_boot_range{initrd_end, placed_kernel - initrd_end};
            info->ram_ranges[2] = rm_boot_range{kernel_end, bank_base + 64 * mib - kernel_end};
        }
    }
};

}  // namespace

TEST_CASE("rm primary VM: modules where the kernel can run are given back and used in place, not copied")
{
    PlacedMachine m;
    PrimaryVm vm;
    Diagnostic diag;
    Status s = build_primary_vm(m.request(), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(s.ok());
    CHECK(vm.kernel_in_place);
    CHECK(vm.initrd_in_place);

    std::vector<std::string> expected = {
        "addrspace_map", "addrspace_map",
        // the RAM's extent object first; the modules leave the RM and go back to the
        // partition; the extent takes them with the RAM around them
        "partition_create_memextent", "addrspace_unmap", "memextent_donate", "addrspace_unmap", "memextent_donate",
        "memextent_configure", "object_activate"};
    std::vector<std::string> names = m.hv.names();
    REQUIRE(names.size() > expected.size());
    CHECK(std::vector<std::string>(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(expected.size())) ==
          expected);
    auto donations = m.hv.all("memextent_donate");
    REQUIRE(donations.size() == 2);
    CHECK(donations[0].args == std::vector<std::uint64_t>{GUNYAH_DONATE_TO_PARENT, kernel_cap, rm_partition, 0, 0x11000});
    CHECK(donations[1].args == std::vector<std::uint64_t>{GUNYAH_DONATE_TO_PARENT, initrd_cap, rm_partition, 0, 0x5000});
    auto configure = m.hv.all("memextent_configure");
    REQUIRE(configure.size() == 1);
    CHECK(configure[0].args[1] == placed_kernel);
    CHECK(configure[0].args[2] == 16 * mib);

    // The layout: kernel and initrd where they were; the DT above the kernel.
    const VmLayout& layout = vm.layout;
    CHECK(layout.ram == IpaRange{Ipa{placed_kernel}, 16 * mib});
    CHECK(layout.entry().raw() == placed_kernel);
    CHECK(layout.initrd == IpaRange{Ipa{placed_initrd}, initrd_size});
    CHECK(layout.dtb.base.raw() == placed_kernel + kernel_image_size);
    CHECK(m.bytes(placed_kernel, kernel_file_size)[kernel_file_size - 1] == kernel_byte(kernel_file_size - 1));
    CHECK(m.bytes(placed_initrd, 1)[0] == 0x5a);

    // The RM maps only the DT's slot to write it.
    auto maps = m.hv.all("addrspace_map");
    REQUIRE(maps.size() == 4);
    const std::uint64_t rw = GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_NORMAL_WB);
    CHECK(maps[3].args == std::vector<std::uint64_t>{rm_addrspace, vm.ram_extent, layout.dtb.base.raw(), rw,
                                                     GUNYAH_ADDRSPACE_MAP_PARTIAL, kernel_image_size, 0x10000});
    // Still cleaned to the point of coherency, and nothing is left mapped in the RM.
    CHECK(m.hv.all("memextent_modify").size() == 3);
    CHECK(m.hv.all("addrspace_unmap").size() == 3);  // the two modules, then the RAM window
    CHECK(m.hv.rm_mapping_count() == 0);
    CHECK(m.hv.all("vcpu_poweron")[0].args[1] == placed_kernel);
}

TEST_CASE("rm primary VM: an initrd outside the RAM is copied while the kernel runs in place")
{
    PlacedMachine m{bank_base + 48 * mib};  // above the 16 MiB of RAM from the kernel
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    CHECK(vm.kernel_in_place);
    CHECK_FALSE(vm.initrd_in_place);
    CHECK(m.hv.all("memextent_donate").size() == 1);
    CHECK(vm.layout.initrd.base.raw() == placed_kernel + kernel_image_size + 0x10000);
    CHECK(m.bytes(vm.layout.initrd.base.raw(), 1)[0] == 0x5a);
    CHECK(m.hv.rm_mapping_count() == 0);
}

TEST_CASE("rm primary VM: RAM around the modules that the hypervisor uses: the modules come back and are copied")
{
    PlacedMachine m;
    m.hv.fail_next("object_activate", {Error::busy});
    PrimaryVm vm;
    Diagnostic diag;
    Status s = build_primary_vm(m.request(), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(s.ok());
    CHECK_FALSE(vm.kernel_in_place);
    CHECK(std::string{vm.not_in_place} == "the hypervisor uses some of the RAM around the modules");
    auto donations = m.hv.all("memextent_donate");
    REQUIRE(donations.size() == 4);
    CHECK(donations[2].args == std::vector<std::uint64_t>{GUNYAH_DONATE_TO_CHILD, rm_partition, kernel_cap, 0, 0x11000});
    CHECK(donations[3].args == std::vector<std::uint64_t>{GUNYAH_DONATE_TO_CHILD, rm_partition, initrd_cap, 0, 0x5000});
    CHECK(m.hv.donated_to_parent.empty());
    // The refused extent is deleted, and the RAM is chosen from the free ranges as before.
    CHECK(m.hv.all("cspace_delete_cap_from").size() == 1);
    CHECK(vm.layout.ram.base.raw() == 0x40600000);  // the first 2 MiB boundary with 16 MiB free
    CHECK(m.bytes(vm.layout.kernel_file.base.raw(), kernel_file_size)[kernel_file_size - 1] ==
          kernel_byte(kernel_file_size - 1));
    CHECK(m.hv.rm_mapping_count() == 0);
}

TEST_CASE("rm primary VM: what keeps modules from being used in place")
{
    const PhysRange free_all[] = {PhysRange{PhysAddr{bank_base}, 64 * mib}};
    KernelImage kernel;
    kernel.file_size = kernel_file_size;
    kernel.image_size = kernel_image_size;
    auto request = [&](std::uint64_t kernel_base) {
        InPlaceRequest r;
        r.kernel = kernel;
        r.kernel_at = kernel_base;
        r.kernel_pages = PhysRange{PhysAddr{kernel_base & ~std::uint64_t{0xfff}}, 0x11000};
        r.free = free_all;
        r.free_count = 1;
        r.ram_size = 16 * mib;
        return r;
    };
    InPlacePlan ok = plan_in_place(request(placed_kernel));
    CHECK(ok.possible);
    CHECK(ok.ram == IpaRange{Ipa{placed_kernel}, 16 * mib});

    CHECK_THAT(plan_in_place(request(placed_kernel + 0x1000)).why, Catch::Contains("2 MiB boundary"));
    kernel.text_offset = 0x80000;  // an old kernel: 2 MiB boundary + text_offset is fine
    CHECK(plan_in_place(request(placed_kernel + 0x80000)).possible);
    kernel.text_offset = 0;

    InPlaceRequest r = request(bank_base + 56 * mib);  // the RAM would run past the bank
    CHECK_THAT(plan_in_place(r).why, Catch::Contains("not all free"));

    r = request(placed_kernel);
    r.initrd_pages = PhysRange{PhysAddr{placed_kernel + 0x20000}, 0x5000};  // inside the kernel's BSS
    r.initrd_at = placed_kernel + 0x20000;
    r.initrd_size = 0x5000;
    CHECK_THAT(plan_in_place(r).why, Catch::Contains("initrd module lies in the RAM"));
    r.initrd_pages = PhysRange{PhysAddr{placed_kernel + 16 * mib - 0x1000}, 0x5000};  // across the RAM's end
    r.initrd_at = r.initrd_pages.base.raw();
    CHECK_THAT(plan_in_place(r).why, Catch::Contains("straddles"));
    r.initrd_pages = PhysRange{PhysAddr{placed_kernel + 0x101000}, 0x5000};  // not 64 KiB aligned
    r.initrd_at = r.initrd_pages.base.raw();
    CHECK_THAT(plan_in_place(r).why, Catch::Contains("initrd module lies in the RAM"));
}

TEST_CASE("rm startup: the started line says what runs in place")
{
    PlacedMachine m;
    Capture out;
    Console console{&out};
    PrimaryVm vm;
    REQUIRE(start_primary_vm(*m.info, m.placement(), m.hv, m.hv, console, vm));
    CHECK_THAT(out.text, Catch::Contains("kernel at 0x40400000, DT at 0x40440000, initrd at 0x40500000 (in place)\n"));
}

namespace {

// The Machine with the board's own DTB in boot info: sc7280-idp, its /memory filled in
// the way the boot loader would ([0x40000000, +1 GiB): the bank, the hypervisor at
// 0x7f000000 and the RM's RAM), copied into the RM's RAM below boot info; its console
// the GENI debug UART (boot info's virtual PL011 at its address, with its SPI 606).
// `edit` changes the board's tree further.
struct BoardMachine : Machine {
    test::Blob board;

    explicit BoardMachine(const std::function<void(void*)>& edit = nullptr)
        : board{test::edited(test::debian_dtb("qcom/sc7280-idp.dtb"), [&](void* fdt) {
              test::set_cells(fdt, "/memory@80000000", "reg", {0x0, 0x40000000, 0x0, 0x40000000});
              if (edit) {
                  edit(fdt);
              }
          })}
    {
        info->platform.uart = rm_boot_range{0x994000, 0x1000};
        info->platform.uart_intid = 32 + 606;
        hv.add_ram(rm_ram_base, RM_RAM_SIZE);
        hv.add_extent(4, rm_ram_base, RM_RAM_SIZE);
        REQUIRE(hv.addrspace_map(rm_addrspace, 4, rm_ram_base, 0, 0, 0, 0) == Error::ok);
        info->hyp_phys = rm_boot_range{0x7f000000, 0x200000};
        const std::uint64_t room = (board.size() + 0xfff) & ~std::uint64_t{0xfff};
        info->board_dtb = rm_boot_range{rm_ram_base + RM_RAM_SIZE - RM_BOOT_INFO_RESERVED_SIZE - room, board.size()};
        info->flags |= RM_BOOT_INFO_BOARD_DTB;
        std::memcpy(bytes(info->board_dtb.base, board.size()), board.data(), board.size());
    }
};

}  // namespace

TEST_CASE("rm primary VM: on a board the VM gets the board's own DT, edited")
{
    BoardMachine m;
    Diagnostic diag;
    REQUIRE(check_boot_info(*m.info, sizeof *m.info, diag).ok());
    PrimaryVm vm;
    Status built = build_primary_vm(m.request(1), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(built.ok());
    INFO(diag.c_str());
    REQUIRE(vm.dtb_size > 0);
    const std::uint8_t* dtb = m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size);
    test::Blob tree(dtb, dtb + vm.dtb_size);
    auto found = test::discover(tree);
    REQUIRE(found->ok());
    const platform::PlatformInfo& info = found->info;
    CHECK(test::str(info.model) == "Qualcomm Technologies, Inc. sc7280 IDP SKU1 platform");
    CHECK(info.psci.method == platform::PsciMethod::smc);  // the board's, kept
    CHECK(info.cpu_count == 1);                            // only the VM's vCPU
    CHECK(info.cpus[0].mpidr == 0);
    CHECK(test::str(info.bootargs) == "console=ttyAMA0");

    const void* fdt = tree.data();
    CHECK(fdt_path_offset(fdt, "/hypervisor") >= 0);
    // The board's /memory minus the VM's RAM, the hypervisor and the RM named.
    const std::uint64_t vm_base = vm.layout.ram.base.raw(), vm_end = vm.layout.ram.end().raw();
    char path[80];
    std::snprintf(path, sizeof path, "/reserved-memory/hypervisor@%x", 0x7f000000);
    CHECK(fdt_path_offset(fdt, path) >= 0);
    std::snprintf(path, sizeof path, "/reserved-memory/resource-manager@%llx",
                  static_cast<unsigned long long>(rm_ram_base));
    CHECK(fdt_path_offset(fdt, path) >= 0);
    const int first = vm_base > 0x40000000 ? 1 : 0;  // [0x40000000, VM RAM), when not empty
    if (first == 1) {
        CHECK(fdt_path_offset(fdt, "/reserved-memory/gunyah-reserved0@40000000") >= 0);
    }
    std::snprintf(path, sizeof path, "/reserved-memory/gunyah-reserved%d@%llx", first,
                  static_cast<unsigned long long>(vm_end));
    CHECK(fdt_path_offset(fdt, path) >= 0);
    std::snprintf(path, sizeof path, "/reserved-memory/gunyah-reserved%d@%x", first + 2, 0x7f200000);
    CHECK(fdt_path_offset(fdt, path) >= 0);
    const int hyp = fdt_path_offset(fdt, "/reserved-memory/hypervisor@7f000000");
    CHECK(fdt_getprop(fdt, hyp, "no-map", nullptr) != nullptr);
}

TEST_CASE("rm primary VM: on a board, the first CPUs of /cpus become the vCPUs, renamed to their MPIDRs")
{
    BoardMachine m;
    PrimaryVm vm;
    Diagnostic diag;
    Status built = build_primary_vm(m.request(3), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(built.ok());
    const std::uint8_t* dtb = m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size);
    test::Blob tree(dtb, dtb + vm.dtb_size);
    auto found = test::discover(tree);
    REQUIRE(found->ok());
    // sc7280's CPUs are 0x0, 0x100, 0x200, ...: the VM's three are its vCPUs 0, 1, 2.
    REQUIRE(found->info.cpu_count == 3);
    for (std::uint32_t i = 0; i < 3; ++i) {
        CHECK(found->info.cpus[i].mpidr == hyp_abi::vcpu_mpidr(i));
    }
    // The nodes keep their names and phandles: the cpu-map still names each of them.
    const void* fdt = tree.data();
    const int cpu1 = fdt_path_offset(fdt, "/cpus/cpu@100");
    REQUIRE(cpu1 >= 0);
    const int core1 = fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core1");
    REQUIRE(core1 >= 0);
    int length = 0;
    const auto* cell = static_cast<const fdt32_t*>(fdt_getprop(fdt, core1, "cpu", &length));
    REQUIRE(length == 4);
    CHECK(fdt32_to_cpu(*cell) == fdt_get_phandle(fdt, cpu1));
    CHECK(fdt_path_offset(fdt, "/cpus/cpu@300") < 0);
    CHECK(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core3") < 0);
}

TEST_CASE("rm primary VM: on a board, more vCPUs than the board has CPUs stop the VM's start")
{
    BoardMachine m;
    PrimaryVm vm;
    Diagnostic diag;
    CHECK(!build_primary_vm(m.request(9), m.hv, m.hv, vm, diag).ok());
    INFO(diag.c_str());
    CHECK(std::string{diag.c_str()}.find("8 CPUs") != std::string::npos);
    CHECK(m.hv.all("vcpu_poweron").empty());
}

TEST_CASE("rm primary VM: on a board the vic has every SPI and the link the two highest the board's DT leaves free")
{
    // A device on SPI 987 (INTID 1019): the link must step below it.
    BoardMachine m{[](void* fdt) {
        const int node = fdt_add_subnode(fdt, test::node_at(fdt, "/soc@0"), "top-spi");
        REQUIRE(node >= 0);
        const fdt32_t interrupts[] = {cpu_to_fdt32(0), cpu_to_fdt32(987), cpu_to_fdt32(4)};
        REQUIRE(fdt_setprop(fdt, node, "interrupts", interrupts, sizeof interrupts) == 0);
    }};
    PrimaryVm vm;
    Diagnostic diag;
    Status built = build_primary_vm(m.request(1), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(built.ok());
    CHECK(vm.vic_spis == board_vic_spis);
    CHECK(vm.rm_rx_intid == 1018);
    CHECK(vm.rm_tx_intid == 1017);
    auto configured = m.hv.all("vic_configure");
    REQUIRE(configured.size() == 1);
    CHECK(configured[0].args == std::vector<std::uint64_t>{vm.vic, 1, 988, 0, 0});
    auto sends = m.hv.all("msgqueue_bind_send_virq");
    auto receives = m.hv.all("msgqueue_bind_receive_virq");
    REQUIRE(sends.size() == 2);
    REQUIRE(receives.size() == 2);
    CHECK(sends[0].args == std::vector<std::uint64_t>{vm.rm_link.to_rm, vm.vic, 1017});
    CHECK(receives[0].args == std::vector<std::uint64_t>{vm.rm_link.from_rm, vm.vic, 1018});

    // The /hypervisor node carries them, and the console is the PL011 at the GENI UART's
    // address with its SPI.
    const std::uint8_t* dtb = m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size);
    test::Blob tree(dtb, dtb + vm.dtb_size);
    char path[64];
    std::snprintf(path, sizeof path, "/hypervisor/gunyah-resource-mgr@%llx",
                  static_cast<unsigned long long>(vm.rm_link.client_tx));
    const int node = fdt_path_offset(tree.data(), path);
    REQUIRE(node >= 0);
    int length = 0;
    const auto* irqs = static_cast<const fdt32_t*>(fdt_getprop(tree.data(), node, "interrupts", &length));
    REQUIRE(length == 24);
    CHECK(fdt32_to_cpu(irqs[1]) == 1017 - 32);
    CHECK(fdt32_to_cpu(irqs[4]) == 1018 - 32);
    auto found = test::discover(tree);
    INFO(found->message());
    REQUIRE(found->ok());
    CHECK(found->info.console.kind == platform::ConsoleKind::pl011);
    CHECK(found->info.console.regs == test::range(0x994000, 0x1000));
    CHECK(found->info.console.intid == 32 + 606);
}

TEST_CASE("rm primary VM: on a board, a console address the board's DT does not have stops the VM's start")
{
    BoardMachine m;
    m.info->platform.uart = rm_boot_range{0x9000000, 0x1000};  // QEMU virt's PL011, not on sc7280
    PrimaryVm vm;
    Diagnostic diag;
    CHECK(build_primary_vm(m.request(1), m.hv, m.hv, vm, diag).error() == Error::arg_inval);
    INFO(diag.c_str());
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("no node at the console's address 0x9000000"));
    CHECK(m.hv.all("vcpu_poweron").empty());
}

TEST_CASE("rm primary VM: without a board DTB the RM still writes its own tree")
{
    Machine m;
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    auto found = test::discover(test::Blob(m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size),
                                           m.bytes(vm.layout.dtb.base.raw(), vm.dtb_size) + vm.dtb_size));
    REQUIRE(found->ok());
    CHECK(found->info.psci.method == platform::PsciMethod::hvc);
    CHECK(vm.layout.dtb.size == default_dtb_max_size);
}

namespace {

// Boot info's device memory: two ranges, each under an extent the fake knows.
void give_device_memory(Machine& m)
{
    m.info->device_range_count = 2;
    m.info->device_ranges[0] = rm_boot_device_range{{0x0, 0x08000000}, 40};
    m.info->device_ranges[1] = rm_boot_device_range{{0x09001000, 0x36fff000}, 41};
    m.hv.add_extent(40, 0x0, 0x08000000);
    m.hv.add_extent(41, 0x09001000, 0x36fff000);
}

}  // namespace

TEST_CASE("rm primary VM: on a board the VM gets the device memory at IPA = PA, Device-nGnRE, read-write")
{
    BoardMachine m;
    give_device_memory(m);
    PrimaryVm vm;
    Diagnostic diag;
    Status built = build_primary_vm(m.request(1), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(built.ok());
    std::vector<FakeHypervisor::GuestMapping> devices;
    for (const auto& mapping : m.hv.guest_mappings) {
        if (mapping.addrspace == vm.addrspace && (mapping.extent == 40 || mapping.extent == 41)) {
            devices.push_back(mapping);
        }
    }
    REQUIRE(devices.size() == 2);
    CHECK(devices[0].vbase == 0x0);
    CHECK(devices[1].vbase == 0x09001000);
    CHECK(devices[1].size == 0x36fff000);
    for (const auto& call : m.hv.all("addrspace_map")) {
        if (call.args[1] == 40 || call.args[1] == 41) {
            CHECK(call.args[3] == GUNYAH_MAPPING_ATTRS(GUNYAH_ACCESS_RW, GUNYAH_ACCESS_RW, GUNYAH_S2_MEMTYPE_DEVICE_NGNRE));
        }
    }
}

TEST_CASE("rm primary VM: with its own tree (QEMU virt) the VM gets no device memory")
{
    Machine m;
    give_device_memory(m);
    PrimaryVm vm;
    Diagnostic diag;
    REQUIRE(build_primary_vm(m.request(), m.hv, m.hv, vm, diag).ok());
    for (const auto& call : m.hv.all("addrspace_map")) {
        CHECK(call.args[1] != 40);
        CHECK(call.args[1] != 41);
    }
}

TEST_CASE("rm primary VM: a device range that does not map stops the VM's start, named")
{
    BoardMachine m;
    give_device_memory(m);
    m.hv.add_extent(41, 0x09001000, 0);  // the fake refuses to map an unconfigured extent
    PrimaryVm vm;
    Diagnostic diag;
    CHECK_FALSE(build_primary_vm(m.request(1), m.hv, m.hv, vm, diag).ok());
    CHECK_THAT(diag.c_str(), Catch::Contains("device memory [0x9001000, +0x36fff000)"));
    CHECK(m.hv.all("vcpu_poweron").empty());
}

TEST_CASE("rm primary VM: on a board every hardware interrupt goes to its own INTID, but those its devices took")
{
    BoardMachine m;
    m.info->hwirq_count = 70;
    for (std::uint32_t i = 0; i < RM_BOOT_INFO_MAX_HWIRQS; ++i) {
        m.info->hwirq_caps[i] = i < 70 && i != 1 ? 1000 + i : GUNYAH_CAP_ID_INVALID;  // INTID 33: the hypervisor's
    }
    m.hv.fail_next("hwirq_bind_virq", {Error::ok, Error::irq_bound});  // INTID 34: taken already
    PrimaryVm vm;
    Diagnostic diag;
    Status built = build_primary_vm(m.request(1), m.hv, m.hv, vm, diag);
    INFO(diag.c_str());
    REQUIRE(built.ok());
    const auto calls = m.hv.all("hwirq_bind_virq");
    REQUIRE_FALSE(calls.empty());
    for (const auto& call : calls) {
        CHECK(call.args[0] == 1000 + call.args[2] - 32);  // hwirq i to INTID 32 + i
        CHECK(call.args[1] == vm.vic);
    }
    CHECK(vm.vic_spis == RM_BOOT_INFO_MAX_HWIRQS);  // on a board: every SPI, so none is beyond
    CHECK(calls.size() == 69);
    CHECK(vm.hwirqs.bound == 68);
    CHECK(vm.hwirqs.in_use == 1);
    CHECK(vm.hwirqs.beyond == 0);
}

TEST_CASE("rm primary VM: a hardware interrupt that does not bind stops the VM's start, and none binds on QEMU's own tree")
{
    BoardMachine m;
    m.info->hwirq_count = 4;
    for (std::uint32_t i = 0; i < 4; ++i) {
        m.info->hwirq_caps[i] = 1000 + i;
    }
    m.hv.fail_next("hwirq_bind_virq", {Error::ok, Error::object_state});
    PrimaryVm vm;
    Diagnostic diag;
    CHECK_FALSE(build_primary_vm(m.request(1), m.hv, m.hv, vm, diag).ok());
    CHECK_THAT(diag.c_str(), Catch::Contains("hwirq_bind_virq (INTID 33 to the primary VM) failed"));
    CHECK(m.hv.all("vcpu_poweron").empty());

    Machine own;
    own.info->hwirq_count = 4;
    for (std::uint32_t i = 0; i < 4; ++i) {
        own.info->hwirq_caps[i] = 1000 + i;
    }
    PrimaryVm vm2;
    REQUIRE(build_primary_vm(own.request(), own.hv, own.hv, vm2, diag).ok());
    CHECK(own.hv.all("hwirq_bind_virq").empty());
}
