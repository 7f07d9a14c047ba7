// Guest RAM (vmm/guest_memory.h): 2 MiB aligned whatever mmap returns, zeroed, usable
// end to end; sizes that are not whole 2 MiB pieces refused.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "vmm/guest_memory.h"

TEST_CASE("vmm memory: 2 MiB aligned, zeroed, writable to its last byte", "[vmm]")
{
    for (std::size_t mib : {2, 6, 16}) {
        vmm::GuestMemory memory;
        std::string error, warning;
        REQUIRE(memory.allocate(mib << 20, error, warning));
        CHECK(memory.size() == mib << 20);
        CHECK(reinterpret_cast<std::uintptr_t>(memory.data()) % vmm::huge_page == 0);
        CHECK(memory.data()[0] == 0);
        CHECK(memory.data()[memory.size() - 1] == 0);
        memory.data()[memory.size() - 1] = 0x5a;
        CHECK(memory.data()[memory.size() - 1] == 0x5a);
    }
}

TEST_CASE("vmm memory: a size that is not whole 2 MiB pieces is refused", "[vmm]")
{
    vmm::GuestMemory memory;
    std::string error, warning;
    CHECK_FALSE(memory.allocate(0, error, warning));
    CHECK_FALSE(memory.allocate((2 << 20) + 4096, error, warning));
    CHECK(error == "guest RAM must be a non-zero multiple of 2 MiB");
    CHECK(memory.data() == nullptr);
}
