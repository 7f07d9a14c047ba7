// The kernel's side of boot info: build_rm_boot_info() fills the structure the RM gets in
// x0 from discovery's PlatformInfo, the RM's caps and RAM, the free RAM and the command
// line. Every field is checked, then the result goes through the RM's own
// check_boot_info(), so both sides agree on the contract.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hyp_api/rm_boot_info.h"
#include "kernel/boot/rm_boot_info_builder.h"
#include "rm/boot/boot_info.h"
#include "rm/boot/options.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

PhysRange range(std::uint64_t base, std::uint64_t size) { return PhysRange{PhysAddr{base}, size}; }

platform::DtString dt(const char* s) { return platform::DtString{s, std::strlen(s)}; }

// What discovery finds on QEMU virt with -smp 4 and two guest-loader modules.
std::unique_ptr<platform::PlatformInfo> qemu_platform()
{
    auto p = std::make_unique<platform::PlatformInfo>();
    p->memory[0] = range(0x40000000, 2048 * mib);
    p->memory_count = 1;
    p->cpu_count = 4;
    for (std::size_t i = 0; i < 4; ++i) {
        p->cpus[i].mpidr = i;
    }
    p->gic.version = platform::GicVersion::v3;
    p->gic.distributor = range(0x08000000, 0x10000);
    p->gic.redistributor_regions[0] = range(0x080a0000, 0xf60000);
    p->gic.redistributor_region_count = 1;
    p->gic.maintenance_intid = 25;
    p->console.kind = platform::ConsoleKind::pl011;
    p->console.regs = range(0x09000000, 0x1000);
    p->console.intid = 33;
    p->timer.present = true;
    p->timer.secure_phys_intid = 29;
    p->timer.nonsecure_phys_intid = 30;
    p->timer.virt_intid = 27;
    p->timer.hyp_phys_intid = 26;
    p->modules[0] = platform::BootModule{platform::ModuleKind::kernel, range(0x48000000, 0x1f6dcc0),
                                         dt("console=ttyAMA0 earlycon")};
    p->modules[1] = platform::BootModule{platform::ModuleKind::ramdisk, range(0x4a000000, 0x80000), {}};
    p->modules[2] = platform::BootModule{platform::ModuleKind::other, range(0x4a100000, 0x1000), {}};
    p->module_count = 3;
    return p;
}

struct Fixture {
    std::unique_ptr<platform::PlatformInfo> platform = qemu_platform();
    std::vector<PhysRange> free = {range(0x4a200000, 0x35e00000), range(0x40000000, 0x7000000)};
    RmBootInfoInputs inputs;
    std::unique_ptr<rm_boot_info> out = std::make_unique<rm_boot_info>();

    Fixture()
    {
        inputs.platform = platform.get();
        inputs.caps.partition = 1;
        inputs.caps.cspace = 2;
        inputs.caps.addrspace = 3;
        inputs.caps.ram_memextent = 4;
        inputs.caps.vic = 5;
        inputs.caps.vic_spis = 64;
        inputs.caps.modules[0] = 10;
        inputs.caps.modules[1] = 11;
        inputs.rm_ram = range(0xbfc00000, RM_RAM_SIZE);
        inputs.free_ram = free.data();
        inputs.free_ram_count = free.size();
        inputs.cmdline = fmt::StrView{"hyp.log=debug rm.mem=256M rm.vcpus=8", 36};
        std::memset(out.get(), 0xa5, sizeof *out);  // the builder must set every byte
    }

    Result<RmBootInfoReport> build()
    {
        inputs.free_ram = free.data();
        inputs.free_ram_count = free.size();
        return build_rm_boot_info(inputs, *out);
    }
};

fmt::StrView view(const std::string& s) { return fmt::StrView{s.data(), s.size()}; }

}  // namespace

TEST_CASE("rm boot info builder: QEMU virt's platform, caps, RAM and command line, field by field")
{
    Fixture f;
    Result<RmBootInfoReport> report = f.build();
    REQUIRE(report.ok());
    CHECK(report->options_dropped == 0);
    CHECK(report->bootargs_truncated == 0);
    CHECK(report->ram_ranges_dropped == 0);

    const rm_boot_info& info = *f.out;
    CHECK(info.magic == RM_BOOT_INFO_MAGIC);
    CHECK(info.version == RM_BOOT_INFO_VERSION);
    CHECK(info.size == sizeof(rm_boot_info));
    CHECK(info.reserved0 == 0);
    CHECK(info.reserved1 == 0);
    CHECK(info.reserved2 == 0);
    CHECK(info.flags == 0);
    CHECK(info.partition_cap == 1);
    CHECK(info.cspace_cap == 2);
    CHECK(info.addrspace_cap == 3);
    CHECK(info.ram_memextent_cap == 4);
    CHECK(info.vic_cap == 5);
    CHECK(info.vic_spis == 64);
    CHECK(info.reserved3 == 0);
    CHECK(info.ram_ipa.base == 0xbfc00000);
    CHECK(info.ram_ipa.size == RM_RAM_SIZE);
    CHECK(info.ram_phys.base == 0xbfc00000);

    // Sorted by base.
    REQUIRE(info.ram_range_count == 2);
    CHECK(info.ram_ranges[0].base == 0x40000000);
    CHECK(info.ram_ranges[1].base == 0x4a200000);
    CHECK(info.ram_ranges[1].size == 0x35e00000);

    const rm_boot_platform& p = info.platform;
    CHECK(p.gicd.base == 0x08000000);
    CHECK(p.gicr.base == 0x080a0000);
    CHECK(p.gicr.size == 0xf60000);
    CHECK(p.gicr_stride == 0);
    CHECK(p.uart.base == 0x09000000);
    CHECK(p.uart.size == 0x1000);
    CHECK(p.uart_intid == 33);
    CHECK(p.gic_maintenance_intid == 25);
    CHECK(p.timer_secure_phys_intid == 29);
    CHECK(p.timer_nonsecure_phys_intid == 30);
    CHECK(p.timer_virt_intid == 27);
    CHECK(p.timer_hyp_phys_intid == 26);
    CHECK(p.timer_frequency_hz == 0);
    CHECK(p.cpu_count == 4);
    CHECK(p.boot_cpu == 0);
    CHECK(p.reserved0 == 0);
    CHECK(p.cpu_mpidrs[3] == 3);
    CHECK(p.cpu_mpidrs[4] == 0);

    REQUIRE(info.module_count == 3);
    CHECK(info.modules[0].kind == RM_BOOT_MODULE_KERNEL);
    CHECK(info.modules[0].phys.base == 0x48000000);
    CHECK(info.modules[0].phys.size == 0x1f6dcc0);
    CHECK(info.modules[0].memextent_cap == 10);
    CHECK(std::string{info.modules[0].bootargs} == "console=ttyAMA0 earlycon");
    CHECK(info.modules[0].flags == 0);
    CHECK(info.modules[1].kind == RM_BOOT_MODULE_RAMDISK);
    CHECK(info.modules[1].memextent_cap == 11);
    CHECK(info.modules[1].bootargs[0] == '\0');
    CHECK(info.modules[2].kind == RM_BOOT_MODULE_OTHER);
    CHECK(info.modules[2].memextent_cap == GUNYAH_CAP_ID_INVALID);  // not given
    for (char c : info.modules[3].bootargs) {
        REQUIRE(c == '\0');  // unused entries are zero
    }

    CHECK(std::string{info.options} == "rm.mem=256M rm.vcpus=8");
}

TEST_CASE("rm boot info builder: what it builds passes the RM's checks and gives the RM its options")
{
    Fixture f;
    REQUIRE(f.build().ok());
    rm::Diagnostic diag;
    CHECK(rm::check_boot_info(*f.out, sizeof *f.out, diag).ok());
    INFO(diag.c_str());

    rm::RmOptions options;
    rm::UnknownOptions unknown;
    REQUIRE(rm::parse_rm_options(f.out->options, sizeof f.out->options, options, unknown, diag).ok());
    CHECK(options.primary_ram_size == 256 * mib);
    CHECK(options.vcpus == 8);
    CHECK(unknown.count == 0);
}

TEST_CASE("rm boot info builder: boot info sits in the top five pages of the RM's RAM")
{
    CHECK(rm_boot_info_address(range(0xbfc00000, RM_RAM_SIZE)) == PhysAddr{0xbfc00000 + RM_RAM_SIZE - 0x5000});
}

TEST_CASE("rm boot info builder: only rm. words are options, kept in order, bare words and empty values too")
{
    Fixture f;
    const std::string line = "console=ttyAMA0 rm.x rmx=1 rm.mem=1G\trm.= rm.vcpus= rm.mem=2G  hyp.rm.y=1 rm";
    f.inputs.cmdline = view(line);
    REQUIRE(f.build().ok());
    CHECK(std::string{f.out->options} == "rm.x rm.mem=1G rm.= rm.vcpus= rm.mem=2G");
    CHECK(f.out->flags == 0);

    f.inputs.cmdline = {};
    REQUIRE(f.build().ok());
    CHECK(std::string{f.out->options}.empty());
}

TEST_CASE("rm boot info builder: options that do not fit are left out whole, and flagged")
{
    Fixture f;
    // 25 words of 10 bytes fill 25 * 11 - 1 = 274 bytes: 23 fit in 255 (252 bytes).
    std::string line;
    for (int i = 0; i < 25; ++i) {
        line += "rm.opt=" + std::to_string(100 + i) + " ";
    }
    f.inputs.cmdline = view(line);
    Result<RmBootInfoReport> report = f.build();
    REQUIRE(report.ok());
    CHECK(report->options_dropped == 2);
    CHECK((f.out->flags & RM_BOOT_INFO_OPTIONS_TRUNCATED) != 0);
    const std::string options{f.out->options};
    CHECK(options.size() == 23 * 11 - 1);
    CHECK(options.substr(options.size() - 10) == "rm.opt=122");

    // A long word is left out, a later short one still goes in.
    line = "rm.a=" + std::string(300, 'x') + " rm.b=1";
    f.inputs.cmdline = view(line);
    Result<RmBootInfoReport> long_word = f.build();
    REQUIRE(long_word.ok());
    CHECK(long_word->options_dropped == 1);
    CHECK(std::string{f.out->options} == "rm.b=1");

    // Exactly 255 bytes fit.
    line = "rm.a=" + std::string(250, 'y');
    f.inputs.cmdline = view(line);
    Result<RmBootInfoReport> exact = f.build();
    REQUIRE(exact.ok());
    CHECK(exact->options_dropped == 0);
    CHECK(std::string{f.out->options}.size() == 255);
    CHECK(f.out->flags == 0);
}

TEST_CASE("rm boot info builder: bootargs longer than the field are cut at 1023 bytes and flagged")
{
    Fixture f;
    const std::string long_args(1500, 'a');
    f.platform->modules[0].bootargs = platform::DtString{long_args.data(), long_args.size()};
    Result<RmBootInfoReport> report = f.build();
    REQUIRE(report.ok());
    CHECK(report->bootargs_truncated == 1);
    CHECK((f.out->modules[0].flags & RM_BOOT_MODULE_BOOTARGS_TRUNCATED) != 0);
    CHECK(std::string{f.out->modules[0].bootargs} == long_args.substr(0, RM_BOOT_INFO_BOOTARGS_SIZE - 1));

    // 1023 bytes fit; a DT string's own NUL ends it.
    const std::string exact(RM_BOOT_INFO_BOOTARGS_SIZE - 1, 'b');
    f.platform->modules[0].bootargs = platform::DtString{exact.data(), exact.size()};
    REQUIRE(f.build().ok());
    CHECK(f.out->modules[0].flags == 0);
    const char with_nul[] = "quiet\0junk";
    f.platform->modules[0].bootargs = platform::DtString{with_nul, sizeof with_nul};
    REQUIRE(f.build().ok());
    CHECK(std::string{f.out->modules[0].bootargs} == "quiet");
    CHECK(f.out->modules[0].flags == 0);
}

TEST_CASE("rm boot info builder: more free ranges than the structure holds keeps the lowest, flagged")
{
    Fixture f;
    f.free.clear();
    for (std::uint64_t i = 20; i-- > 0;) {  // given highest first
        f.free.push_back(range(0x40000000 + i * 0x1000000, 0x800000));
    }
    f.free.push_back(range(0x90000000, 0));  // empty: skipped, not counted
    Result<RmBootInfoReport> report = f.build();
    REQUIRE(report.ok());
    CHECK(report->ram_ranges_dropped == 4);
    CHECK((f.out->flags & RM_BOOT_INFO_RAM_RANGES_TRUNCATED) != 0);
    REQUIRE(f.out->ram_range_count == RM_BOOT_INFO_MAX_RAM_RANGES);
    for (std::size_t i = 0; i < RM_BOOT_INFO_MAX_RAM_RANGES; ++i) {
        CHECK(f.out->ram_ranges[i].base == 0x40000000 + i * 0x1000000);
    }
}

TEST_CASE("rm boot info builder: inconsistent inputs are refused")
{
    Fixture f;
    f.inputs.boot_cpu = 4;
    CHECK(f.build().error() == Error::arg_inval);

    Fixture g;
    g.free.push_back(range(0x4a300000, 0x1000));  // inside the first range
    CHECK(g.build().error() == Error::arg_inval);

    Fixture h;
    h.free.push_back(range(~std::uint64_t{0} - 0xfff, 0x2000));
    CHECK(h.build().error() == Error::arg_inval);

    Fixture i;
    i.inputs.rm_ram = range(0xbfd00000, RM_RAM_SIZE);  // not 2 MiB aligned
    CHECK(i.build().error() == Error::arg_inval);
    i.inputs.rm_ram = range(0xbfc00000, RM_RAM_SIZE / 2);
    CHECK(i.build().error() == Error::arg_inval);

    Fixture j;
    j.inputs.platform = nullptr;
    CHECK(j.build().error() == Error::arg_inval);
}

TEST_CASE("rm boot info builder: device memory and its extents, in order, and too many refused")
{
    Fixture f;
    const std::vector<PhysRange> devices{range(0, 0x08000000), range(0x09001000, 0x36fff000)};
    const std::uint64_t caps[] = {20, 21};
    f.inputs.device_memory = devices.data();
    f.inputs.device_caps = caps;
    f.inputs.device_count = devices.size();
    REQUIRE(f.build().ok());
    REQUIRE(f.out->device_range_count == 2);
    CHECK(f.out->device_ranges[0].phys.base == 0);
    CHECK(f.out->device_ranges[0].phys.size == 0x08000000);
    CHECK(f.out->device_ranges[0].memextent_cap == 20);
    CHECK(f.out->device_ranges[1].phys.base == 0x09001000);
    CHECK(f.out->device_ranges[1].memextent_cap == 21);
    CHECK(f.out->reserved4 == 0);
    CHECK(f.out->device_ranges[2].phys.size == 0);
    rm::Diagnostic diag;
    CHECK(rm::check_boot_info(*f.out, sizeof *f.out, diag).ok());

    f.inputs.device_count = RM_BOOT_INFO_MAX_DEVICE_RANGES + 1;
    CHECK(f.build().error() == Error::arg_inval);
    f.inputs.device_count = 1;
    f.inputs.device_caps = nullptr;
    CHECK(f.build().error() == Error::arg_inval);
}

TEST_CASE("rm boot info builder: VMs' virtual PL011 sits at the console, PL011 or GENI, one 4 KiB frame")
{
    Fixture f;
    f.platform->console.kind = platform::ConsoleKind::geni;
    f.platform->console.regs = range(0x994000, 0x4000);
    f.platform->console.intid = 638;
    REQUIRE(f.build().ok());
    CHECK(f.out->platform.uart.base == 0x994000);
    CHECK(f.out->platform.uart.size == RM_BOOT_INFO_VUART_SIZE);
    CHECK(f.out->platform.uart_intid == 638);

    f.platform->console.kind = platform::ConsoleKind::unsupported;  // found, but not driven
    REQUIRE(f.build().ok());
    CHECK(f.out->platform.uart.size == 0);
    CHECK(f.out->platform.uart_intid == 0);
}

TEST_CASE("rm boot info builder: QEMU virt's real device tree, through discovery, gives the RM what it needs")
{
    auto found = test::discover(test::fixture_dtb("qemu_virt"));
    REQUIRE(found->ok());
    Fixture f;
    f.inputs.platform = &found->info;
    REQUIRE(f.build().ok());
    rm::Diagnostic diag;
    CHECK(rm::check_boot_info(*f.out, sizeof *f.out, diag).ok());
    INFO(diag.c_str());
    CHECK(f.out->platform.cpu_count == found->info.cpu_count);
    CHECK(f.out->platform.uart.base == found->info.console.regs.base.raw());
    CHECK(f.out->platform.gicd.base == found->info.gic.distributor.base.raw());
    CHECK(f.out->platform.timer_virt_intid == 27);
}

TEST_CASE("rm boot info builder: the board's DTB is copied below boot info, and the RM accepts it there")
{
    Fixture f;
    f.inputs.hypervisor = range(0x80000000, 0x200000);
    REQUIRE(f.build().ok());
    CHECK(f.out->hyp_phys.base == 0x80000000);
    CHECK(f.out->hyp_phys.size == 0x200000);
    CHECK((f.out->flags & RM_BOOT_INFO_BOARD_DTB) == 0);
    CHECK(f.out->board_dtb.base == 0);

    test::Blob dtb = test::debian_dtb("qcom/sc7280-idp.dtb");
    std::vector<std::uint8_t> ram(RM_RAM_SIZE, 0);
    REQUIRE(add_board_dtb(dtb.data(), dtb.size(), f.inputs.rm_ram, ram.data(), 0x30000, *f.out).ok());
    CHECK((f.out->flags & RM_BOOT_INFO_BOARD_DTB) != 0);
    const std::uint64_t room = (dtb.size() + 0xfff) & ~std::uint64_t{0xfff};
    CHECK(f.out->board_dtb.base == 0xbfc00000 + RM_RAM_SIZE - RM_BOOT_INFO_RESERVED_SIZE - room);
    CHECK(f.out->board_dtb.size == dtb.size());
    CHECK(std::memcmp(ram.data() + (f.out->board_dtb.base - 0xbfc00000), dtb.data(), dtb.size()) == 0);

    rm::Diagnostic diag;
    CHECK(rm::check_boot_info(*f.out, sizeof *f.out, diag).ok());
    f.out->board_dtb.size = RM_BOOT_INFO_BOARD_DTB_MAX_SIZE + 1;  // not below boot info any more
    CHECK(!rm::check_boot_info(*f.out, sizeof *f.out, diag).ok());
    CHECK(std::string{diag.c_str()}.find("board DTB") != std::string::npos);
}

TEST_CASE("rm boot info builder: a board DTB larger than its room, over the RM's image, or not a DTB is refused")
{
    Fixture f;
    REQUIRE(f.build().ok());
    std::vector<std::uint8_t> ram(RM_RAM_SIZE, 0);
    // A header that claims the size, nothing else: the builder checks only the header.
    std::vector<std::uint8_t> big(RM_BOOT_INFO_BOARD_DTB_MAX_SIZE + 8, 0);
    auto header = [](std::vector<std::uint8_t>& b) {
        const std::uint32_t size = static_cast<std::uint32_t>(b.size());
        const std::uint8_t h[8] = {0xd0, 0x0d, 0xfe, 0xed, std::uint8_t(size >> 24), std::uint8_t(size >> 16),
                                   std::uint8_t(size >> 8), std::uint8_t(size)};
        std::memcpy(b.data(), h, 8);
    };
    header(big);
    Status s = add_board_dtb(big.data(), big.size(), f.inputs.rm_ram, ram.data(), 0x30000, *f.out);
    CHECK(s.error() == Error::arg_size);

    std::vector<std::uint8_t> fits(RM_BOOT_INFO_BOARD_DTB_MAX_SIZE, 0);
    header(fits);
    CHECK(add_board_dtb(fits.data(), fits.size(), f.inputs.rm_ram, ram.data(), 0x30000, *f.out).ok());
    Fixture g;
    REQUIRE(g.build().ok());
    // An RM image that reaches the DTB's place.
    s = add_board_dtb(fits.data(), fits.size(), g.inputs.rm_ram, ram.data(), RM_RAM_SIZE - 0x40000, *g.out);
    CHECK(s.error() == Error::arg_size);
    fits[0] = 0;  // bad magic
    s = add_board_dtb(fits.data(), fits.size(), g.inputs.rm_ram, ram.data(), 0x30000, *g.out);
    CHECK(s.error() == Error::arg_inval);
    CHECK((g.out->flags & RM_BOOT_INFO_BOARD_DTB) == 0);
    CHECK(g.out->board_dtb.size == 0);
}
