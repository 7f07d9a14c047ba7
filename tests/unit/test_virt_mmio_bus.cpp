// The per-VM MMIO bus: registration (overlaps, bad ranges, capacity, removal) and
// dispatch (offsets, unclaimed and partly claimed accesses, device refusals).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "kernel/virt/mmio_bus.h"
#include "kernel/virt/mmio_decode.h"

using namespace hyp;
using namespace hyp::virt;

namespace {

class Recorder final : public MmioDevice {
public:
    std::uint64_t last_offset = ~std::uint64_t{0};
    unsigned last_size = 0;
    std::uint64_t last_value = 0;
    int reads = 0;
    int writes = 0;
    bool refuse = false;
    std::uint64_t read_value = 0xa5a5;

    MmioResult mmio_read(std::uint64_t offset, unsigned size, std::uint64_t& value) override
    {
        ++reads;
        last_offset = offset;
        last_size = size;
        value = read_value;
        return refuse ? MmioResult::abort : MmioResult::done;
    }
    MmioResult mmio_write(std::uint64_t offset, unsigned size, std::uint64_t value) override
    {
        ++writes;
        last_offset = offset;
        last_size = size;
        last_value = value;
        return refuse ? MmioResult::abort : MmioResult::done;
    }
};

IpaRange range(std::uint64_t base, std::uint64_t size) { return IpaRange{Ipa{base}, size}; }

}  // namespace

TEST_CASE("a device sees accesses at offsets from its base", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    std::uint64_t value = 0;
    CHECK(bus.read(Ipa{0x9000018}, 2, value) == BusResult::handled);
    CHECK(value == 0xa5a5);
    CHECK(dev.last_offset == 0x18);
    CHECK(dev.last_size == 2);
    CHECK(bus.write(Ipa{0x9000ffc}, 4, 0x1234) == BusResult::handled);
    CHECK(dev.last_offset == 0xffc);
    CHECK(dev.last_value == 0x1234);
    CHECK(bus.find(Ipa{0x9000800}) == &dev);
}

TEST_CASE("an address no device covers is not claimed and no device is called", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    std::uint64_t value = 77;
    CHECK(bus.read(Ipa{0x9001000}, 4, value) == BusResult::not_claimed);
    CHECK(value == 0);
    CHECK(bus.write(Ipa{0x8fffffc}, 4, 1) == BusResult::not_claimed);
    CHECK(dev.reads + dev.writes == 0);
    CHECK(bus.find(Ipa{0x9001000}) == nullptr);
}

TEST_CASE("an access that runs off the end of a device belongs to nobody", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    std::uint64_t value = 0;
    CHECK(bus.read(Ipa{0x9000ffe}, 4, value) == BusResult::not_claimed);
    CHECK(bus.read(Ipa{0x9000ff8}, 8, value) == BusResult::handled);
    CHECK(dev.reads == 1);
}

TEST_CASE("sizes other than 1, 2, 4 and 8 are never dispatched", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    std::uint64_t value = 0;
    for (unsigned size : {0u, 3u, 16u}) {
        CHECK(bus.read(Ipa{0x9000000}, size, value) == BusResult::not_claimed);
    }
    CHECK(dev.reads == 0);
}

TEST_CASE("overlapping registrations are refused and leave the bus as it was", "[virt][bus]")
{
    MmioBus bus;
    Recorder a;
    Recorder b;
    REQUIRE(bus.add(range(0x10000, 0x1000), a).ok());
    for (IpaRange r : {range(0x10000, 0x1000), range(0x10800, 0x10), range(0xf000, 0x1001), range(0x10fff, 0x1000),
                       range(0x0, 0x100000)}) {
        Status s = bus.add(r, b);
        CHECK(s.error() == Error::existing_mapping);
    }
    CHECK(bus.count() == 1);
    CHECK(bus.find(Ipa{0x10fff}) == &a);
    // Touching is not overlapping.
    CHECK(bus.add(range(0xf000, 0x1000), b).ok());
    CHECK(bus.add(range(0x11000, 0x1000), b).ok());
    CHECK(bus.count() == 3);
}

TEST_CASE("empty and wrapping ranges are refused", "[virt][bus]")
{
    MmioBus bus;
    Recorder a;
    CHECK(bus.add(range(0x1000, 0), a).error() == Error::arg_size);
    CHECK(bus.add(range(~std::uint64_t{0} - 0xfff, 0x2000), a).error() == Error::addr_ovfl);
    CHECK(bus.add(range(~std::uint64_t{0} - 0xfff, 0x1000), a).ok());  // ends exactly at the top
    std::uint64_t value = 0;
    CHECK(bus.read(Ipa{~std::uint64_t{0} - 7}, 8, value) == BusResult::handled);
}

TEST_CASE("the bus holds a fixed number of devices and says when it is full", "[virt][bus]")
{
    MmioBus bus;
    Recorder devices[MmioBus::capacity + 1];
    for (std::size_t i = 0; i < MmioBus::capacity; ++i) {
        REQUIRE(bus.add(range(0x100000 * (i + 1), 0x1000), devices[i]).ok());
    }
    CHECK(bus.add(range(0x40000000, 0x1000), devices[MmioBus::capacity]).error() == Error::noresources);
    CHECK(bus.count() == MmioBus::capacity);
}

TEST_CASE("a device that refuses an access makes it a device abort", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    dev.refuse = true;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    std::uint64_t value = 5;
    CHECK(bus.read(Ipa{0x9000000}, 4, value) == BusResult::device_abort);
    CHECK(value == 0);  // no half-read value leaks out
    CHECK(bus.write(Ipa{0x9000000}, 4, 1) == BusResult::device_abort);
}

TEST_CASE("removing a device frees its ranges for others", "[virt][bus]")
{
    MmioBus bus;
    Recorder a;
    Recorder b;
    REQUIRE(bus.add(range(0x1000, 0x1000), a).ok());
    REQUIRE(bus.add(range(0x3000, 0x1000), b).ok());
    REQUIRE(bus.add(range(0x5000, 0x1000), a).ok());
    REQUIRE(bus.remove(a).ok());
    CHECK(bus.count() == 1);
    CHECK(bus.find(Ipa{0x1000}) == nullptr);
    CHECK(bus.find(Ipa{0x3000}) == &b);
    CHECK(bus.remove(a).error() == Error::arg_inval);
    CHECK(bus.add(range(0x1000, 0x1000), b).ok());
}

TEST_CASE("dispatch stores a decoded write's value and returns a read's", "[virt][bus]")
{
    MmioBus bus;
    Recorder dev;
    REQUIRE(bus.add(range(0x9000000, 0x1000), dev).ok());
    MmioAccess access;
    access.ipa = Ipa{0x9000004};
    access.size = 1;
    access.write = true;
    std::uint64_t value = 0x41;
    CHECK(bus.dispatch(access, value) == BusResult::handled);
    CHECK(dev.last_value == 0x41);
    access.write = false;
    dev.read_value = 0x99;
    CHECK(bus.dispatch(access, value) == BusResult::handled);
    CHECK(value == 0x99);
}

TEST_CASE("devices added while other CPUs dispatch are seen whole or not at all", "[virt][bus]")
{
    MmioBus bus;
    Recorder first;
    REQUIRE(bus.add(range(0x0, 0x1000), first).ok());
    std::vector<Recorder> later(MmioBus::capacity - 1);
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                for (std::size_t i = 0; i < MmioBus::capacity; ++i) {
                    MmioDevice* d = bus.find(Ipa{0x1000 * i + 0x10});
                    if (d != nullptr && d != (i == 0 ? &first : static_cast<MmioDevice*>(&later[i - 1]))) {
                        ++bad;
                    }
                }
            }
        });
    }
    for (std::size_t i = 0; i < later.size(); ++i) {
        REQUIRE(bus.add(range(0x1000 * (i + 1), 0x1000), later[i]).ok());
    }
    stop = true;
    for (auto& t : readers) {
        t.join();
    }
    CHECK(bad == 0);
    CHECK(bus.count() == MmioBus::capacity);
}
