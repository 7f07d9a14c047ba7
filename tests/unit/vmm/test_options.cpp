// The VMM's command line (vmm/options.h): defaults, both value syntaxes, and one clear
// message naming the option for every kind of mistake.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "temp_dir.h"
#include "vmm/options.h"

using vmm::ParsedOptions;
using vmm::mib;

namespace {

ParsedOptions parse(std::vector<std::string> words)
{
    words.insert(words.begin(), "vmm");
    std::vector<const char*> argv;
    for (const std::string& w : words) {
        argv.push_back(w.c_str());
    }
    return vmm::parse_options(static_cast<int>(argv.size()), argv.data());
}

// The message of a refused command line; fails the test when it was accepted.
std::string refusal(std::vector<std::string> words)
{
    const ParsedOptions p = parse(std::move(words));
    CHECK(p.action == ParsedOptions::Action::usage_error);
    return p.error;
}

struct Files {
    vmm_test::TempDir dir;
    std::string kernel = dir.write("Image", std::string(4096, 'k'));
    std::string initrd = dir.write("initrd.cpio", std::string(100, 'i'));
};

}  // namespace

TEST_CASE("vmm options: --kernel alone gives the defaults", "[vmm]")
{
    Files f;
    const ParsedOptions p = parse({"--kernel", f.kernel});
    REQUIRE(p.action == ParsedOptions::Action::run);
    CHECK(p.options.kernel == f.kernel);
    CHECK(p.options.initrd.empty());
    CHECK(p.options.cpus == 1);
    CHECK(p.options.mem == 128 * mib);
    CHECK(p.options.cmdline == "console=ttyAMA0 earlycon=pl011,mmio32,0x09100000 panic=-1");
    CHECK(p.options.dtb_out.empty());
    CHECK(p.options.gic_from == "/proc/device-tree");
    CHECK_FALSE(p.options.gic_from_given);
}

TEST_CASE("vmm options: every option, as the next word or after =", "[vmm]")
{
    Files f;
    const std::string tree = f.dir.path().string();
    for (bool with_equals : {false, true}) {
        std::vector<std::string> words;
        auto add = [&](const std::string& name, const std::string& value) {
            if (with_equals) {
                words.push_back(name + "=" + value);
            } else {
                words.push_back(name);
                words.push_back(value);
            }
        };
        add("--kernel", f.kernel);
        add("--initrd", f.initrd);
        add("--cmdline", "console=ttyAMA0 rdinit=/bin/sh a=b");
        add("--cpus", "8");
        add("--mem", "2G");
        add("--dtb-out", "/tmp/out.dtb");
        add("--gic-from", tree);
        INFO("with '=': " << with_equals);
        const ParsedOptions p = parse(words);
        REQUIRE(p.action == ParsedOptions::Action::run);
        CHECK(p.options.initrd == f.initrd);
        CHECK(p.options.cmdline == "console=ttyAMA0 rdinit=/bin/sh a=b");
        CHECK(p.options.cpus == 8);
        CHECK(p.options.mem == 2048 * mib);
        CHECK(p.options.dtb_out == "/tmp/out.dtb");
        CHECK(p.options.gic_from == tree);
        CHECK(p.options.gic_from_given);
    }
}

TEST_CASE("vmm options: --help wins wherever it is", "[vmm]")
{
    CHECK(parse({"--help"}).action == ParsedOptions::Action::help);
    CHECK(parse({"--cpus", "2", "-h"}).action == ParsedOptions::Action::help);
    CHECK(vmm::usage_text().find("--kernel Image") != std::string::npos);
}

TEST_CASE("vmm options: sizes in bytes, K, M or G, decimal or hex", "[vmm]")
{
    std::uint64_t v = 0;
    CHECK((vmm::parse_size("4096", v) && v == 4096));
    CHECK((vmm::parse_size("64k", v) && v == 64 * 1024));
    CHECK((vmm::parse_size("256M", v) && v == 256 * mib));
    CHECK((vmm::parse_size("1g", v) && v == 1024 * mib));
    CHECK((vmm::parse_size("0x8000000", v) && v == 128 * mib));
    CHECK((vmm::parse_size("0x80M", v) && v == 128 * mib));
    for (const char* bad : {"", "M", "0x", "12T", "1.5G", "-1", "12MB", " 12", "0x1g2", "99999999999999999999",
                            "17179869184G"}) {
        INFO(bad);
        CHECK_FALSE(vmm::parse_size(bad, v));
    }
}

TEST_CASE("vmm options: --mem must be whole 2 MiB pieces from 16 MiB to 2 GiB", "[vmm]")
{
    Files f;
    for (const char* good : {"16M", "18M", "2G", "0x1000000", "2048M"}) {
        INFO(good);
        const ParsedOptions p = parse({"--kernel", f.kernel, "--mem", good});
        CHECK(p.action == ParsedOptions::Action::run);
    }
    CHECK(refusal({"--kernel", f.kernel, "--mem", "129M"}) == "--mem: 129M is not a multiple of 2 MiB");
    CHECK(refusal({"--kernel", f.kernel, "--mem", "14M"}) == "--mem: 14M is out of range (16 MiB to 2048 MiB)");
    CHECK(refusal({"--kernel", f.kernel, "--mem", "2050M"}) == "--mem: 2050M is out of range (16 MiB to 2048 MiB)");
    CHECK(refusal({"--kernel", f.kernel, "--mem", "lots"}).starts_with("--mem: 'lots' is not a size"));
}

TEST_CASE("vmm options: --cpus from 1 to 8", "[vmm]")
{
    Files f;
    CHECK(parse({"--kernel", f.kernel, "--cpus", "1"}).options.cpus == 1);
    CHECK(refusal({"--kernel", f.kernel, "--cpus", "0"}) == "--cpus: 0 is out of range (1 to 8)");
    CHECK(refusal({"--kernel", f.kernel, "--cpus", "9"}) == "--cpus: 9 is out of range (1 to 8)");
    CHECK(refusal({"--kernel", f.kernel, "--cpus", "0x2"}) == "--cpus: '0x2' is not a number");
    CHECK(refusal({"--kernel", f.kernel, "--cpus", ""}) == "--cpus: '' is not a number");
}

TEST_CASE("vmm options: unknown options, stray words and missing values are refused by name", "[vmm]")
{
    Files f;
    CHECK(refusal({"--kernel", f.kernel, "--memory", "1G"}) == "unknown option '--memory'");
    CHECK(refusal({"--kernel", f.kernel, "--mem-size=1G"}) == "unknown option '--mem-size'");
    CHECK(refusal({"--kernel", f.kernel, "-m"}) == "unknown option '-m'");
    CHECK(refusal({"--kernel", f.kernel, "Image"}) == "unexpected argument 'Image'");
    CHECK(refusal({"--kernel", f.kernel, "--cpus"}) == "--cpus: missing value");
    CHECK(refusal({"--kernel"}) == "--kernel: missing value");
    CHECK(refusal({"--cpus", "2"}) == "--kernel is required");
    CHECK(refusal({}) == "--kernel is required");
}

TEST_CASE("vmm options: files that cannot be read are refused with the reason", "[vmm]")
{
    Files f;
    const std::string missing = f.dir / "no-such-file";
    CHECK(refusal({"--kernel", missing}) ==
          "--kernel: cannot read '" + missing + "': No such file or directory");
    CHECK(refusal({"--kernel", f.kernel, "--initrd", missing}) ==
          "--initrd: cannot read '" + missing + "': No such file or directory");
    const std::string dir = f.dir.path().string();
    CHECK(refusal({"--kernel", dir}) == "--kernel: cannot read '" + dir + "': not a regular file");
    CHECK(refusal({"--kernel", f.kernel, "--gic-from", f.kernel}) ==
          "--gic-from: '" + f.kernel + "' is not a directory");
    CHECK(refusal({"--kernel", f.kernel, "--dtb-out="}) == "--dtb-out: the file name is empty");
}
