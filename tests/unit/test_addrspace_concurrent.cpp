// Address spaces and extents going away at the same time on several CPUs: the one path
// that meets the lock order backwards (an address space forgetting the mappings extents
// keep of it, while those extents remove the same mappings) must neither deadlock nor
// touch freed memory (ASan), and every page must come back.
#include <atomic>
#include <thread>
#include <vector>

#include "test_memextent_fixture.h"

using namespace memtest;

namespace {

// Spins until `count` threads have arrived, so that what follows starts together.
class StartLine {
public:
    explicit StartLine(unsigned count) : count_{count} {}
    void arrive_and_wait()
    {
        const unsigned round = round_.load();
        if (arrived_.fetch_add(1) + 1 == count_) {
            arrived_ = 0;
            round_.fetch_add(1);
        } else {
            while (round_.load() == round) {
                std::this_thread::yield();
            }
        }
    }

private:
    unsigned count_;
    std::atomic<unsigned> arrived_{0};
    std::atomic<unsigned> round_{0};
};

}  // namespace

TEST_CASE("an address space and the extents mapped into it can all be deleted at once")
{
    System s;
    const std::uint64_t free_start = s.root.free_bytes();
    constexpr unsigned workers = 4;  // the address space, a root, its child, another root
    constexpr unsigned rounds = 200;
    StartLine go{workers + 1};
    StartLine done{workers + 1};
    std::vector<CapId> caps(workers);
    std::atomic<unsigned> failures{0};

    std::vector<std::thread> threads;
    for (unsigned t = 0; t < workers; ++t) {
        threads.emplace_back([&, t] {
            for (unsigned r = 0; r < rounds; ++r) {
                go.arrive_and_wait();
                // No Catch2 assertions off the main thread: count instead.
                if (s.call(GUNYAH_HC_CSPACE_DELETE_CAP_FROM, s.cspace_cap, caps[t]).x[0] != 0) {
                    ++failures;
                }
                done.arrive_and_wait();
            }
        });
    }
    for (unsigned r = 0; r < rounds; ++r) {
        CapId as = s.addrspace(120);
        CapId root = s.extent(s.top(32), 32 * page);
        CapId child = s.derive(root, 8 * page, 8 * page);
        CapId other = s.extent(s.top(48), 16 * page);
        REQUIRE(s.map(as, root, 0x1000'0000) == GUNYAH_ERROR_OK);
        REQUIRE(s.map(as, child, 0x2000'0000) == GUNYAH_ERROR_OK);
        REQUIRE(s.map_part(as, other, 0x3000'0000, 0, 4 * page) == GUNYAH_ERROR_OK);
        REQUIRE(s.map_part(as, other, 0x3100'0000, 8 * page, 4 * page) == GUNYAH_ERROR_OK);
        // Rotate who deletes what, so that each object is deleted by every thread.
        const CapId order[workers] = {as, root, child, other};
        for (unsigned t = 0; t < workers; ++t) {
            caps[t] = order[(t + r) % workers];
        }
        go.arrive_and_wait();
        done.arrive_and_wait();
        REQUIRE(failures.load() == 0);
        REQUIRE(s.root.free_bytes() == free_start);
        REQUIRE(s.memdb.bytes_owned(s.root.owner()) == s.ram.size);
        REQUIRE_FALSE(addrspace_platform::vmids().in_use(120));
    }
    for (std::thread& th : threads) {
        th.join();
    }
}
