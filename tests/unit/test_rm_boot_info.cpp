// The boot-info structure the hypervisor hands the RM: its layout pinned, the RM's
// checks on it, module selection, and the whole hypercall-free part of starting the
// primary VM (RAM, Image header, layout, device tree) run from a boot info filled as
// the kernel would fill it on QEMU virt, read back by the hypervisor's discovery.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hyp_api/rm_boot_info.h"
#include "rm/boot/boot_info.h"
#include "rm/boot/image_header.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
using hyp::test::str;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

void add_module(rm_boot_info& info, std::uint32_t kind, std::uint64_t base, std::uint64_t size, const char* bootargs,
                std::uint64_t cap)
{
    rm_boot_module& module = info.modules[info.module_count++];
    module.kind = kind;
    module.phys = rm_boot_range{base, size};
    module.memextent_cap = cap;
    std::strncpy(module.bootargs, bootargs, sizeof module.bootargs - 1);
}

// What the kernel would write on QEMU virt with -smp 4 -m 2G and two guest-loader modules.
std::unique_ptr<rm_boot_info> qemu_boot_info()
{
    auto info = std::make_unique<rm_boot_info>();
    std::memset(info.get(), 0, sizeof *info);
    info->magic = RM_BOOT_INFO_MAGIC;
    info->version = RM_BOOT_INFO_VERSION;
    info->size = sizeof(rm_boot_info);
    info->partition_cap = 1;
    info->cspace_cap = 2;
    info->addrspace_cap = 3;
    info->ram_memextent_cap = 4;
    info->ram_ipa = rm_boot_range{0x80000000, 16 * mib};
    info->ram_phys = rm_boot_range{0xbf000000, 16 * mib};
    info->ram_range_count = 2;
    info->ram_ranges[0] = rm_boot_range{0x40000000, 0x7000000};  // below the modules: too small
    info->ram_ranges[1] = rm_boot_range{0x4a100000, 0x74f00000};

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
    p.cpu_count = 4;
    for (std::uint32_t i = 0; i < 4; ++i) {
        p.cpu_mpidrs[i] = i;
    }
    add_module(*info, RM_BOOT_MODULE_RAMDISK, 0x4a000000, 0x80000, "", 10);
    add_module(*info, RM_BOOT_MODULE_KERNEL, 0x48000000, 0x1f6dcc0, "console=ttyAMA0 earlycon", 11);
    return info;
}

std::string check(const rm_boot_info& info, Error expected, std::size_t available = sizeof(rm_boot_info))
{
    Diagnostic diag;
    Status status = check_boot_info(info, available, diag);
    CHECK(status.error() == expected);
    return diag.c_str();
}

}  // namespace

TEST_CASE("rm boot info: the layout is pinned field by field")
{
    CHECK(sizeof(rm_boot_info) == 18400);  // version 4: device_ranges, hwirq_caps
    CHECK(alignof(rm_boot_info) == 8);
    CHECK(offsetof(rm_boot_info, magic) == 0);
    CHECK(offsetof(rm_boot_info, partition_cap) == 16);
    CHECK(offsetof(rm_boot_info, ram_memextent_cap) == 40);
    CHECK(offsetof(rm_boot_info, ram_ranges) == 88);
    CHECK(offsetof(rm_boot_info, platform) == 344);
    CHECK(offsetof(rm_boot_info, modules) == 952);
    CHECK(offsetof(rm_boot_info, modules[1]) == 952 + 1056);
    CHECK(offsetof(rm_boot_info, flags) == 952 + 8 * 1056);
    CHECK(offsetof(rm_boot_info, options) == 952 + 8 * 1056 + 8);
    CHECK(sizeof(rm_boot_info{}.options) == 256);
    CHECK(offsetof(rm_boot_platform, cpu_mpidrs) == 96);
    CHECK(offsetof(rm_boot_platform, uart) == 40);
    CHECK(offsetof(rm_boot_module, bootargs) == 32);
    CHECK(offsetof(rm_boot_info, board_dtb) == 9696);
    CHECK(offsetof(rm_boot_info, device_range_count) == 9712);
    CHECK(offsetof(rm_boot_info, device_ranges) == 9720);
    CHECK(sizeof(rm_boot_device_range) == 24);
    CHECK(offsetof(rm_boot_info, hwirq_count) == 10488);
    CHECK(offsetof(rm_boot_info, hwirq_caps) == 10496);
    // Boot info takes the top five pages of the RM's 4 MiB.
    CHECK(RM_BOOT_INFO_RESERVED_SIZE == 5 * 4096);
    CHECK(RM_RAM_SIZE == 4 * mib);
    // "RMBI" in memory, as a hex dump of the RM's RAM shows it.
    std::uint32_t magic = RM_BOOT_INFO_MAGIC;
    CHECK(std::memcmp(&magic, "RMBI", 4) == 0);
}

TEST_CASE("rm boot info: what the kernel fills for QEMU virt passes the RM's checks")
{
    auto info = qemu_boot_info();
    CHECK(check(*info, Error::ok) == "");
}

TEST_CASE("rm boot info: a wrong magic, version or size is refused before anything else is read")
{
    auto info = qemu_boot_info();
    info->magic = 0x12345678;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("magic 0x12345678"));

    info = qemu_boot_info();
    info->version = RM_BOOT_INFO_VERSION + 1;
    CHECK_THAT(check(*info, Error::unimplemented),
               Catch::Contains("this RM reads version " + std::to_string(RM_BOOT_INFO_VERSION)));

    info = qemu_boot_info();
    info->size = sizeof(rm_boot_info) - 8;
    CHECK_THAT(check(*info, Error::arg_size), Catch::Contains("size " + std::to_string(sizeof(rm_boot_info) - 8)));

    info = qemu_boot_info();
    check(*info, Error::arg_size, sizeof(rm_boot_info) - 1);
    check(*info, Error::arg_size, 8);
}

TEST_CASE("rm boot info: counts beyond their arrays are refused")
{
    auto info = qemu_boot_info();
    info->module_count = RM_BOOT_INFO_MAX_MODULES + 1;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("9 modules"));

    info = qemu_boot_info();
    info->ram_range_count = RM_BOOT_INFO_MAX_RAM_RANGES + 1;
    check(*info, Error::arg_inval);

    info = qemu_boot_info();
    info->platform.cpu_count = GENERATE(0u, RM_BOOT_INFO_MAX_CPUS + 1);
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("CPUs"));

    info = qemu_boot_info();
    info->platform.boot_cpu = 4;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("boot CPU 4"));
}

TEST_CASE("rm boot info: device ranges must be non-empty, not wrap, and rise")
{
    auto info = qemu_boot_info();
    info->device_range_count = 2;
    info->device_ranges[0] = rm_boot_device_range{{0x0, 0x08000000}, 20};
    info->device_ranges[1] = rm_boot_device_range{{0x09001000, 0x36fff000}, 21};
    CHECK(check(*info, Error::ok) == "");

    info->device_range_count = RM_BOOT_INFO_MAX_DEVICE_RANGES + 1;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("33 device ranges"));
    info->device_range_count = 2;
    info->device_ranges[1].phys.base = 0x07fff000;  // overlaps the first
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("device range 1"));
    info->device_ranges[1].phys = rm_boot_range{0x09001000, 0};
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("device range 1"));
    info->device_ranges[1].phys = rm_boot_range{~std::uint64_t{0} - 0xfff, 0x2000};
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("device range 1"));
}

TEST_CASE("rm boot info: a module of unknown kind, empty range or unterminated bootargs is refused")
{
    auto info = qemu_boot_info();
    info->modules[1].kind = 0;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("module 1 has unknown kind 0"));

    info = qemu_boot_info();
    info->modules[0].phys.size = 0;
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("module 0 range"));

    info = qemu_boot_info();
    info->modules[1].phys = rm_boot_range{~std::uint64_t{0} - 0xfff, 0x2000};
    check(*info, Error::arg_inval);

    info = qemu_boot_info();
    std::memset(info->modules[1].bootargs, 'x', sizeof info->modules[1].bootargs);
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("not NUL-terminated"));

    info = qemu_boot_info();
    info->ram_ranges[1] = rm_boot_range{~std::uint64_t{0} - 0xfff, 0x2000};
    CHECK_THAT(check(*info, Error::arg_inval), Catch::Contains("RAM range 1"));
}

TEST_CASE("rm boot info: the primary VM gets the first kernel and the first ramdisk module")
{
    auto info = qemu_boot_info();
    add_module(*info, RM_BOOT_MODULE_KERNEL, 0x50000000, 0x1000, "second", 12);
    add_module(*info, RM_BOOT_MODULE_RAMDISK, 0x51000000, 0x1000, "", 13);
    add_module(*info, RM_BOOT_MODULE_OTHER, 0x52000000, 0x1000, "", 14);
    Diagnostic diag;
    Result<PrimaryModules> modules = find_primary_modules(*info, diag);
    REQUIRE(modules.ok());
    CHECK(modules->kernel == &info->modules[1]);
    CHECK(modules->ramdisk == &info->modules[0]);
}

TEST_CASE("rm boot info: without a kernel module the RM says there is nothing to start")
{
    auto info = qemu_boot_info();
    info->module_count = 1;  // the ramdisk only
    Diagnostic diag;
    Result<PrimaryModules> modules = find_primary_modules(*info, diag);
    CHECK(modules.error() == Error::arg_inval);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("no multiboot,kernel boot module (1 modules)") &&
                                              Catch::Contains("powering off"));

    info->module_count = 0;
    CHECK_FALSE(find_primary_modules(*info, diag).ok());
}

TEST_CASE("rm boot info: the primary VM's RAM is a 2 MiB-aligned free block, at IPA = PA")
{
    auto info = qemu_boot_info();
    Diagnostic diag;
    Result<IpaRange> ram = choose_primary_ram(*info, default_primary_ram_size, diag);
    REQUIRE(ram.ok());
    CHECK(*ram == IpaRange{Ipa{0x4a200000}, 512 * mib});
    CHECK(choose_primary_ram(*info, 4096 * mib, diag).error() == Error::nomem);
}

TEST_CASE("rm boot info: from boot info to a device tree the hypervisor's discovery accepts")
{
    auto info = qemu_boot_info();
    Diagnostic diag;
    REQUIRE(check_boot_info(*info, sizeof *info, diag).ok());
    Result<PrimaryModules> modules = find_primary_modules(*info, diag);
    REQUIRE(modules.ok());

    // The kernel module's first bytes: Debian 12's header.
    std::vector<std::uint8_t> header(64);
    const std::uint8_t image_size[] = {0x00, 0x00, 0x01, 0x02};
    std::memcpy(&header[16], image_size, 4);
    header[24] = 0x0a;
    std::memcpy(&header[56], "ARM\x64", 4);
    Result<KernelImage> kernel = parse_image_header(header.data(), modules->kernel->phys.size, diag);
    REQUIRE(kernel.ok());

    Result<IpaRange> ram = choose_primary_ram(*info, default_primary_ram_size, diag);
    REQUIRE(ram.ok());
    VmLayoutRequest request;
    request.ram = *ram;
    request.kernel = *kernel;
    request.initrd_size = modules->ramdisk->phys.size;
    Result<VmLayout> layout = plan_vm_layout(request, diag);
    REQUIRE(layout.ok());
    CHECK(layout->entry().raw() == 0x4a200000);
    CHECK(layout->dtb_address().raw() == 0x4a200000 + 0x2010000);
    CHECK(layout->initrd == IpaRange{Ipa{0x4a200000 + 0x2020000}, 0x80000});

    auto config = std::make_unique<PrimaryDtConfig>();
    REQUIRE(configure_primary_dt(*info, *modules->kernel, *layout, *config, diag).ok());
    std::vector<std::uint64_t> buffer(layout->dtb.size / 8);
    Result<std::size_t> size = build_primary_dt(*config, buffer.data(), layout->dtb.size, diag);
    INFO(diag.c_str());
    REQUIRE(size.ok());

    const auto* bytes = reinterpret_cast<const std::uint8_t*>(buffer.data());
    auto found = test::discover(test::Blob(bytes, bytes + *size));
    REQUIRE(found->ok());
    CHECK(test::runnable_problem(found->info) == "");
    const platform::PlatformInfo& vm = found->info;
    CHECK(vm.memory[0] == test::range(0x4a200000, 512 * mib));
    REQUIRE(vm.cpu_count == 4);
    CHECK(vm.cpus[3].mpidr == 3);
    CHECK(vm.gic.distributor == test::range(0x08000000, 0x10000));
    CHECK(vm.gic.redistributor_regions[0] == test::range(0x080a0000, 4 * 0x20000));
    CHECK(vm.timer.virt_intid == 27);
    CHECK(vm.console.regs == test::range(0x09000000, 0x1000));
    CHECK(vm.console.intid == 33);
    CHECK(vm.psci.method == platform::PsciMethod::hvc);
    CHECK(str(vm.bootargs) == "console=ttyAMA0 earlycon");
}

TEST_CASE("rm boot info: the primary VM may have more vCPUs than the machine has CPUs (rm.vcpus)")
{
    auto info = qemu_boot_info();
    VmLayout layout;
    layout.ram = IpaRange{Ipa{0x4a200000}, 512 * mib};
    auto config = std::make_unique<PrimaryDtConfig>();
    Diagnostic diag;
    REQUIRE(configure_primary_dt(*info, info->modules[1], layout, 6, *config, diag).ok());
    CHECK(config->vcpu_count == 6);
    CHECK(config->vcpu_mpidrs[5] == 5);
    // Each vCPU needs its redistributor frames, however many CPUs there are.
    info->platform.gicr.size = 5 * 0x20000;
    CHECK(configure_primary_dt(*info, info->modules[1], layout, 6, *config, diag).error() == Error::arg_inval);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("cannot hold frames for 6 vCPUs"));
}

TEST_CASE("rm boot info: a redistributor region too small for a frame pair per vCPU is refused")
{
    auto info = qemu_boot_info();
    info->platform.gicr.size = 3 * 0x20000;
    VmLayout layout;
    layout.ram = IpaRange{Ipa{0x4a200000}, 512 * mib};
    auto config = std::make_unique<PrimaryDtConfig>();
    Diagnostic diag;
    CHECK(configure_primary_dt(*info, info->modules[1], layout, *config, diag).error() == Error::arg_inval);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("cannot hold frames for 4 vCPUs"));
}
