// copy_from_guest / copy_to_guest (kernel/object/addrspace_guest_memory.h): bytes between
// the kernel and a VM's memory by IPA, page by page through its stage 2, all or nothing.
#include <cstdint>
#include <vector>

#include "kernel/object/addrspace_guest_memory.h"
#include "test_ipc_fixture.h"

using namespace ipctest;

namespace {

std::int64_t code(Status s) { return static_cast<std::int64_t>(s.error()); }

}  // namespace

TEST_CASE("guest copy: a buffer across two pages goes page by page, wherever each page is")
{
    Ipc s;
    const AddrSpace& as = s.as(s.vm_as);
    // swap_ipa's two pages are in the other order in physical memory.
    REQUIRE(s.host(swap_ipa + page) + page == s.host(swap_ipa));
    const std::uint64_t at = swap_ipa + page - 100;
    std::vector<std::uint8_t> in = Ipc::pattern(300, 3);
    REQUIRE(copy_to_guest(as, Ipa{at}, in.data(), in.size()).ok());
    CHECK(s.bytes(at, 300) == in);
    // The first 100 bytes end the VM's first page (the second physical page) ...
    CHECK(std::memcmp(s.host(swap_ipa) + page - 100, in.data(), 100) == 0);
    // ... the other 200 start its second page (the first physical one).
    CHECK(std::memcmp(s.host(swap_ipa + page), in.data() + 100, 200) == 0);

    std::vector<std::uint8_t> out(300);
    REQUIRE(copy_from_guest(as, out.data(), Ipa{at}, out.size()).ok());
    CHECK(out == in);

    // Four whole pages, into and out of buf_ipa.
    std::vector<std::uint8_t> big = Ipc::pattern(buf_pages * page, 9);
    REQUIRE(copy_to_guest(as, Ipa{buf_ipa}, big.data(), big.size()).ok());
    CHECK(s.bytes(buf_ipa, big.size()) == big);
    std::vector<std::uint8_t> back(big.size());
    REQUIRE(copy_from_guest(as, back.data(), Ipa{buf_ipa}, back.size()).ok());
    CHECK(back == big);
}

TEST_CASE("guest copy: a refused copy moves no byte")
{
    Ipc s;
    const AddrSpace& as = s.as(s.vm_as);
    s.fill(buf_ipa, buf_pages * page, 1);
    const std::vector<std::uint8_t> before = s.bytes(buf_ipa, buf_pages * page);
    std::vector<std::uint8_t> data = Ipc::pattern(2 * page, 77);
    std::vector<std::uint8_t> out(2 * page, 0xee);
    const std::vector<std::uint8_t> out_before = out;

    struct Case {
        const char* what;
        std::uint64_t ipa;
        std::size_t size;
        bool readable;  // a copy from the VM is allowed
        bool writable;  // a copy to the VM is allowed
    };
    const Case cases[] = {
        {"nothing mapped", hole_ipa, 16, false, false},
        {"the last bytes run off the mapping", buf_ipa + buf_pages * page - 8, 16, false, false},
        {"a whole page more than is mapped", buf_ipa + page, buf_pages * page, false, false},
        {"read-only", ro_ipa, 16, true, false},
        {"write-only", wo_ipa, 16, false, true},
        {"device memory", dev_ipa, 16, false, false},
        {"the IPA wraps", ~std::uint64_t{0} - 7, 16, false, false},
        {"beyond the IPA size", std::uint64_t{1} << 52, 16, false, false},
    };
    for (const Case& k : cases) {
        CAPTURE(k.what);
        out = out_before;
        Status to = copy_to_guest(as, Ipa{k.ipa}, data.data(), k.size);
        Status from = copy_from_guest(as, out.data(), Ipa{k.ipa}, k.size);
        CHECK(to.ok() == k.writable);
        CHECK(from.ok() == k.readable);
        if (!k.writable) {
            CHECK(code(to) == GUNYAH_ERROR_ADDR_INVAL);
        }
        if (!k.readable) {
            CHECK(code(from) == GUNYAH_ERROR_ADDR_INVAL);
            CHECK(out == out_before);
        }
        // What was mapped before the hole is untouched by the refused copies.
        CHECK(s.bytes(buf_ipa, buf_pages * page) == before);
    }
    // Size 0 touches nothing, anywhere.
    CHECK(copy_to_guest(as, Ipa{hole_ipa}, data.data(), 0).ok());
    CHECK(copy_from_guest(as, out.data(), Ipa{~std::uint64_t{0}}, 0).ok());
}

TEST_CASE("guest copy: an address space that is not active has no memory to copy")
{
    Ipc s;
    CapId fresh = s.new_addrspace();
    std::uint8_t byte = 0;
    CHECK(code(copy_from_guest(s.as(fresh), &byte, Ipa{buf_ipa}, 1)) == GUNYAH_ERROR_ADDR_INVAL);
    CHECK(code(copy_to_guest(s.as(fresh), Ipa{buf_ipa}, &byte, 1)) == GUNYAH_ERROR_ADDR_INVAL);
}
