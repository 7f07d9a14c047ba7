// Parcels of many ranges, as a Linux VMM lends a pinned buffer whose pages come in pieces:
// LEND with 512 ranges in one fragmented message and APPENDs after it (as Linux's
// rsc_mgr sends them), the per-parcel limit (2048) and the shared range pool (8192, in
// chunks of 16), every refusal changing nothing, and a whole VM life on such a parcel
// with everything the fake hypervisor holds back where it started.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "tests/unit/rm_vm_service_harness.h"

namespace hyp::test::vmsvc {
namespace {

constexpr std::uint64_t page = 0x1000;
constexpr std::uint8_t rwx = GUNYAH_RM_ACL_R | GUNYAH_RM_ACL_W | GUNYAH_RM_ACL_X;
constexpr std::size_t per_message = GUNYAH_RM_LIST_MAX_ENTRIES;  // 512, as Linux's GH_RM_MAX_MEM_ENTRIES

// n ranges of `size` bytes from `from`, `stride` apart: pinned pages with others between.
std::vector<Range> pieces(std::uint64_t from, std::size_t n, std::uint64_t size = page, std::uint64_t stride = 2 * page)
{
    std::vector<Range> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(Range{from + i * stride, size});
    }
    return out;
}

std::vector<Range> slice(const std::vector<Range>& all, std::size_t first, std::size_t count)
{
    return std::vector<Range>(all.begin() + static_cast<std::ptrdiff_t>(first),
                              all.begin() + static_cast<std::ptrdiff_t>(first + count));
}

Bytes append_payload(std::uint32_t handle, std::uint8_t flags, const std::vector<Range>& ranges)
{
    P p;
    p.le32(handle).u8(flags).u8(0).le16(0);
    p.le16(static_cast<std::uint16_t>(ranges.size())).le16(0);
    for (const Range& r : ranges) {
        p.le64(r.ipa).le64(r.size);
    }
    return p;
}

std::uint32_t append(Harness& h, std::uint32_t handle, std::uint8_t flags, const std::vector<Range>& ranges)
{
    return h.call(GUNYAH_RM_MSG_MEM_APPEND, append_payload(handle, flags, ranges)).error;
}

// A LEND (or SHARE) as Linux's rsc_mgr sends one: the first 512 ranges in it, with the
// APPEND flag when more follow, then APPENDs of 512, the last with DONE.
std::uint32_t lend_like_linux(Harness& h, std::uint16_t vmid, const std::vector<Range>& ranges,
                              std::uint32_t msg = GUNYAH_RM_MSG_MEM_LEND)
{
    const std::size_t first = std::min(ranges.size(), per_message);
    const std::uint8_t flags = first < ranges.size() ? GUNYAH_RM_MEM_SHARE_APPEND : 0;
    Reply r = h.call(msg, parcel(vmid, rwx, slice(ranges, 0, first), flags));
    REQUIRE(r.error == GUNYAH_RM_OK);
    const std::uint32_t handle = le32_at(r.data, 0);
    for (std::size_t at = first; at < ranges.size(); at += per_message) {
        const std::size_t n = std::min(per_message, ranges.size() - at);
        const bool last = at + n == ranges.size();
        REQUIRE(append(h, handle, last ? GUNYAH_RM_MEM_APPEND_DONE : 0, slice(ranges, at, n)) == GUNYAH_RM_OK);
    }
    return handle;
}

// What a refused request must leave as it was.
struct State {
    std::map<rm::CapId, rm::CapId> caps;
    std::vector<FakeHypervisor::Donated> donated;
    std::size_t guest_mappings;
    std::size_t free_chunks;
    std::size_t live_parcels;
    std::size_t ranges;
    bool operator==(const State&) const = default;
};

State state(const Harness& h)
{
    return State{h.hv.live_caps,
                 h.hv.donated_to_parent,
                 h.hv.guest_mappings.size(),
                 h.service.parcels.free_chunks(),
                 h.service.parcels.live(),
                 h.service.parcels.ranges_in_use()};
}

std::uint32_t reclaim(Harness& h, std::uint32_t handle)
{
    return h.call(GUNYAH_RM_MSG_MEM_RECLAIM, P{}.le32(handle).le32(0)).error;
}

}  // namespace

TEST_CASE("rm parcels: 512 ranges in one fragmented LEND, APPENDs up to 2048, one more is NORESOURCE and changes "
          "nothing",
          "[rm][mem][many]")
{
    Harness h{std::uint64_t{32} << 20};
    const std::uint16_t vmid = alloc(h);
    const std::vector<Range> ranges = pieces(ram_base, rm::parcel_max_ranges + 1);  // 4 KiB pages, 4 KiB apart

    const Bytes first = parcel(vmid, rwx, slice(ranges, 0, per_message), GUNYAH_RM_MEM_SHARE_APPEND);
    CHECK(linux_request(GUNYAH_RM_MSG_MEM_LEND, 1, first).size() == 36);  // 8216 bytes: 36 fragments
    Reply r = h.call(GUNYAH_RM_MSG_MEM_LEND, first);
    REQUIRE(r.error == GUNYAH_RM_OK);
    const std::uint32_t handle = le32_at(r.data, 0);
    for (std::size_t at = per_message; at < rm::parcel_max_ranges; at += per_message) {
        REQUIRE(append(h, handle, 0, slice(ranges, at, per_message)) == GUNYAH_RM_OK);
    }
    rm::Parcel& p = *h.service.parcels.find(handle);
    REQUIRE(p.range_count() == rm::parcel_max_ranges);
    CHECK(p.chunk_count() == rm::parcel_max_ranges / rm::parcel_range_chunk);
    CHECK_FALSE(p.complete);
    for (std::size_t i = 0; i < p.range_count(); ++i) {  // in the lender's order, each its own extent
        CHECK(p.range(i).ipa == ranges[i].ipa);
        CHECK(p.range(i).extent != rm::cap_invalid);
    }
    CHECK(h.hv.live_caps.size() == rm::parcel_max_ranges);
    CHECK(h.hv.donated_to_parent.size() == rm::parcel_max_ranges);

    // The 2049th range: refused before anything is looked at or made.
    const State before = state(h);
    const std::size_t calls = h.hv.calls.size();
    CHECK(append(h, handle, GUNYAH_RM_MEM_APPEND_DONE, slice(ranges, rm::parcel_max_ranges, 1)) ==
          GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(state(h) == before);
    CHECK(h.hv.calls.size() == calls);
    CHECK_FALSE(p.complete);

    // More than 512 entries in one list is malformed, as in Gunyah's RM (and a message
    // carries at most 14616 bytes: 912 entries, however the list were counted).
    const Bytes too_long = parcel(vmid, rwx, pieces(ram_base + 0x1000, per_message + 1));
    CHECK(h.call(GUNYAH_RM_MSG_MEM_LEND, too_long).error == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(append(h, handle, 0, pieces(ram_base + 0x1000, per_message + 1)) == GUNYAH_RM_ERROR_MSG_INVALID);
    CHECK(state(h) == before);

    // Linux's answer to a failed APPEND: reclaim the parcel, incomplete as it is.
    REQUIRE(reclaim(h, handle) == GUNYAH_RM_OK);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.hv.donated_to_parent.empty());
    CHECK(h.service.parcels.free_chunks() == rm::parcel_pool_chunks);
    CHECK(h.service.teardown_failures == 0);
}

TEST_CASE("rm parcels: the shared pool of 8192 ranges, exhausted by LEND and by APPEND, refuses with NORESOURCE "
          "and leaks nothing",
          "[rm][mem][many]")
{
    Harness h{std::uint64_t{64} << 20};
    const std::uint16_t vmid = alloc(h);
    const State empty = state(h);
    // 64 MiB of 4 KiB pages every 8 KiB: 8192 ranges. Three parcels of 2048, one of 2032.
    const std::vector<Range> all = pieces(ram_base, rm::parcel_pool_ranges);
    std::vector<std::uint32_t> handles;
    for (std::size_t i = 0; i < 3; ++i) {
        handles.push_back(lend_like_linux(h, vmid, slice(all, i * 2048, 2048)));
    }
    handles.push_back(lend_like_linux(h, vmid, slice(all, 3 * 2048, 2032)));
    CHECK(h.service.parcels.free_chunks() == 1);
    CHECK(h.hv.live_caps.size() == 4 * 2048 - 16);

    // The gaps between the pages are free to lend: 16 of them fill the last chunk.
    const std::vector<Range> gaps = pieces(ram_base + page, 32);
    Reply r = h.call(GUNYAH_RM_MSG_MEM_LEND, parcel(vmid, rwx, slice(gaps, 0, 16), GUNYAH_RM_MEM_SHARE_APPEND));
    REQUIRE(r.error == GUNYAH_RM_OK);
    const std::uint32_t last = le32_at(r.data, 0);
    CHECK(h.service.parcels.free_chunks() == 0);
    CHECK(h.service.parcels.ranges_in_use() == rm::parcel_pool_ranges);

    // A 17th range needs a chunk: APPEND refused, and a new LEND of a single range too.
    const State full = state(h);
    const std::size_t calls = h.hv.calls.size();
    CHECK(append(h, last, GUNYAH_RM_MEM_APPEND_DONE, slice(gaps, 16, 1)) == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_LEND, parcel(vmid, rwx, slice(gaps, 17, 1))).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.call(GUNYAH_RM_MSG_MEM_SHARE, parcel(vmid, rwx, slice(gaps, 17, 1))).error == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(state(h) == full);
    CHECK(h.hv.calls.size() == calls);  // not one hypercall
    CHECK_FALSE(h.service.parcels.find(last)->complete);

    // A chunk given back (a whole parcel reclaimed) is there for the next one.
    REQUIRE(reclaim(h, last) == GUNYAH_RM_OK);
    CHECK(h.service.parcels.free_chunks() == 1);
    const std::uint32_t again = lend_like_linux(h, vmid, slice(gaps, 16, 16));
    CHECK(h.service.parcels.free_chunks() == 0);
    handles.push_back(again);

    for (std::uint32_t handle : handles) {
        REQUIRE(reclaim(h, handle) == GUNYAH_RM_OK);
    }
    CHECK(state(h) == empty);
    CHECK(h.service.teardown_failures == 0);
    // Each reclaim said what was left; the last said nothing was.
    const std::string tail = "RM: parcels: 0 live, 0 bytes lent or shared\n";
    CHECK(h.console_text.text.substr(h.console_text.text.size() - tail.size()) == tail);
}

TEST_CASE("rm parcels: a hypercall failing in the middle of a 512-range APPEND undoes that APPEND only",
          "[rm][mem][many]")
{
    Harness h{std::uint64_t{32} << 20};
    const std::uint16_t vmid = alloc(h);
    const std::vector<Range> ranges = pieces(ram_base, 1024);
    Reply r = h.call(GUNYAH_RM_MSG_MEM_LEND, parcel(vmid, rwx, slice(ranges, 0, 512), GUNYAH_RM_MEM_SHARE_APPEND));
    REQUIRE(r.error == GUNYAH_RM_OK);
    const std::uint32_t handle = le32_at(r.data, 0);
    const State before = state(h);
    std::vector<Error> script(300, Error::ok);
    script.push_back(Error::nomem);  // the 301st range's activation
    for (Error e : script) {
        h.hv.fail_next("object_activate", {e});
    }
    CHECK(append(h, handle, GUNYAH_RM_MEM_APPEND_DONE, slice(ranges, 512, 512)) == GUNYAH_RM_ERROR_NOMEM);
    CHECK(state(h) == before);  // 300 ranges given back to the lender, 301 extents deleted
    CHECK(h.hv.all("memextent_donate").size() == 512 + 2 * 301);
    CHECK_FALSE(h.service.parcels.find(handle)->complete);
    CHECK(h.service.teardown_failures == 0);
    // The lender may try again, or reclaim what was lent.
    REQUIRE(append(h, handle, GUNYAH_RM_MEM_APPEND_DONE, slice(ranges, 512, 512)) == GUNYAH_RM_OK);
    CHECK(h.service.parcels.find(handle)->range_count() == 1024);
    REQUIRE(reclaim(h, handle) == GUNYAH_RM_OK);
    CHECK(h.hv.live_caps.empty());
    CHECK(h.hv.donated_to_parent.empty());
}

namespace {

// A VM's image parcel as a VMM's pinned buffer comes: a 2 MiB huge page first (the DT in
// it, at 64 KiB), then 2047 single pages with others between them.
std::vector<Range> vm_buffer()
{
    std::vector<Range> ranges = {{ram_base + 0x200000, 0x200000}};
    const std::vector<Range> rest = pieces(ram_base + 0x400000, rm::parcel_max_ranges - 1);
    ranges.insert(ranges.end(), rest.begin(), rest.end());
    return ranges;
}

std::uint64_t total_of(const std::vector<Range>& ranges)
{
    std::uint64_t total = 0;
    for (const Range& r : ranges) {
        total += r.size;
    }
    return total;
}

rm::CapId last_addrspace(const Harness& h) { return h.hv.all("partition_create_addrspace").back().args.back(); }

}  // namespace

TEST_CASE("rm vm: a VM on a 2048-range parcel, configured with image_size 0 as Linux's gh_vm_start does, has every "
          "range mapped back to back at its base, and its reset and reclaim leave nothing behind",
          "[rm][vm][many]")
{
    Harness h{std::uint64_t{32} << 20};
    const State empty = state(h);
    const std::uint16_t vmid = alloc(h);
    const std::vector<Range> ranges = vm_buffer();
    (void)write_vm_dt(h.hv, ranges[0].ipa + 0x10000, 0x2000, 2, true);
    const std::uint32_t handle = lend_like_linux(h, vmid, ranges);
    // gh_rm_vm_configure(vmid, auth, mem_handle, 0 /*image_offset*/, 0 /*image_size*/, dtb_offset, dtb_size)
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0x10000, 0x2000)).error ==
            GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_OK);

    const rm::CapId vm_as = last_addrspace(h);
    std::vector<FakeHypervisor::GuestMapping> in_vm;
    for (const auto& m : h.hv.guest_mappings) {
        if (m.addrspace == vm_as) {
            in_vm.push_back(m);
        }
    }
    const rm::Parcel& p = *h.service.parcels.find(handle);
    REQUIRE(in_vm.size() == rm::parcel_max_ranges);
    std::uint64_t at = vm_base;
    for (std::size_t i = 0; i < in_vm.size(); ++i) {
        INFO(i);
        CHECK(in_vm[i].vbase == at);
        CHECK(in_vm[i].extent == p.range(i).extent);
        CHECK(in_vm[i].size == ranges[i].size);
        at += ranges[i].size;
    }
    CHECK(h.hv.rm_mapping_count() == 0);

    REQUIRE(h.call(GUNYAH_RM_MSG_VM_START, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    const auto on = h.hv.all("vcpu_poweron");
    REQUIRE(on.size() == 1);
    CHECK(on[0].args[1] == vm_base);            // entry: base + image_offset 0
    CHECK(on[0].args[2] == vm_base + 0x10000);  // x0: the DT
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_STOP, P{}.le16(vmid).u8(GUNYAH_RM_VM_STOP_FORCE).u8(0).le32(0)).error ==
            GUNYAH_RM_OK);

    h.console_text.text.clear();
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    CHECK(secondary_mappings(h.hv) == 0);
    CHECK(h.hv.donated_to_parent.size() == rm::parcel_max_ranges);  // still lent: the lender's to reclaim
    CHECK(h.console_text.text ==
          "RM: parcels: 1 live, " + std::to_string(total_of(ranges)) + " bytes lent or shared\n");
    REQUIRE(reclaim(h, handle) == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    CHECK(h.console_text.text.substr(h.console_text.text.find('\n') + 1) ==
          "RM: parcels: 0 live, 0 bytes lent or shared\n");
    CHECK(state(h) == empty);
    CHECK(h.hv.rm_mapping_count() == 0);
    CHECK(h.service.teardown_failures == 0);
}

TEST_CASE("rm vm: a VM_INIT that fails to map range 1000 of 2048 unmaps the 999 before it, and RESET and RECLAIM "
          "free the rest",
          "[rm][vm][many]")
{
    Harness h{std::uint64_t{32} << 20};
    const State empty = state(h);
    const std::uint16_t vmid = alloc(h);
    const std::vector<Range> ranges = vm_buffer();
    (void)write_vm_dt(h.hv, ranges[0].ipa + 0x10000, 0x2000, 1, true);
    const std::uint32_t handle = lend_like_linux(h, vmid, ranges);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_CONFIG_IMAGE, config_payload(vmid, handle, 0, 0, 0x10000, 0x2000)).error ==
            GUNYAH_RM_OK);
    std::vector<Error> script(1 + 999, Error::ok);  // the DT's window into the RM, then 999 ranges
    script.push_back(Error::nomem);
    for (Error e : script) {
        h.hv.fail_next("addrspace_map", {e});
    }
    CHECK(h.call(GUNYAH_RM_MSG_VM_INIT, vmid_payload(vmid)).error == GUNYAH_RM_ERROR_MAP_FAILED);
    CHECK(secondary_mappings(h.hv) == 0);
    CHECK(h.hv.rm_mapping_count() == 0);
    CHECK_FALSE(h.service.parcels.find(handle)->mapped_anywhere());
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_RESET, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    REQUIRE(reclaim(h, handle) == GUNYAH_RM_OK);
    REQUIRE(h.call(GUNYAH_RM_MSG_VM_DEALLOC_VMID, vmid_payload(vmid)).error == GUNYAH_RM_OK);
    CHECK(state(h) == empty);
    CHECK(h.service.teardown_failures == 0);
}

TEST_CASE("rm mem notify: MEM_SHARED lists every range, so 1822 fit its one message and 1823 are NORESOURCE",
          "[rm][mem][many]")
{
    Harness h{std::uint64_t{32} << 20};
    const std::uint16_t vmid = alloc(h);
    auto shared = [&](std::uint32_t handle) {
        return h.call(GUNYAH_RM_MSG_MEM_NOTIFY,
                      P{}.le32(handle).u8(GUNYAH_RM_MEM_NOTIFY_SHARED).u8(0).le16(0).le32(9).le16(1).le16(0)
                          .le16(vmid).le16(0))
            .error;
    };
    const std::uint32_t fits = lend_like_linux(h, vmid, pieces(ram_base, 1822));
    h.port.notes.clear();
    REQUIRE(shared(fits) == GUNYAH_RM_OK);
    REQUIRE(h.port.notes.size() == 1);
    CHECK(h.port.notes[0].msg_id == GUNYAH_RM_NOTIF_MEM_SHARED);
    const Bytes& note = h.port.notes[0].payload;
    REQUIRE(note.size() == 32 + 4 + 8 * 1822);  // 14612 of a message's 14616 bytes
    CHECK((note[28] | note[29] << 8) == 1822);
    CHECK(le32_at(note, 32) == page);  // each range's size, as lent

    const std::uint32_t too_many = lend_like_linux(h, vmid, pieces(ram_base + page, 1823));
    h.port.notes.clear();
    CHECK(shared(too_many) == GUNYAH_RM_ERROR_NORESOURCE);
    CHECK(h.port.notes.empty());
    CHECK_FALSE(h.service.parcels.find(too_many)->tag_set);
}

}  // namespace hyp::test::vmsvc
