// The resource manager's options (rm/boot/options.h): sizes with suffixes, vCPU counts,
// defaults, unknown options reported and ignored, bad values refused with the word.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "rm/boot/options.h"

using namespace hyp;
using namespace hyp::rm;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

fmt::StrView view(const char* s) { return fmt::StrView{s, std::strlen(s)}; }

// The text is kept with the result: unknown options' words point into it.
struct Parsed {
    std::string text;
    Status status = success();
    RmOptions options;
    UnknownOptions unknown;
    std::string message;

    explicit Parsed(std::string t) : text{std::move(t)}
    {
        Diagnostic diag;
        status = parse_rm_options(text.c_str(), text.size() + 1, options, unknown, diag);
        message = diag.c_str();
    }
    Parsed(const Parsed&) = delete;
};

std::unique_ptr<Parsed> parse(const std::string& text) { return std::make_unique<Parsed>(text); }

std::string word(const fmt::StrView& w) { return std::string{w.data, w.length}; }

}  // namespace

TEST_CASE("rm options: sizes in bytes, K, M or G, decimal or hex")
{
    CHECK(parse_size(view("4096")).value_or(0) == 4096);
    CHECK(parse_size(view("64K")).value_or(0) == 64 * 1024);
    CHECK(parse_size(view("64k")).value_or(0) == 64 * 1024);
    CHECK(parse_size(view("256M")).value_or(0) == 256 * mib);
    CHECK(parse_size(view("256m")).value_or(0) == 256 * mib);
    CHECK(parse_size(view("2G")).value_or(0) == 2048 * mib);
    CHECK(parse_size(view("0x10000000")).value_or(0) == 256 * mib);
    CHECK(parse_size(view("0x100M")).value_or(0) == 256 * mib);
    CHECK(parse_size(view("0x1b")).value_or(0) == 27);
}

TEST_CASE("rm options: a size that is empty, malformed or too large is refused")
{
    for (const char* bad : {"", "M", "0x", "0xG", "12T", "1.5G", "-1", "12MB", " 12", "0x1g2"}) {
        INFO(bad);
        CHECK_FALSE(parse_size(view(bad)).ok());
    }
    CHECK(parse_size(view("18446744073709551615")).ok());
    CHECK(parse_size(view("18446744073709551616")).error() == Error::addr_ovfl);
    CHECK(parse_size(view("17179869184G")).error() == Error::addr_ovfl);  // 2^34 GiB = 2^64
    CHECK(parse_size(view("17179869183G")).ok());
}

TEST_CASE("rm options: nothing given keeps the defaults: 512 MiB and one vCPU per CPU")
{
    auto p = parse("");
    REQUIRE(p->status.ok());
    CHECK(p->options.primary_ram_size == 512 * mib);
    CHECK(p->options.vcpus == 0);
    CHECK(primary_vcpu_count(p->options, 4) == 4);
    CHECK(primary_vcpu_count(p->options, 1) == 1);
}

TEST_CASE("rm options: rm.mem and rm.vcpus are read, the last one given wins")
{
    auto p = parse("rm.mem=256M rm.vcpus=8");
    REQUIRE(p->status.ok());
    CHECK(p->options.primary_ram_size == 256 * mib);
    CHECK(p->options.vcpus == 8);
    CHECK(primary_vcpu_count(p->options, 4) == 8);  // more vCPUs than CPUs is allowed

    p = parse("rm.vcpus=2 rm.mem=1G rm.vcpus=64");
    REQUIRE(p->status.ok());
    CHECK(p->options.primary_ram_size == 1024 * mib);
    CHECK(p->options.vcpus == 64);
}

TEST_CASE("rm options: unknown rm. options are collected for the report, other words are not the RM's")
{
    auto p = parse("rm.foo=1 console=ttyAMA0 rm.bar rm.mem=64M");
    REQUIRE(p->status.ok());
    CHECK(p->options.primary_ram_size == 64 * mib);
    REQUIRE(p->unknown.count == 2);
    CHECK(word(p->unknown.words[0]) == "rm.foo=1");
    CHECK(word(p->unknown.words[1]) == "rm.bar");
    CHECK(p->unknown.more == 0);

    std::string many;
    for (int i = 0; i < 11; ++i) {
        many += "rm.u" + std::to_string(i) + " ";
    }
    p = parse(many);
    REQUIRE(p->status.ok());
    CHECK(p->unknown.count == UnknownOptions::capacity);
    CHECK(p->unknown.more == 3);
}

TEST_CASE("rm options: a bad value is refused with the word and what the option takes")
{
    auto p = parse("rm.mem=lots");
    CHECK(p->status.error() == Error::arg_inval);
    CHECK_THAT(p->message, Catch::Contains("bad option rm.mem=lots") && Catch::Contains("K, M or G"));

    for (const char* bad : {"rm.mem", "rm.mem=", "rm.mem=0", "rm.mem=4097", "rm.mem=1000"}) {
        INFO(bad);
        CHECK_FALSE(parse(bad)->status.ok());
    }
    CHECK_THAT(parse("rm.mem=1000")->message, Catch::Contains("multiple of 4K"));

    for (const char* bad : {"rm.vcpus=0", "rm.vcpus=65", "rm.vcpus=", "rm.vcpus", "rm.vcpus=two", "rm.vcpus=4K"}) {
        INFO(bad);
        auto q = parse(bad);
        CHECK(q->status.error() == Error::arg_inval);
        CHECK_THAT(q->message, Catch::Contains("rm.vcpus takes a number from 1 to 64"));
    }
    CHECK(parse("rm.vcpus=1")->status.ok());
    CHECK(parse("rm.vcpus=64")->status.ok());
}

TEST_CASE("rm options: the text is read only within its field, terminated or not")
{
    char field[16];
    std::memcpy(field, "rm.vcpus=3 rm.m", sizeof field);  // 16 bytes, no NUL
    RmOptions options;
    UnknownOptions unknown;
    Diagnostic diag;
    REQUIRE(parse_rm_options(field, sizeof field, options, unknown, diag).ok());
    CHECK(options.vcpus == 3);
    REQUIRE(unknown.count == 1);
    CHECK(word(unknown.words[0]) == "rm.m");
}
