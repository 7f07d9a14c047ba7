// The primary VM's IPA layout: where the kernel, its device tree and its initrd go in
// the VM's RAM, every refusal (what does not fit, what overlaps what), the rules a
// finished layout is checked against, and choosing the VM's RAM from free ranges.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "rm/vm/vm_layout.h"

using namespace hyp;
using namespace hyp::rm;

namespace {

constexpr std::uint64_t kib = std::uint64_t{1} << 10;
constexpr std::uint64_t mib = std::uint64_t{1} << 20;
constexpr std::uint64_t gib = std::uint64_t{1} << 30;
constexpr std::uint64_t ram_base = 0x40000000;

IpaRange ipa_range(std::uint64_t base, std::uint64_t size) { return IpaRange{Ipa{base}, size}; }

// Debian 12's kernel: text_offset 0, 32 MiB + 64 KiB with its BSS, a little less on disk.
KernelImage debian_kernel()
{
    KernelImage kernel;
    kernel.file_size = 0x1f6dcc0;
    kernel.text_offset = 0;
    kernel.image_size = 0x2010000;
    kernel.page_size = ImagePageSize::size_4k;
    kernel.placement = ImagePlacement::anywhere_48bit;
    return kernel;
}

VmLayoutRequest request(std::uint64_t initrd_size = 0)
{
    VmLayoutRequest r;
    r.ram = ipa_range(ram_base, default_primary_ram_size);
    r.kernel = debian_kernel();
    r.initrd_size = initrd_size;
    return r;
}

struct Planned {
    Error error = Error::ok;
    VmLayout layout;
    std::string message;
};

Planned plan(const VmLayoutRequest& r)
{
    Diagnostic diag;
    Result<VmLayout> layout = plan_vm_layout(r, diag);
    Planned planned;
    planned.error = layout.error();
    if (layout) {
        planned.layout = *layout;
    }
    planned.message = diag.c_str();
    return planned;
}

std::string check(const VmLayout& layout, Error expected)
{
    Diagnostic diag;
    Status status = check_vm_layout(layout, diag);
    CHECK(status.error() == expected);
    return diag.c_str();
}

}  // namespace

TEST_CASE("rm layout: the kernel sits at the bottom of RAM, the DT and the initrd packed above it")
{
    Planned p = plan(request(20 * mib));
    REQUIRE(p.error == Error::ok);
    const VmLayout& l = p.layout;
    CHECK(l.ram == ipa_range(ram_base, 512 * mib));
    CHECK(l.kernel_base.raw() == ram_base);
    CHECK(l.kernel == ipa_range(ram_base, 0x2010000));
    CHECK(l.kernel_file == ipa_range(ram_base, 0x1f6dcc0));
    CHECK(l.entry().raw() == ram_base);
    // The 64 KiB DT slot right after the kernel's BSS, at a 64 KiB boundary.
    CHECK(l.dtb == ipa_range(0x42010000, 64 * kib));
    CHECK(l.dtb_address().raw() == 0x42010000);
    CHECK(l.initrd == ipa_range(0x42020000, 20 * mib));
}

TEST_CASE("rm layout: without an initrd the initrd range is empty")
{
    Planned p = plan(request());
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.initrd.empty());
    CHECK(p.layout.dtb == ipa_range(0x42010000, 64 * kib));
}

TEST_CASE("rm layout: a legacy kernel loads 0x80000 above the 2 MiB base")
{
    VmLayoutRequest r = request(mib);
    r.ram = ipa_range(ram_base + mib, 256 * mib);  // not 2 MiB aligned: the base rounds up
    r.kernel = KernelImage{};
    r.kernel.legacy = true;
    r.kernel.text_offset = 0x80000;
    r.kernel.file_size = r.kernel.image_size = 0x1234567;
    Planned p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.kernel_base.raw() == ram_base + 2 * mib);
    CHECK(p.layout.entry().raw() == ram_base + 2 * mib + 0x80000);
    CHECK(p.layout.dtb.base.raw() == Ipa{ram_base + 2 * mib + 0x80000 + 0x1234567}.align_up(64 * kib).raw());
}

TEST_CASE("rm layout: the DT slot is aligned to its size, so it never crosses a 2 MiB boundary")
{
    struct Case {
        std::uint64_t dtb_max_size;
        std::uint64_t alignment;
    };
    Case c = GENERATE(Case{2 * mib, 2 * mib}, Case{12 * kib, 16 * kib}, Case{1, 8}, Case{64 * kib + 8, 128 * kib});
    VmLayoutRequest r = request(mib);
    r.kernel.image_size = 0x2010008;  // ends off every power-of-two boundary above 8
    r.dtb_max_size = c.dtb_max_size;
    Planned p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.dtb.base.is_aligned(c.alignment));
    CHECK(p.layout.dtb.base.raw() == Ipa{ram_base + 0x2010008}.align_up(c.alignment).raw());
    CHECK(p.layout.dtb.base.raw() / (2 * mib) == (p.layout.dtb.end().raw() - 1) / (2 * mib));
    CHECK_FALSE(p.layout.initrd.overlaps(p.layout.dtb));  // first fit: it may take the gap below the DT
}

TEST_CASE("rm layout: a kernel larger than RAM is refused with the sizes")
{
    VmLayoutRequest r = request();
    r.ram = ipa_range(ram_base, 32 * mib);
    Planned p = plan(r);
    CHECK(p.error == Error::nomem);
    CHECK_THAT(p.message, Catch::Contains("kernel needs 0x2010000 bytes"));
}

TEST_CASE("rm layout: a DT that does not fit above the kernel is refused")
{
    VmLayoutRequest r = request();
    r.ram = ipa_range(ram_base, 0x2010000 + 32 * kib);
    Planned p = plan(r);
    CHECK(p.error == Error::nomem);
    CHECK_THAT(p.message, Catch::Contains("device tree (0x10000 bytes) does not fit") &&
                              Catch::Contains("which ends at 0x42010000"));
}

TEST_CASE("rm layout: an initrd that does not fit after the kernel and DT is refused")
{
    VmLayoutRequest r = request(512 * mib - 0x2020000 + 1);
    Planned p = plan(r);
    CHECK(p.error == Error::nomem);
    CHECK_THAT(p.message, Catch::Contains("initrd (0x1dfe0001 bytes) does not fit"));
    r.initrd_size -= 1;  // exactly the rest of RAM
    CHECK(plan(r).error == Error::ok);
}

TEST_CASE("rm layout: a DT size limit of zero or above 2 MiB is refused")
{
    VmLayoutRequest r = request();
    r.dtb_max_size = GENERATE(std::uint64_t{0}, 2 * mib + 1, 4 * mib);
    Planned p = plan(r);
    CHECK(p.error == Error::arg_size);
    CHECK_THAT(p.message, Catch::Contains("device tree size limit"));
}

TEST_CASE("rm layout: RAM that is empty, wraps or is not whole pages is refused")
{
    VmLayoutRequest r = request();
    r.ram = ipa_range(ram_base, 0);
    CHECK(plan(r).error == Error::arg_inval);
    r.ram = ipa_range(~std::uint64_t{0} - 4095, 8192);
    CHECK(plan(r).error == Error::arg_inval);
    r.ram = ipa_range(ram_base + 0x800, 512 * mib);
    CHECK(plan(r).error == Error::arg_align);
    r.ram = ipa_range(ram_base, 512 * mib + 0x800);
    Planned p = plan(r);
    CHECK(p.error == Error::arg_align);
    CHECK_THAT(p.message, Catch::Contains("not whole 4 KiB pages"));
}

TEST_CASE("rm layout: a fixed DT and initrd go where asked, and the other is placed around them")
{
    VmLayoutRequest r = request(mib);
    r.dtb_at = 0x48000000;
    r.initrd_at = 0x50000000;
    Planned p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.dtb == ipa_range(0x48000000, 64 * kib));
    CHECK(p.layout.initrd == ipa_range(0x50000000, mib));

    // A fixed DT right after the kernel pushes the initrd past it.
    r = request(mib);
    r.dtb_at = 0x42010000;
    p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.initrd.base.raw() == 0x42020000);

    // A fixed initrd right after the kernel pushes the DT past it.
    r = request(mib);
    r.initrd_at = 0x42010000;
    p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.dtb.base.raw() == 0x42110000);

    // A fixed DT below the kernel's base (in the text_offset gap) is allowed.
    r = request();
    r.kernel.text_offset = 0x80000;
    r.dtb_at = ram_base;
    p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.dtb.base.raw() == ram_base);
}

TEST_CASE("rm layout: a fixed DT must be 8-byte aligned, inside RAM and clear of the kernel")
{
    VmLayoutRequest r = request();
    r.dtb_at = 0x48000004;
    Planned p = plan(r);
    CHECK(p.error == Error::arg_align);
    CHECK_THAT(p.message, Catch::Contains("device tree at 0x48000004 is not 8-byte aligned"));

    r.dtb_at = ram_base + 512 * mib - 32 * kib;  // runs past the end of RAM
    p = plan(r);
    CHECK(p.error == Error::addr_inval);
    CHECK_THAT(p.message, Catch::Contains("is not inside VM RAM"));

    r.dtb_at = ram_base + mib;
    p = plan(r);
    CHECK(p.error == Error::arg_inval);
    CHECK_THAT(p.message, Catch::Contains("device tree [0x40100000, +0x10000) overlaps the kernel [0x40000000, +0x2010000)"));
}

TEST_CASE("rm layout: a fixed initrd must be 64 KiB aligned, inside RAM and clear of the kernel and the DT")
{
    VmLayoutRequest r = request(mib);
    r.initrd_at = 0x48001000;
    Planned p = plan(r);
    CHECK(p.error == Error::arg_align);
    CHECK_THAT(p.message, Catch::Contains("initrd at 0x48001000 is not 65536-byte aligned"));

    r.initrd_at = ram_base + 512 * mib;
    CHECK(plan(r).error == Error::addr_inval);

    r.initrd_at = ram_base + 0x2000000;
    p = plan(r);
    CHECK(p.error == Error::arg_inval);
    CHECK_THAT(p.message, Catch::Contains("initrd [0x42000000, +0x100000) overlaps the kernel"));

    r.initrd_at = 0x48000000;
    r.dtb_at = 0x48080000;
    p = plan(r);
    CHECK(p.error == Error::arg_inval);
    CHECK_THAT(p.message, Catch::Contains("initrd [0x48000000, +0x100000) overlaps the device tree [0x48080000, +0x10000)"));
}

TEST_CASE("rm layout: a fixed initrd address is ignored when there is no initrd")
{
    VmLayoutRequest r = request();
    r.initrd_at = 0x48001000;  // would be misaligned
    Planned p = plan(r);
    REQUIRE(p.error == Error::ok);
    CHECK(p.layout.initrd.empty());
}

TEST_CASE("rm layout: a finished layout is checked for overlaps, bounds and alignment")
{
    Planned p = plan(request(mib));
    REQUIRE(p.error == Error::ok);
    const VmLayout good = p.layout;
    check(good, Error::ok);

    VmLayout l = good;
    l.dtb.base = l.kernel.base + 0x1000;
    CHECK_THAT(check(l, Error::arg_inval), Catch::Contains("device tree") && Catch::Contains("overlaps the kernel"));

    l = good;
    l.initrd.base = l.dtb.base;
    CHECK_THAT(check(l, Error::arg_inval), Catch::Contains("initrd") && Catch::Contains("overlaps the device tree"));

    l = good;
    l.initrd.base = l.kernel.base + 0x10000;
    CHECK_THAT(check(l, Error::arg_inval), Catch::Contains("initrd") && Catch::Contains("overlaps the kernel"));

    l = good;
    l.initrd = ipa_range(ram_base + 512 * mib - 0x10000, 0x20000);
    CHECK_THAT(check(l, Error::addr_inval), Catch::Contains("initrd") && Catch::Contains("not inside VM RAM"));

    l = good;
    l.dtb.size = 2 * mib + 8;
    CHECK_THAT(check(l, Error::arg_size), Catch::Contains("exceeds the 2 MiB"));

    l = good;
    l.dtb.base = l.dtb.base + 4;
    check(l, Error::arg_align);

    l = good;
    l.kernel_base = l.kernel_base + 0x1000;
    check(l, Error::arg_align);

    l = good;
    l.kernel_file.size = l.kernel.size + 1;
    CHECK_THAT(check(l, Error::arg_inval), Catch::Contains("kernel file"));

    l = good;
    l.kernel = ipa_range(ram_base + 510 * mib, 4 * mib);  // runs 2 MiB past the end of RAM
    l.kernel_base = l.kernel.base;
    l.kernel_file = ipa_range(ram_base + 510 * mib, mib);
    CHECK_THAT(check(l, Error::addr_inval), Catch::Contains("the kernel") && Catch::Contains("not inside VM RAM"));

    l = good;
    l.ram = ipa_range(ram_base, 0);
    check(l, Error::arg_inval);
}

TEST_CASE("rm layout: the initrd must share a 1 GiB-aligned 32 GiB window with the kernel")
{
    VmLayoutRequest r = request(mib);
    r.ram = ipa_range(ram_base, 64 * gib);
    r.initrd_at = ram_base + 31 * gib;  // the window from 1 GiB (the kernel's) ends above it
    CHECK(plan(r).error == Error::ok);
    r.initrd_at = ram_base + 33 * gib;
    Planned p = plan(r);
    CHECK(p.error == Error::addr_inval);
    CHECK_THAT(p.message, Catch::Contains("32 GiB window"));
}

TEST_CASE("rm layout: VM RAM is the first 2 MiB-aligned block that fits in the free ranges")
{
    const PhysRange free[] = {
        {PhysAddr{0x40000000}, 16 * mib},            // too small
        {PhysAddr{0x41100000}, 512 * mib},           // from its 2 MiB boundary, one MiB short
        {PhysAddr{0x70100000}, 600 * mib},           // fits from 0x70200000
        {PhysAddr{0x100000000}, 4 * gib},
    };
    Diagnostic diag;
    Result<PhysRange> chosen = choose_vm_ram(free, 4, default_primary_ram_size, diag);
    REQUIRE(chosen.ok());
    CHECK(*chosen == PhysRange{PhysAddr{0x70200000}, 512 * mib});

    Result<PhysRange> larger = choose_vm_ram(free, 4, 2 * gib, diag);
    REQUIRE(larger.ok());
    CHECK(larger->base.raw() == 0x100000000);

    CHECK(choose_vm_ram(free, 4, 8 * gib, diag).error() == Error::nomem);
    CHECK_THAT(std::string{diag.c_str()}, Catch::Contains("no free RAM range holds 0x200000000 bytes") &&
                                              Catch::Contains("the largest 0x100000000 bytes"));
    CHECK(choose_vm_ram(free, 0, mib, diag).error() == Error::nomem);
    CHECK(choose_vm_ram(free, 4, 0, diag).error() == Error::arg_size);
    CHECK(choose_vm_ram(free, 4, mib + 1, diag).error() == Error::arg_size);
}
