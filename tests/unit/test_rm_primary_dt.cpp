// The primary VM's device tree, read back by the hypervisor's own discovery (an
// independent reader that Linux-shaped trees already pass), by libfdt for what discovery
// does not record (the initrd, interrupt flags, the clock), and by dtc. Then every
// refusal: vCPU counts and MPIDRs, interrupt kinds, overlapping regions, small buffers.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rm/dt/primary_dt.h"
#include "hyp_api/vcpu_mpidr.h"
#include "rm/vm/vm_layout.h"
#include "tests/unit/dtb_file.h"

using namespace hyp;
using namespace hyp::rm;
using namespace hyp_abi;
using hyp::test::str;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

// QEMU virt's addresses and interrupts, 512 MiB of RAM at 0x40000000.
PrimaryDtConfig qemu_like(std::size_t vcpus, bool with_initrd)
{
    PrimaryDtConfig config;
    config.ram = IpaRange{Ipa{0x40000000}, 512 * mib};
    set_vcpus(config, vcpus);
    config.gic_distributor = IpaRange{Ipa{0x08000000}, 0x10000};
    config.gic_redistributor_base = Ipa{0x080a0000};
    config.gic_maintenance_intid = 25;
    config.timer = TimerIntids{29, 30, 27, 26};
    config.uart = IpaRange{Ipa{0x09000000}, 0x1000};
    config.uart_intid = 33;
    config.bootargs = "console=ttyAMA0 earlycon rdinit=/sbin/init";
    if (with_initrd) {
        config.initrd = IpaRange{Ipa{0x42020000}, 0x123456};
    }
    return config;
}

// 8-byte aligned storage, as the boot protocol and libfdt want.
struct Buffer {
    std::vector<std::uint64_t> words;
    explicit Buffer(std::size_t bytes) : words((bytes + 7) / 8) {}
    void* data() { return words.data(); }
};

struct Built {
    Error error = Error::ok;
    std::size_t size = 0;
    std::string message;
    test::Blob blob;  // exactly the tree
};

Built build(const PrimaryDtConfig& config, std::size_t capacity = 64 * 1024)
{
    Buffer buffer{capacity};
    Diagnostic diag;
    Result<std::size_t> size = build_primary_dt(config, buffer.data(), capacity, diag);
    Built built;
    built.error = size.error();
    built.message = diag.c_str();
    if (size) {
        built.size = *size;
        const auto* bytes = static_cast<const std::uint8_t*>(buffer.data());
        built.blob.assign(bytes, bytes + *size);
    }
    return built;
}

std::vector<std::uint32_t> cells(const test::Blob& blob, const char* path, const char* name)
{
    int node = fdt_path_offset(blob.data(), path);
    REQUIRE(node >= 0);
    int length = 0;
    const auto* value = static_cast<const fdt32_t*>(fdt_getprop(blob.data(), node, name, &length));
    REQUIRE(value != nullptr);
    std::vector<std::uint32_t> out;
    for (int i = 0; i < length / 4; ++i) {
        out.push_back(fdt32_to_cpu(value[i]));
    }
    return out;
}

bool has_property(const test::Blob& blob, const char* path, const char* name)
{
    int node = fdt_path_offset(blob.data(), path);
    REQUIRE(node >= 0);
    return fdt_getprop(blob.data(), node, name, nullptr) != nullptr;
}

std::uint64_t u64_of(const std::vector<std::uint32_t>& c)
{
    REQUIRE(c.size() == 2);
    return (std::uint64_t{c[0]} << 32) | c[1];
}

// dtc decompiles the tree; anything it says on stderr (a warning) fails the test.
std::string dtc_complaints(const test::Blob& blob)
{
    char dir_template[] = "/tmp/rm_dt_XXXXXX";
    const char* dir = mkdtemp(dir_template);
    REQUIRE(dir != nullptr);
    std::string base{dir};
    {
        std::ofstream out{base + "/vm.dtb", std::ios::binary};
        out.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
    }
    std::string command = "dtc -I dtb -O dts -o " + base + "/vm.dts " + base + "/vm.dtb 2>" + base + "/err";
    int status = std::system(command.c_str());
    std::ifstream err{base + "/err"};
    std::string complaints{std::istreambuf_iterator<char>{err}, std::istreambuf_iterator<char>{}};
    std::filesystem::remove_all(base);
    if (status != 0) {
        complaints += " (dtc exit status " + std::to_string(status) + ")";
    }
    return complaints;
}

}  // namespace

TEST_CASE("rm dt: the hypervisor's discovery reads back every fact of the primary VM's tree")
{
    std::size_t vcpus = GENERATE(1u, 4u, 8u);
    bool with_initrd = GENERATE(false, true);
    CAPTURE(vcpus, with_initrd);
    PrimaryDtConfig config = qemu_like(vcpus, with_initrd);
    Built built = build(config);
    REQUIRE(built.error == Error::ok);
    CHECK(built.size == fdt_totalsize(built.blob.data()));
    CHECK(built.size <= 4096);

    auto found = test::discover(built.blob);
    REQUIRE(found->message() == "");
    REQUIRE(found->ok());
    CHECK(test::runnable_problem(found->info) == "");
    const platform::PlatformInfo& info = found->info;

    REQUIRE(info.memory_count == 1);
    CHECK(info.memory[0] == test::range(0x40000000, 512 * mib));
    CHECK(info.reserved_count == 0);

    REQUIRE(info.cpu_count == vcpus);
    for (std::size_t i = 0; i < vcpus; ++i) {
        CHECK(info.cpus[i].mpidr == vcpu_mpidr(static_cast<std::uint32_t>(i)));
        CHECK(str(info.cpus[i].enable_method) == "psci");
    }

    CHECK(info.gic.version == platform::GicVersion::v3);
    CHECK(info.gic.distributor == test::range(0x08000000, 0x10000));
    REQUIRE(info.gic.redistributor_region_count == 1);
    CHECK(info.gic.redistributor_regions[0] == test::range(0x080a0000, 0x20000 * vcpus));
    CHECK(info.gic.redistributor_stride == 0);
    CHECK(info.gic.maintenance_intid == 25);

    CHECK(info.timer.present);
    CHECK(info.timer.secure_phys_intid == 29);
    CHECK(info.timer.nonsecure_phys_intid == 30);
    CHECK(info.timer.virt_intid == 27);
    CHECK(info.timer.hyp_phys_intid == 26);

    CHECK(info.psci.method == platform::PsciMethod::hvc);
    CHECK(str(info.psci.compatible) == "arm,psci-1.0");

    CHECK(info.console.kind == platform::ConsoleKind::pl011);
    CHECK(str(info.console.path) == "/pl011@9000000");
    CHECK(info.console.regs == test::range(0x09000000, 0x1000));
    CHECK(info.console.intid == 33);

    CHECK(str(info.bootargs) == "console=ttyAMA0 earlycon rdinit=/sbin/init");
    CHECK(info.module_count == 0);

    // discover() reads modules, not linux,initrd-*: read those directly.
    CHECK(has_property(built.blob, "/chosen", "linux,initrd-start") == with_initrd);
    CHECK(has_property(built.blob, "/chosen", "linux,initrd-end") == with_initrd);
    if (with_initrd) {
        CHECK(u64_of(cells(built.blob, "/chosen", "linux,initrd-start")) == 0x42020000);
        CHECK(u64_of(cells(built.blob, "/chosen", "linux,initrd-end")) == 0x42020000 + 0x123456);
    }
    CHECK(dtc_complaints(built.blob) == "");
}

TEST_CASE("rm dt: interrupts are written as QEMU's virt tree writes them (level-high, flags 4)")
{
    Built built = build(qemu_like(4, false));
    REQUIRE(built.error == Error::ok);
    CHECK(cells(built.blob, "/timer", "interrupts") ==
          std::vector<std::uint32_t>{1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4});
    CHECK(has_property(built.blob, "/timer", "always-on"));
    CHECK(cells(built.blob, "/intc@8000000", "interrupts") == std::vector<std::uint32_t>{1, 9, 4});
    CHECK(cells(built.blob, "/intc@8000000", "#interrupt-cells") == std::vector<std::uint32_t>{3});
    CHECK(cells(built.blob, "/intc@8000000", "#redistributor-regions") == std::vector<std::uint32_t>{1});
    CHECK(has_property(built.blob, "/intc@8000000", "interrupt-controller"));
    CHECK(cells(built.blob, "/pl011@9000000", "interrupts") == std::vector<std::uint32_t>{0, 1, 4});
    CHECK(cells(built.blob, "/", "interrupt-parent") == std::vector<std::uint32_t>{primary_dt_gic_phandle});
    CHECK(cells(built.blob, "/", "#address-cells") == std::vector<std::uint32_t>{2});
    CHECK(cells(built.blob, "/", "#size-cells") == std::vector<std::uint32_t>{2});
}

TEST_CASE("rm dt: the PL011 has the apb_pclk fixed clock Linux's driver needs")
{
    Built built = build(qemu_like(1, false));
    REQUIRE(built.error == Error::ok);
    CHECK(cells(built.blob, "/pl011@9000000", "clocks") ==
          std::vector<std::uint32_t>{primary_dt_uart_clock_phandle, primary_dt_uart_clock_phandle});
    int clock = fdt_node_offset_by_phandle(built.blob.data(), primary_dt_uart_clock_phandle);
    REQUIRE(clock >= 0);
    CHECK(fdt_node_check_compatible(built.blob.data(), clock, "fixed-clock") == 0);
    CHECK(cells(built.blob, "/apb-pclk", "clock-frequency") == std::vector<std::uint32_t>{24000000});
    CHECK(cells(built.blob, "/apb-pclk", "#clock-cells") == std::vector<std::uint32_t>{0});
    int pl011 = fdt_path_offset(built.blob.data(), "/pl011@9000000");
    CHECK(fdt_stringlist_search(built.blob.data(), pl011, "clock-names", "apb_pclk") == 1);
    CHECK(fdt_stringlist_search(built.blob.data(), pl011, "compatible", "arm,primecell") == 1);
}

TEST_CASE("rm dt: the PL011 alone, for another tree, is the one the VM's tree has but for its clock's phandle")
{
    Built whole = build(qemu_like(1, false));
    REQUIRE(whole.error == Error::ok);
    UartNode uart;
    uart.regs = IpaRange{Ipa{0x09000000}, 0x1000};
    uart.intid = 33;
    uart.clock_phandle = 0x172;
    Buffer buffer{1024};
    Diagnostic diag;
    Result<std::size_t> size = build_uart_dt(uart, buffer.data(), 1024, diag);
    INFO(diag.c_str());
    REQUIRE(size.ok());
    const auto* bytes = static_cast<const std::uint8_t*>(buffer.data());
    const test::Blob alone(bytes, bytes + *size);
    for (const char* name : {"compatible", "reg", "interrupts", "clock-names"}) {
        INFO(name);
        CHECK(cells(alone, "/pl011@9000000", name) == cells(whole.blob, "/pl011@9000000", name));
    }
    CHECK(cells(alone, "/pl011@9000000", "clocks") == std::vector<std::uint32_t>{0x172, 0x172});
    CHECK(cells(alone, "/apb-pclk", "phandle") == std::vector<std::uint32_t>{0x172});
    CHECK(cells(alone, "/apb-pclk", "clock-frequency") == cells(whole.blob, "/apb-pclk", "clock-frequency"));

    for (std::uint32_t intid : {27u, 1020u}) {
        uart.intid = intid;
        CHECK(build_uart_dt(uart, buffer.data(), 1024, diag).error() == Error::arg_inval);
    }
    uart.intid = 33;
    uart.clock_phandle = 0;
    CHECK(build_uart_dt(uart, buffer.data(), 1024, diag).error() == Error::arg_inval);
}

TEST_CASE("rm dt: each cpu node is named for its MPIDR and says it is an armv8 CPU")
{
    Built built = build(qemu_like(4, false));
    REQUIRE(built.error == Error::ok);
    CHECK(cells(built.blob, "/cpus", "#address-cells") == std::vector<std::uint32_t>{1});
    CHECK(cells(built.blob, "/cpus/cpu@3", "reg") == std::vector<std::uint32_t>{3});
    int cpu = fdt_path_offset(built.blob.data(), "/cpus/cpu@3");
    CHECK(fdt_node_check_compatible(built.blob.data(), cpu, "arm,armv8") == 0);
    CHECK(has_property(built.blob, "/psci", "method"));
    int psci = fdt_path_offset(built.blob.data(), "/psci");
    CHECK(fdt_stringlist_search(built.blob.data(), psci, "compatible", "arm,psci-0.2") == 1);
    CHECK(fdt_stringlist_search(built.blob.data(), psci, "compatible", "arm,psci") == 2);
}

TEST_CASE("rm dt: vCPUs past 16 take Aff1 = index / 16, and discovery reads them")
{
    std::size_t vcpus = GENERATE(20u, 64u);
    Built built = build(qemu_like(vcpus, false));
    REQUIRE(built.error == Error::ok);
    CHECK(built.size <= default_dtb_max_size);  // fits the DT slot the layout reserves
    CHECK(cells(built.blob, "/cpus/cpu@100", "reg") == std::vector<std::uint32_t>{0x100});
    CHECK(cells(built.blob, "/cpus/cpu@103", "reg") == std::vector<std::uint32_t>{0x103});
    auto found = test::discover(built.blob);
    REQUIRE(found->ok());
    REQUIRE(found->info.cpu_count == vcpus);
    CHECK(found->info.cpus[15].mpidr == 0xf);
    CHECK(found->info.cpus[16].mpidr == 0x100);
    CHECK(found->info.cpus[19].mpidr == 0x103);
    CHECK(found->info.cpus[vcpus - 1].mpidr == vcpu_mpidr(static_cast<std::uint32_t>(vcpus - 1)));
    CHECK(found->info.gic.redistributor_regions[0].size == 0x20000 * vcpus);
    CHECK(test::runnable_problem(found->info) == "");
}

TEST_CASE("rm dt: the MPIDR convention maps index to affinity and back")
{
    for (std::uint32_t i = 0; i <= max_vcpu_index_by_mpidr; ++i) {
        std::uint64_t mpidr = vcpu_mpidr(i);
        REQUIRE((mpidr & 0xff) < 16);
        REQUIRE(((mpidr >> 8) & 0xff) == i / 16);
        REQUIRE(vcpu_index_of_mpidr(mpidr) == i);
        REQUIRE(vcpu_index_of_mpidr(mpidr | 0x80000000) == i);  // RES1 and MT/U bits ignored
    }
    CHECK(vcpu_index_of_mpidr(0x10) == -1);       // Aff0 16 is never used
    CHECK(vcpu_index_of_mpidr(0x10000) == -1);    // Aff2
    CHECK(vcpu_index_of_mpidr(0x100000000) == -1);  // Aff3
}

TEST_CASE("rm dt: an MPIDR with Aff3 makes /cpus use two address cells")
{
    PrimaryDtConfig config = qemu_like(2, false);
    config.vcpu_mpidrs[1] = 0x100000000;
    Built built = build(config);
    REQUIRE(built.error == Error::ok);
    CHECK(cells(built.blob, "/cpus", "#address-cells") == std::vector<std::uint32_t>{2});
    CHECK(cells(built.blob, "/cpus/cpu@100000000", "reg") == std::vector<std::uint32_t>{1, 0});
    auto found = test::discover(built.blob);
    REQUIRE(found->ok());
    CHECK(found->info.cpus[1].mpidr == 0x100000000);
}

TEST_CASE("rm dt: without bootargs /chosen still names the console")
{
    PrimaryDtConfig config = qemu_like(1, false);
    config.bootargs = GENERATE(static_cast<const char*>(nullptr), "");
    Built built = build(config);
    REQUIRE(built.error == Error::ok);
    CHECK_FALSE(has_property(built.blob, "/chosen", "bootargs"));
    CHECK(has_property(built.blob, "/chosen", "stdout-path"));
}

TEST_CASE("rm dt: a vCPU count of zero or above the maximum is refused")
{
    PrimaryDtConfig config = qemu_like(1, false);
    set_vcpus(config, GENERATE(std::size_t{0}, primary_max_vcpus + 1, std::size_t{1000}));
    Built built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("1 to 64 are supported"));
}

TEST_CASE("rm dt: duplicate MPIDRs and MPIDRs with non-affinity bits are refused")
{
    PrimaryDtConfig config = qemu_like(4, false);
    config.vcpu_mpidrs[3] = 1;
    Built built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("vCPUs 1 and 3 share MPIDR 0x1"));

    config = qemu_like(4, false);
    config.vcpu_mpidrs[2] = 0x80000002;
    built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("outside the affinity fields"));
}

TEST_CASE("rm dt: timer and maintenance interrupts must be PPIs, the UART's an SPI")
{
    PrimaryDtConfig config = qemu_like(1, false);
    config.timer.virt = 40;
    Built built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("virtual timer interrupt 40 is not a PPI"));

    config = qemu_like(1, false);
    config.gic_maintenance_intid = 0;
    CHECK(build(config).error == Error::arg_inval);

    config = qemu_like(1, false);
    config.uart_intid = GENERATE(20u, 1020u);
    built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("is not an SPI"));
}

TEST_CASE("rm dt: devices overlapping RAM or each other are refused, naming both")
{
    PrimaryDtConfig config = qemu_like(1, false);
    config.uart = IpaRange{Ipa{0x40001000}, 0x1000};
    Built built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("UART [0x40001000, +0x1000) overlaps RAM"));

    // 64 vCPUs' redistributors (8 MiB) run from 0x080a0000 past the UART at 0x09000000.
    config = qemu_like(64, false);
    config.gic_redistributor_base = Ipa{0x08a00000};
    built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("UART") && Catch::Contains("overlaps GIC redistributors"));

    config = qemu_like(1, false);
    config.gic_redistributor_base = Ipa{0x08008000};
    built = build(config);
    CHECK_THAT(built.message, Catch::Contains("GIC redistributors") && Catch::Contains("overlaps GIC distributor"));

    config = qemu_like(1, false);
    config.gic_distributor.size = 0;
    CHECK(build(config).error == Error::arg_inval);
}

TEST_CASE("rm dt: an initrd outside RAM is refused")
{
    PrimaryDtConfig config = qemu_like(1, true);
    config.initrd = IpaRange{Ipa{0x40000000 + 512 * mib - 0x1000}, 0x2000};
    Built built = build(config);
    CHECK(built.error == Error::arg_inval);
    CHECK_THAT(built.message, Catch::Contains("initrd") && Catch::Contains("not inside RAM"));
}

TEST_CASE("rm dt: every buffer too small for the tree fails with nomem and leaves no tree")
{
    PrimaryDtConfig config = qemu_like(4, true);
    Built whole = build(config);
    REQUIRE(whole.error == Error::ok);
    // libfdt's sequential writer puts the reservation map at offset 48 and fdt_pack()
    // moves it to 40, so building needs up to 8 bytes more than the packed tree.
    std::size_t capacity = 0;
    for (; capacity <= whole.size + 8; ++capacity) {
        Buffer buffer{whole.size + 8};
        Diagnostic diag;
        Result<std::size_t> size = build_primary_dt(config, buffer.data(), capacity, diag);
        if (size.ok()) {
            CHECK(*size == whole.size);
            break;
        }
        REQUIRE(size.error() == Error::nomem);
        REQUIRE_THAT(std::string{diag.c_str()}, Catch::Contains("does not fit in " + std::to_string(capacity) + " bytes"));
        REQUIRE(fdt_check_header(buffer.data()) != 0);
    }
    CHECK(capacity >= whole.size);
    CHECK(capacity <= whole.size + 8);
}

TEST_CASE("rm dt: a buffer that is not 8-byte aligned is refused")
{
    Buffer buffer{8192};
    Diagnostic diag;
    void* misaligned = static_cast<char*>(buffer.data()) + 4;
    CHECK(build_primary_dt(qemu_like(1, false), misaligned, 8000, diag).error() == Error::arg_align);
    CHECK(build_primary_dt(qemu_like(1, false), nullptr, 8000, diag).error() == Error::arg_align);
}

namespace {

PrimaryDtConfig with_rm_link(std::uint64_t tx_cap, std::uint64_t rx_cap, std::uint32_t tx_intid,
                             std::uint32_t rx_intid)
{
    PrimaryDtConfig config = qemu_like(2, false);
    config.rm_link.present = true;
    config.rm_link.tx_cap = tx_cap;
    config.rm_link.rx_cap = rx_cap;
    config.rm_link.tx_intid = tx_intid;
    config.rm_link.rx_intid = rx_intid;
    config.rm_link.vmid = 3;
    config.rm_link.message_size = 240;
    config.rm_link.queue_depth = 8;
    return config;
}

}  // namespace

TEST_CASE("rm dt: without an RM link there is no /hypervisor node")
{
    Built built = build(qemu_like(1, false));
    REQUIRE(built.error == Error::ok);
    CHECK(fdt_path_offset(built.blob.data(), "/hypervisor") == -FDT_ERR_NOTFOUND);
}

TEST_CASE("rm dt: the /hypervisor node holds the RM queue pair as gunyah-abi.md lays it out")
{
    Built built = build(with_rm_link(0x12, 0x13, 62, 63));
    REQUIRE(built.error == Error::ok);
    const void* fdt = built.blob.data();
    int hyp_node = fdt_path_offset(fdt, "/hypervisor");
    REQUIRE(hyp_node >= 0);
    // What Linux's driver matches first, then Qualcomm's names.
    CHECK(fdt_stringlist_search(fdt, hyp_node, "compatible", "gunyah-hypervisor") == 0);
    CHECK(fdt_stringlist_search(fdt, hyp_node, "compatible", "qcom,gunyah-hypervisor") >= 0);
    CHECK(fdt_stringlist_search(fdt, hyp_node, "compatible", "simple-bus") >= 0);
    CHECK(cells(built.blob, "/hypervisor", "#address-cells") == std::vector<std::uint32_t>{2});
    CHECK(cells(built.blob, "/hypervisor", "#size-cells") == std::vector<std::uint32_t>{0});
    CHECK(cells(built.blob, "/hypervisor/qcom,gunyah-vm", "qcom,vmid") == std::vector<std::uint32_t>{3});

    const char* rm_path = "/hypervisor/gunyah-resource-mgr@12";
    int rm_node = fdt_path_offset(fdt, rm_path);
    REQUIRE(rm_node >= 0);
    CHECK(fdt_node_check_compatible(fdt, rm_node, "gunyah-resource-manager") == 0);
    CHECK(fdt_node_check_compatible(fdt, rm_node, "qcom,resource-manager") == 0);
    // reg = <0 TX_CAPID>, <0 RX_CAPID>; interrupts: TX not-full, RX not-empty, edge SPIs.
    CHECK(cells(built.blob, rm_path, "reg") == std::vector<std::uint32_t>{0, 0x12, 0, 0x13});
    CHECK(cells(built.blob, rm_path, "interrupts") == std::vector<std::uint32_t>{0, 30, 1, 0, 31, 1});
    CHECK(cells(built.blob, rm_path, "qcom,tx-message-size") == std::vector<std::uint32_t>{240});
    CHECK(cells(built.blob, rm_path, "qcom,rx-queue-depth") == std::vector<std::uint32_t>{8});
    // dtc's one lint: a simple-bus child without reg. Qualcomm's RM writes the same node;
    // simple-bus is what makes Linux create devices for /hypervisor's children.
    std::string complaints = dtc_complaints(built.blob);
    const std::string known = "Warning (simple_bus_reg): /hypervisor/qcom,gunyah-vm: missing or empty reg/ranges property";
    std::string rest;
    std::size_t start = 0;
    while (start < complaints.size()) {
        std::size_t end = complaints.find('\n', start);
        std::string line = complaints.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.find(known) == std::string::npos) {
            rest += line + "\n";
        }
        start = end == std::string::npos ? complaints.size() : end + 1;
    }
    CHECK(rest.empty());
}

TEST_CASE("rm dt: RM queue interrupts must be distinct SPIs, apart from the UART's")
{
    CHECK(build(with_rm_link(1, 2, 27, 63)).error == Error::arg_inval);   // a PPI
    CHECK(build(with_rm_link(1, 2, 62, 1020)).error == Error::arg_inval); // past the SPIs
    CHECK(build(with_rm_link(1, 2, 62, 62)).error == Error::arg_inval);   // the same twice
    Built clash = build(with_rm_link(1, 2, 33, 63));                      // the UART's
    CHECK(clash.error == Error::arg_inval);
    CHECK(clash.message.find("UART") != std::string::npos);
}
