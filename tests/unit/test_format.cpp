// The kernel's formatter: what each placeholder prints, and that bad formats and
// overflowing buffers stay visible and safe.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "support/format.h"

using namespace hyp;

namespace {

template <typename... Args>
std::string format(const char* f, const Args&... args)
{
    char buffer[256];
    fmt::format_buffer(buffer, sizeof buffer, f, args...);
    return buffer;
}

}  // namespace

TEST_CASE("integers print in decimal, hex and binary")
{
    CHECK(format("{}", 0) == "0");
    CHECK(format("{}", -42) == "-42");
    CHECK(format("{}", std::int64_t{INT64_MIN}) == "-9223372036854775808");
    CHECK(format("{}", UINT64_MAX) == "18446744073709551615");
    CHECK(format("{:x}", 0xbeefu) == "beef");
    CHECK(format("{:#x}", 0xbeefu) == "0xbeef");
    CHECK(format("{:#010x}", 0xbeefu) == "0x0000beef");
    CHECK(format("{:b}", 5u) == "101");
    CHECK(format("{:#b}", 5u) == "0b101");
}

TEST_CASE("width pads right-aligned by default and left-aligned with <")
{
    CHECK(format("[{:5}]", 42) == "[   42]");
    CHECK(format("[{:<5}]", 42) == "[42   ]");
    CHECK(format("[{:05}]", 42) == "[00042]");
    CHECK(format("[{:<6}]", "ab") == "[ab    ]");
}

TEST_CASE("strings, characters, booleans and pointers")
{
    CHECK(format("{} {}", "hello", 'x') == "hello x");
    CHECK(format("{}", true) == "true");
    CHECK(format("{}", static_cast<const char*>(nullptr)) == "(null)");
    CHECK(format("{}", fmt::StrView{"abcdef", 3}) == "abc");
    CHECK(format("{}", reinterpret_cast<const void*>(std::uintptr_t{0x1000})) == "0x1000");
}

TEST_CASE("addresses print as hex and errors by name")
{
    CHECK(format("{}", PhysAddr{0x40000000}) == "0x40000000");
    CHECK(format("{:#018x}", Ipa{0x1234}) == "0x0000000000001234");
    CHECK(format("{}", Error::cspace_insuf_rights) == "cspace_insuf_rights");
}

TEST_CASE("braces escape and bad placeholders print {?} without consuming the rest")
{
    CHECK(format("{{}} {}", 1) == "{} 1");
    CHECK(format("{} {}", 1) == "1 {?}");
    CHECK(format("{:q} {}", 1, 2) == "{?} 2");
    CHECK(format("unterminated {", 1) == "unterminated {");
}

TEST_CASE("a full buffer truncates, stays terminated and says so")
{
    char buffer[8];
    fmt::BufferSink sink{buffer, sizeof buffer};
    fmt::format_to(sink, "{}", "0123456789");
    CHECK(std::string(buffer) == "0123456");
    CHECK(sink.truncated());
    CHECK(sink.length() == 7);

    fmt::BufferSink empty{buffer, 0};
    fmt::format_to(empty, "x");
    CHECK(empty.truncated());
}
