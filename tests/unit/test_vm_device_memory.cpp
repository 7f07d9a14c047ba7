// Device memory for VMs = [0, top of RAM) minus RAM, reserved ranges and the devices the
// hypervisor keeps, widened to pages: checked on hand-picked layouts, against a page model
// on random ones, and on the real sc7280 tree (what the hypervisor keeps there).
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <vector>

#include "platform/dt/vm_device_memory.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::platform;
using hyp::test::info_of;
using hyp::test::Layout;
using hyp::test::range;

namespace {

constexpr std::uint64_t page = 4096;

std::vector<PhysRange> device_memory_of(const Layout& layout)
{
    auto info = info_of(layout);
    PhysRange out[64];
    Result<std::size_t> count = vm_device_memory(*info, out, std::size(out));
    REQUIRE(count.ok());
    return {out, out + *count};
}

}  // namespace

TEST_CASE("device memory: below RAM, around the devices the hypervisor keeps, widened to pages")
{
    // QEMU virt: RAM at 1 GiB; the GIC distributor, its ITS and redistributors, the PL011.
    Layout qemu{{range(0x40000000, 0x40000000)},
                {},
                {range(0x08000000, 0x10000), range(0x080a0000, 0xf60000), range(0x08080000, 0x20000),
                 range(0x09000000, 0x1000)}};
    CHECK(device_memory_of(qemu) == std::vector<PhysRange>{range(0, 0x08000000), range(0x08010000, 0x70000),
                                                           range(0x09001000, 0x40000000 - 0x09001000)});

    // A kept device that is not page aligned takes its whole pages; a gap between RAM
    // banks is device memory too, but nothing above the top of RAM is.
    Layout banks{{range(0x80000000, 0x10000000), range(0xa0000000, 0x10000000)},
                 {range(0x100, 0x10)},
                 {range(0x5000 + 0x800, 0x1000)}};
    CHECK(device_memory_of(banks) ==
          std::vector<PhysRange>{range(0x1000, 0x4000), range(0x7000, 0x80000000 - 0x7000),
                                 range(0x90000000, 0x10000000)});

    CHECK(device_memory_of(Layout{}).empty());  // no RAM: no top, nothing
}

TEST_CASE("device memory: more ranges than room is nomem, not a silent cut")
{
    Layout many{{range(0x40000000, 0x1000)}, {}, {}};
    for (std::uint64_t i = 0; i < 8; ++i) {
        many.kept.push_back(range(0x100000 * (i + 1), page));
    }
    auto info = info_of(many);
    PhysRange out[8];
    CHECK(vm_device_memory(*info, out, 8).error() == Error::nomem);
    PhysRange room[9];
    CHECK(vm_device_memory(*info, room, 9).value() == 9);
}

TEST_CASE("device memory: random layouts against a page-by-page model")
{
    std::mt19937_64 rng(0x5eed'de71ce);
    for (int round = 0; round < 300; ++round) {
        Layout layout;
        auto random_range = [&](std::uint64_t span) {
            const std::uint64_t base = rng() % span;
            return range(base, 1 + rng() % (span / 8));
        };
        const std::uint64_t span = 256 * page;
        for (unsigned i = 0, n = 1 + rng() % 3; i < n; ++i) {
            layout.memory.push_back(random_range(span));
        }
        for (unsigned i = 0, n = rng() % 3; i < n; ++i) {
            layout.reserved.push_back(random_range(span));
        }
        for (unsigned i = 0, n = rng() % 6; i < n; ++i) {
            layout.kept.push_back(random_range(span));
        }
        std::uint64_t top = 0;
        for (const PhysRange& m : layout.memory) {
            top = std::max(top, m.end().raw());
        }
        top &= ~(page - 1);
        std::set<std::uint64_t> expected;  // pages
        for (std::uint64_t p = 0; p < top; p += page) {
            bool hole = false;
            for (const auto* list : {&layout.memory, &layout.reserved, &layout.kept}) {
                for (const PhysRange& r : *list) {
                    hole = hole || (r.base.raw() < p + page && p < r.end().raw());
                }
            }
            if (!hole) {
                expected.insert(p);
            }
        }
        std::set<std::uint64_t> got;
        std::uint64_t previous_end = 0;
        for (const PhysRange& r : device_memory_of(layout)) {
            REQUIRE(r.size > 0);
            REQUIRE(r.base.raw() % page == 0);
            REQUIRE(r.size % page == 0);
            REQUIRE(r.base.raw() >= previous_end);
            CHECK((got.empty() || r.base.raw() > previous_end));  // maximal: never two touching
            previous_end = r.end().raw();
            for (std::uint64_t p = r.base.raw(); p < r.end().raw(); p += page) {
                got.insert(p);
            }
        }
        REQUIRE(got == expected);
    }
}

TEST_CASE("sc7280-idp: the hypervisor keeps the GIC and its ITS, the GENI console and both SMMUs")
{
    auto found = test::discover(test::debian_dtb("qcom/sc7280-idp.dtb"));
    REQUIRE(found->ok());
    const PlatformInfo& info = found->info;
    const std::vector<PhysRange> kept{info.kept_devices, info.kept_devices + info.kept_device_count};
    CHECK(kept == std::vector<PhysRange>{range(0x17a00000, 0x10000), range(0x17a60000, 0x100000),
                                         range(0x17a40000, 0x20000), range(0x994000, 0x4000),
                                         range(0x3da0000, 0x20000), range(0x15000000, 0x100000)});

    // With RAM filled in as the boot loader would: everything below 0x80000000 but those
    // and the firmware's reserved range at 0x4cd000 is the VM's to be given.
    test::Blob blob = test::edited(test::debian_dtb("qcom/sc7280-idp.dtb"), [](void* fdt) {
        test::set_cells(fdt, "/memory@80000000", "reg", {0x0, 0x80000000, 0x2, 0x0});
    });
    auto filled = test::discover(blob);
    REQUIRE(filled->ok());
    PhysRange out[32];
    Result<std::size_t> count = vm_device_memory(filled->info, out, 32);
    REQUIRE(count.ok());
    CHECK(std::vector<PhysRange>(out, out + *count) ==
          std::vector<PhysRange>{range(0, 0x4cd000), range(0x4ce000, 0x994000 - 0x4ce000),
                                 range(0x998000, 0x3da0000 - 0x998000), range(0x3dc0000, 0x15000000 - 0x3dc0000),
                                 range(0x15100000, 0x17a00000 - 0x15100000), range(0x17a10000, 0x30000),
                                 range(0x17a60000 + 0x100000, 0x80000000 - 0x17b60000)});
}
