// The resource manager's console (rm/core/console.h): every line starts with "RM: ",
// formatted text included; nothing is written before a UART is attached.
#include <catch2/catch.hpp>

#include <string>

#include "rm/core/console.h"

using namespace hyp;
using namespace hyp::rm;

namespace {

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

}  // namespace

TEST_CASE("rm console: each line starts with RM: and ends with a newline")
{
    Capture out;
    Console console{&out};
    console.print("resource manager starting ({} CPUs, {} MiB free RAM, {} modules)", 4, 1882, 2);
    console.print("RAM at {:#x}", 0x4a200000u);
    CHECK(out.text == "RM: resource manager starting (4 CPUs, 1882 MiB free RAM, 2 modules)\nRM: RAM at 0x4a200000\n");
}

TEST_CASE("rm console: text with newlines of its own gets the prefix on every line")
{
    Capture out;
    Console console{&out};
    console.print("one\ntwo\n");
    console.print("{}", "three\nfour");
    CHECK(out.text == "RM: one\nRM: two\nRM: three\nRM: four\n");
}

TEST_CASE("rm console: nothing is written until a UART is attached")
{
    Capture out;
    Console console;
    CHECK_FALSE(console.attached());
    console.print("lost");
    console.attach(&out);
    CHECK(console.attached());
    console.print("kept");
    CHECK(out.text == "RM: kept\n");
}

TEST_CASE("rm console: line ends go out as CR LF, since the hypervisor passes a VM's bytes as they are")
{
    Capture out;
    Console console{&out};
    console.print("one\ntwo");
    CHECK(out.raw == "RM: one\r\nRM: two\r\n");
}
