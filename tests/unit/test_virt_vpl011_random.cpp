// Random MMIO against the vPL011, through the bus as a guest would reach it: any offset,
// size and value never faults or crashes, offsets with no register stay zero, the flags
// and the interrupt line stay consistent with the registers, and the ID registers never
// change.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "kernel/virt/mmio_bus.h"
#include "kernel/virt/vpl011.h"

using namespace hyp;
using namespace hyp::virt;
namespace p = hyp::virt::pl011;

namespace {

class Capture final : public fmt::Sink {
public:
    std::size_t bytes = 0;
    void write(const char*, std::size_t n) override { bytes += n; }
};

class Line final : public IrqLine {
public:
    bool level = false;
    int calls = 0;
    void set_level(bool asserted) override
    {
        CHECK(asserted != level);  // only changes are reported
        level = asserted;
        ++calls;
    }
};

bool has_register(std::uint32_t word)
{
    switch (word) {
    case p::dr:
    case p::rsr_ecr:
    case p::fr:
    case p::ilpr:
    case p::ibrd:
    case p::fbrd:
    case p::lcr_h:
    case p::cr:
    case p::ifls:
    case p::imsc:
    case p::ris:
    case p::mis:
    case p::icr:
    case p::dmacr: return true;
    default: return word >= p::periph_id0 && word < 0x1000;
    }
}

std::uint64_t read32(MmioBus& bus, std::uint64_t base, std::uint32_t offset)
{
    std::uint64_t v = 0;
    REQUIRE(bus.read(Ipa{base + offset}, 4, v) == BusResult::handled);
    return v;
}

}  // namespace

TEST_CASE("random accesses to the vPL011 never fault and keep it consistent", "[virt][pl011][random]")
{
    constexpr std::uint64_t base = 0x09000000;
    std::mt19937_64 rng(0x9011u);
    for (int round = 0; round < 20; ++round) {
        Capture out;
        LineSink sink(out, static_cast<std::uint32_t>(round), round % 2 == 0);
        Line line;
        Vpl011 uart(sink, &line);
        MmioBus bus;
        REQUIRE(bus.add(IpaRange{Ipa{base}, p::region_size}, uart).ok());

        for (int i = 0; i < 4000; ++i) {
            unsigned size = 1u << (rng() % 4);
            // Mostly the register block and the ID words; sometimes anywhere in the page,
            // and sometimes past its end.
            std::uint64_t offset;
            switch (rng() % 8) {
            case 0: offset = rng() % 0x1000; break;
            case 1: offset = 0xfe0 + rng() % 0x20; break;
            case 2: offset = 0xff8 + rng() % 0x10; break;
            default: offset = rng() % 0x50; break;
            }
            std::uint64_t value = rng();
            std::uint64_t got = 0;
            BusResult r = (rng() % 2 == 0) ? bus.write(Ipa{base + offset}, size, value)
                                           : bus.read(Ipa{base + offset}, size, got);
            // Claimed exactly when the access is inside the page; never refused.
            CHECK(r == (offset + size <= p::region_size ? BusResult::handled : BusResult::not_claimed));
            if (rng() % 16 == 0) {
                (void)uart.push_rx(static_cast<std::uint8_t>(rng()));
            }

            if (i % 64 == 0) {
                std::uint64_t fr = read32(bus, base, p::fr);
                CHECK((fr & p::fr_txfe) != 0);
                CHECK((fr & (p::fr_txff | p::fr_busy)) == 0);
                CHECK(((fr & p::fr_rxfe) != 0) == (uart.rx_count() == 0));
                CHECK(uart.rx_count() <= Vpl011::fifo_depth);
                std::uint64_t ris = read32(bus, base, p::ris);
                std::uint64_t imsc = read32(bus, base, p::imsc);
                CHECK(read32(bus, base, p::mis) == (ris & imsc));
                CHECK(line.level == ((ris & imsc) != 0));
                CHECK(uart.irq_level() == line.level);
                for (std::uint32_t word = 0; word < 0x1000; word += 4) {
                    if (!has_register(word)) {
                        INFO("offset " << word);
                        CHECK(read32(bus, base, word) == 0);
                    }
                }
                CHECK(read32(bus, base, p::periph_id0 + 8) == 0x34);
                CHECK(read32(bus, base, p::cell_id0 + 12) == 0xb1);
            }
        }
    }
}
