// Hardware VMID allocation: 8- and 16-bit widths, VMID 0 never handed out, exhaustion,
// claims of a named VMID, and frees that must match an allocation.
#include <catch2/catch.hpp>

#include <memory>
#include <thread>
#include <vector>

#include "kernel/mem/vmid_allocator.h"

using namespace hyp;
using namespace hyp::mem;

TEST_CASE("VMIDBits decodes to 16 only for 0b0010", "[vmid]")
{
    CHECK(vmid_bits_from_mmfr1(0x0) == 8);
    CHECK(vmid_bits_from_mmfr1(0x20) == 16);
    CHECK(vmid_bits_from_mmfr1(0xffff'ff2f) == 16);
    CHECK(vmid_bits_from_mmfr1(0x10) == 8);  // reserved: the minimum every CPU has
}

TEST_CASE("8-bit VMIDs run out after 255, never handing out 0", "[vmid]")
{
    auto vmids = std::make_unique<VmidAllocator>(8);
    CHECK(vmids->bits() == 8);
    CHECK(vmids->capacity() == 255);
    std::vector<bool> seen(256, false);
    for (int i = 0; i < 255; ++i) {
        auto vmid = vmids->allocate();
        REQUIRE(vmid.ok());
        REQUIRE(*vmid != 0);
        REQUIRE(*vmid < 256);
        REQUIRE_FALSE(seen[*vmid]);
        seen[*vmid] = true;
    }
    CHECK(vmids->allocate().error() == Error::nomem);
    REQUIRE(vmids->free(77).ok());
    CHECK(vmids->allocate().value() == 77);  // a freed VMID is the next one out
    CHECK(vmids->allocate().error() == Error::nomem);
}

TEST_CASE("16-bit VMIDs give 65535", "[vmid]")
{
    auto vmids = std::make_unique<VmidAllocator>(16);
    CHECK(vmids->capacity() == 65535);
    Vmid last = 0;
    for (int i = 0; i < 65535; ++i) {
        auto vmid = vmids->allocate();
        REQUIRE(vmid.ok());
        last = *vmid;
    }
    CHECK(last == 65535);
    CHECK(vmids->allocate().error() == Error::nomem);
}

TEST_CASE("a named VMID can be claimed once, and only inside the width", "[vmid]")
{
    auto vmids = std::make_unique<VmidAllocator>(8);
    CHECK(vmids->claim(5).ok());
    CHECK(vmids->claim(5).error() == Error::busy);
    CHECK(vmids->in_use(5));
    CHECK(vmids->claim(0).error() == Error::arg_inval);
    CHECK(vmids->claim(256).error() == Error::arg_inval);
    CHECK(vmids->allocate().value() == 1);
    CHECK(vmids->claim(1).error() == Error::busy);  // allocate and claim share one pool
}

TEST_CASE("freeing checks that the VMID was handed out", "[vmid]")
{
    auto vmids = std::make_unique<VmidAllocator>(16);
    CHECK(vmids->free(0).error() == Error::arg_inval);
    CHECK(vmids->free(9).error() == Error::arg_inval);
    REQUIRE(vmids->claim(9).ok());
    CHECK(vmids->free(9).ok());
    CHECK(vmids->free(9).error() == Error::arg_inval);  // twice
    CHECK_FALSE(vmids->in_use(9));
    CHECK_FALSE(vmids->in_use(0xffff));
}

TEST_CASE("CPUs allocating at once never get the same VMID", "[vmid]")
{
    auto vmids = std::make_unique<VmidAllocator>(8);
    constexpr int threads = 4, each = 60;
    std::vector<std::vector<Vmid>> got(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < each; ++i) {
                auto vmid = vmids->allocate();
                if (vmid.ok()) {
                    got[t].push_back(*vmid);
                }
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    std::vector<int> owners(256, 0);
    std::size_t total = 0;
    for (const auto& list : got) {
        for (Vmid v : list) {
            ++owners[v];
            ++total;
        }
    }
    CHECK(total == threads * each);
    for (int count : owners) {
        CHECK(count <= 1);
    }
}
