// Finding the platform's GICv3 in the primary VM's device tree as /proc/device-tree
// shows it (vmm/primary_gic.h), against trees made here: a directory per node, a file
// of big-endian bytes per property.
#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "vmm/primary_gic.h"

using vmm_test::be_cells;
using vmm_test::TempDir;

namespace {

const std::string gic_compatible("arm,gic-v3\0", 11);
const std::string its_compatible("arm,gic-v3-its\0", 15);

// QEMU virt's shape: root with 2/2 cells, the GIC at /intc@8000000 with an ITS child.
void write_virt_tree(const TempDir& t)
{
    t.write("#address-cells", be_cells({2}));
    t.write("#size-cells", be_cells({2}));
    t.write("compatible", std::string("linux,dummy-virt\0", 17));
    t.write("cpus/cpu@0/compatible", std::string("arm,cortex-a57\0", 15));
    t.write("intc@8000000/compatible", gic_compatible);
    t.write("intc@8000000/reg", be_cells({0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0xf60000}));
    t.write("intc@8000000/its@8080000/compatible", its_compatible);
    t.write("intc@8000000/its@8080000/reg", be_cells({0, 0x08080000, 0, 0x20000}));
}

}  // namespace

TEST_CASE("vmm gic: QEMU virt's GICv3 is read from its node's reg", "[vmm]")
{
    TempDir t;
    write_virt_tree(t);
    const vmm::GicLocation gic = vmm::find_primary_gic(t.path().string());
    CHECK(gic.from_tree);
    CHECK(gic.warning.empty());
    CHECK(gic.node == "intc@8000000");
    CHECK(gic.gicd_base == 0x08000000);
    CHECK(gic.gicd_size == 0x10000);
    CHECK(gic.gicr_base == 0x080a0000);
}

TEST_CASE("vmm gic: a GIC elsewhere, among other compatibles, with 64-bit addresses", "[vmm]")
{
    TempDir t;
    t.write("#address-cells", be_cells({2}));
    t.write("#size-cells", be_cells({2}));
    t.write("soc/#address-cells", be_cells({2}));
    t.write("soc/#size-cells", be_cells({2}));
    t.write("soc/serial@1000/compatible", std::string("arm,pl011\0arm,primecell\0", 24));
    t.write("soc/interrupt-controller@17a00000/compatible", std::string("qcom,gic\0", 9) + gic_compatible);
    t.write("soc/interrupt-controller@17a00000/reg",
            be_cells({0x1, 0x17a00000, 0, 0x10000, 0x1, 0x17a60000, 0, 0x100000}));
    const vmm::GicLocation gic = vmm::find_primary_gic(t.path().string());
    CHECK(gic.from_tree);
    CHECK(gic.node == "soc/interrupt-controller@17a00000");
    CHECK(gic.gicd_base == 0x117a00000);
    CHECK(gic.gicr_base == 0x117a60000);
}

TEST_CASE("vmm gic: one address and one size cell, as the parent says", "[vmm]")
{
    TempDir t;
    t.write("#address-cells", be_cells({1}));
    t.write("#size-cells", be_cells({1}));
    t.write("gic@2f000000/compatible", gic_compatible);
    t.write("gic@2f000000/reg", be_cells({0x2f000000, 0x10000, 0x2f100000, 0x200000}));
    const vmm::GicLocation gic = vmm::find_primary_gic(t.path().string());
    CHECK(gic.from_tree);
    CHECK(gic.gicd_base == 0x2f000000);
    CHECK(gic.gicd_size == 0x10000);
    CHECK(gic.gicr_base == 0x2f100000);
}

TEST_CASE("vmm gic: only the ITS, no tree or a malformed reg: QEMU virt's defaults with a warning", "[vmm]")
{
    auto check_defaults = [](const vmm::GicLocation& gic, const char* words) {
        CHECK_FALSE(gic.from_tree);
        CHECK(gic.gicd_base == vmm::default_gicd_base);
        CHECK(gic.gicd_size == vmm::default_gicd_size);
        CHECK(gic.gicr_base == vmm::default_gicr_base);
        CHECK(gic.warning.find(words) != std::string::npos);
    };
    {
        TempDir t;
        t.write("#address-cells", be_cells({2}));
        t.write("intc/its/compatible", its_compatible);
        check_defaults(vmm::find_primary_gic(t.path().string()), "no node with compatible \"arm,gic-v3\"");
    }
    {
        TempDir t;
        check_defaults(vmm::find_primary_gic((t.path() / "absent").string()), "is not a directory");
    }
    {
        TempDir t;
        t.write("#address-cells", be_cells({2}));
        t.write("#size-cells", be_cells({2}));
        t.write("intc/compatible", gic_compatible);
        t.write("intc/reg", be_cells({0, 0x08000000, 0, 0x10000}));  // no redistributor
        check_defaults(vmm::find_primary_gic(t.path().string()), "no reg with a distributor and a redistributor");
    }
    {
        TempDir t;
        t.write("#address-cells", be_cells({3}));
        t.write("intc/compatible", gic_compatible);
        t.write("intc/reg", be_cells({0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        check_defaults(vmm::find_primary_gic(t.path().string()), "3 address and 1 size cells");
    }
}
