// Device-tree blobs for the unit tests: the fixtures built from tests/fixtures/dts into
// HYP_FIXTURE_DTB_DIR, the real SoC trees from Debian's arm64 kernel package in
// HYP_DEBIAN_DTB_DIR, edited copies of them (libfdt's read-write API), and a discover()
// wrapper that keeps the result and its message together for assertions.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platform/dt/discover.h"
#include "platform/dt/fdt.h"

namespace hyp::test {

// Exactly the file's bytes: a vector allocation, so 8-byte aligned as libfdt wants and
// with nothing readable past the end (AddressSanitizer sees any overread).
using Blob = std::vector<std::uint8_t>;

inline bool read_file(const std::string& path, Blob& bytes)
{
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        return false;
    }
    bytes.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
    return true;
}

// A fixture by name ("qemu_virt" for tests/fixtures/dts/qemu_virt.dts).
inline Blob fixture_dtb(const std::string& name)
{
    std::string path = std::string{HYP_FIXTURE_DTB_DIR} + "/" + name + ".dtb";
    Blob bytes;
    if (!read_file(path, bytes)) {
        FAIL("fixture " << path << " is missing: it is built from tests/fixtures/dts/" << name
                        << ".dts with the unit tests");
    }
    return bytes;
}

// A tree from Debian's kernel package by its path there ("qcom/sc7280-idp.dtb").
// Missing files fail the test: a skipped SoC test would hide a regression.
inline Blob debian_dtb(const std::string& relative)
{
    std::string path = std::string{HYP_DEBIAN_DTB_DIR} + "/" + relative;
    Blob bytes;
    if (!read_file(path, bytes)) {
        FAIL(path << " is missing: run scripts/fetch-guest to download Debian's arm64 kernel and its device trees");
    }
    return bytes;
}

// A copy of `blob` edited by `edit(void* fdt)` through libfdt, then packed and trimmed
// to its exact size.
template <typename Edit>
Blob edited(const Blob& blob, Edit edit)
{
    Blob work(blob.size() + 64 * 1024);
    REQUIRE(fdt_open_into(blob.data(), work.data(), static_cast<int>(work.size())) == 0);
    edit(static_cast<void*>(work.data()));
    REQUIRE(fdt_pack(work.data()) == 0);
    return Blob(work.begin(), work.begin() + fdt_totalsize(work.data()));
}

inline int node_at(const void* fdt, const char* path)
{
    int node = fdt_path_offset(fdt, path);
    REQUIRE(node >= 0);
    return node;
}

// Property edits by node path, for the `edited` callbacks.
inline void set_bytes(void* fdt, const char* path, const char* name, std::initializer_list<std::uint8_t> bytes)
{
    std::vector<std::uint8_t> value(bytes);
    REQUIRE(fdt_setprop(fdt, node_at(fdt, path), name, value.data(), static_cast<int>(value.size())) == 0);
}

inline void set_cells(void* fdt, const char* path, const char* name, std::initializer_list<std::uint32_t> cells)
{
    std::vector<fdt32_t> value;
    for (std::uint32_t cell : cells) {
        value.push_back(cpu_to_fdt32(cell));
    }
    REQUIRE(fdt_setprop(fdt, node_at(fdt, path), name, value.data(), static_cast<int>(value.size() * 4)) == 0);
}

inline void set_string(void* fdt, const char* path, const char* name, const char* value)
{
    REQUIRE(fdt_setprop_string(fdt, node_at(fdt, path), name, value) == 0);
}

inline void delete_prop(void* fdt, const char* path, const char* name)
{
    REQUIRE(fdt_delprop(fdt, node_at(fdt, path), name) == 0);
}

inline void delete_node(void* fdt, const char* path) { REQUIRE(fdt_del_node(fdt, node_at(fdt, path)) == 0); }

// What discover() returned, with the information it filled and (when given one) the
// blob that information points into. Heap-held: PlatformInfo is a few KiB.
struct Discovery {
    Blob blob;
    platform::PlatformInfo info;
    platform::Diagnostic diag;
    Error error = Error::ok;

    [[nodiscard]] bool ok() const { return error == Error::ok; }
    [[nodiscard]] std::string message() const { return diag.c_str(); }
};

// Discovery over bytes the caller keeps alive.
inline std::unique_ptr<Discovery> discover(const void* blob, std::size_t capacity)
{
    auto result = std::make_unique<Discovery>();
    Status status = platform::discover(blob, capacity, result->info, result->diag);
    result->error = status.error();
    return result;
}

// Discovery over a blob the result keeps (DtStrings in the info point into it).
inline std::unique_ptr<Discovery> discover(Blob blob)
{
    auto result = std::make_unique<Discovery>();
    result->blob = std::move(blob);
    Status status = platform::discover(result->blob.data(), result->blob.size(), result->info, result->diag);
    result->error = status.error();
    return result;
}

// check_runnable()'s verdict: empty when runnable, else its message.
inline std::string runnable_problem(const platform::PlatformInfo& info)
{
    platform::Diagnostic diag;
    Status status = platform::check_runnable(info, diag);
    if (status) {
        return {};
    }
    std::string message = diag.c_str();
    return message.empty() ? std::string{"(refused without a message)"} : message;
}

inline std::string str(platform::DtString s) { return s.data == nullptr ? std::string{} : std::string{s.data, s.length}; }

inline PhysRange range(std::uint64_t base, std::uint64_t size) { return {PhysAddr{base}, size}; }

// A machine's memory as discovery would describe it, written by hand: RAM, reserved
// ranges and the devices the hypervisor keeps, into a PlatformInfo (on the heap: 4 KiB).
struct Layout {
    std::vector<PhysRange> memory;
    std::vector<PhysRange> reserved;
    std::vector<PhysRange> kept = {};
};

inline std::unique_ptr<platform::PlatformInfo> info_of(const Layout& layout)
{
    auto info = std::make_unique<platform::PlatformInfo>();
    for (const PhysRange& r : layout.memory) {
        info->memory[info->memory_count++] = r;
    }
    for (const PhysRange& r : layout.reserved) {
        info->reserved[info->reserved_count++] = r;
    }
    for (const PhysRange& r : layout.kept) {
        info->kept_devices[info->kept_device_count++] = r;
    }
    return info;
}

}  // namespace hyp::test

// Ranges print as [base, +size) in failure messages.
namespace Catch {
template <>
struct StringMaker<hyp::PhysRange> {
    static std::string convert(const hyp::PhysRange& r)
    {
        char text[64];
        std::snprintf(text, sizeof text, "[%#llx, +%#llx)", static_cast<unsigned long long>(r.base.raw()),
                      static_cast<unsigned long long>(r.size));
        return text;
    }
};
}  // namespace Catch
