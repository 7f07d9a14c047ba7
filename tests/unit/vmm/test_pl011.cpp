// The console's PL011 model (vmm/pl011.h): registers as Linux's amba-pl011 and earlycon
// use them, the RX FIFO, and exactly when the VMM is told to ring the interrupt.
#include <catch2/catch.hpp>

#include <string>

#include "vmm/pl011.h"

using namespace vmm;
namespace r = vmm::pl011;

namespace {

struct Uart {
    std::string out;
    Pl011 model{[this](std::uint8_t byte) { out.push_back(static_cast<char>(byte)); }};

    std::uint32_t read(std::uint64_t offset, unsigned size = 4)
    {
        std::uint32_t v = 0xdeadbeef;
        model.read(offset, size, v);
        return v;
    }
    Pl011::Effect write(std::uint64_t offset, std::uint32_t value, unsigned size = 4)
    {
        return model.write(offset, size, value);
    }
    Pl011::Effect input(const std::string& bytes, std::size_t* taken = nullptr)
    {
        Pl011::Effect e;
        const std::size_t n =
            model.receive(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), e);
        if (taken != nullptr) {
            *taken = n;
        }
        return e;
    }
};

}  // namespace

TEST_CASE("vmm pl011: reset values and the PrimeCell IDs the AMBA bus matches", "[vmm]")
{
    Uart u;
    CHECK(u.read(r::cr) == 0x300);
    CHECK(u.read(r::ifls) == 0x12);
    CHECK(u.read(r::imsc) == 0);
    CHECK(u.read(r::fr) == (r::fr_rxfe | r::fr_txfe));
    const std::uint32_t ids[] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (std::uint32_t i = 0; i < 8; ++i) {
        INFO("ID register " << i);
        CHECK(u.read(0xfe0 + 4 * i) == ids[i]);
    }
    CHECK(u.model.bad_accesses() == 0);
}

TEST_CASE("vmm pl011: DR writes go out at once, at any width, whatever CR says", "[vmm]")
{
    Uart u;
    u.write(r::cr, 0);  // earlycon may write before the UART is enabled
    u.write(r::dr, 'h');
    u.write(r::dr, 0x100 | 'i', 2);  // only the data byte
    u.write(r::dr, '!', 1);
    CHECK(u.out == "hi!");
    // Never full, never busy: earlycon's and the driver's polling loops end at once.
    CHECK((u.read(r::fr) & (r::fr_txff | r::fr_busy)) == 0);
    CHECK((u.read(r::fr) & r::fr_txfe) != 0);
}

TEST_CASE("vmm pl011: the RX FIFO holds 32 bytes, in order, with RXFE and RXFF", "[vmm]")
{
    Uart u;
    std::size_t taken = 0;
    u.input(std::string(40, 'a'), &taken);
    CHECK(taken == 32);
    CHECK(u.model.rx_space() == 0);
    CHECK(u.read(r::fr) == (r::fr_rxff | r::fr_txfe));
    u.input("more", &taken);
    CHECK(taken == 0);

    Pl011::Effect e;
    std::uint32_t v = 0;
    e = u.model.read(r::dr, 4, v);
    CHECK(v == 'a');
    CHECK(e.rx_drained);
    CHECK(u.read(r::fr) == r::fr_txfe);
    u.input("bc", &taken);
    CHECK(taken == 1);
    for (int i = 0; i < 31; ++i) {
        CHECK(u.read(r::dr) == 'a');
    }
    CHECK(u.read(r::dr) == 'b');
    CHECK(u.read(r::fr) == (r::fr_rxfe | r::fr_txfe));
    // Empty: reads 0 and drains nothing.
    e = u.model.read(r::dr, 4, v);
    CHECK(v == 0);
    CHECK_FALSE(e.rx_drained);
}

TEST_CASE("vmm pl011: RX and RT follow the FIFO, TX is always raw, MIS is RIS masked", "[vmm]")
{
    Uart u;
    CHECK(u.read(r::ris) == r::int_tx);
    CHECK(u.read(r::mis) == 0);
    u.input("x");
    CHECK(u.read(r::ris) == (r::int_tx | r::int_rx | r::int_rt));
    u.write(r::imsc, r::int_rx | r::int_rt);
    CHECK(u.read(r::mis) == (r::int_rx | r::int_rt));
    // ICR cannot clear a level that still holds.
    u.write(r::icr, r::int_all);
    CHECK(u.read(r::mis) == (r::int_rx | r::int_rt));
    u.read(r::dr);
    CHECK(u.read(r::ris) == r::int_tx);
    CHECK(u.read(r::mis) == 0);
}

TEST_CASE("vmm pl011: input rings when the line rises, and on new data while RX is unmasked", "[vmm]")
{
    Uart u;
    // Masked: no ring.
    CHECK_FALSE(u.input("a").raise_irq);
    // Unmasking a pending RX raises the line.
    CHECK(u.write(r::imsc, r::int_rx | r::int_rt).raise_irq);
    // More data with RX unmasked and the line already high: rung again (the handler may
    // have looked at the FIFO for the last time already).
    CHECK(u.input("b").raise_irq);
    u.read(r::dr);
    u.read(r::dr);
    CHECK(u.read(r::mis) == 0);
    CHECK(u.input("c").raise_irq);
    // A full FIFO takes nothing: nothing new to ring for.
    u.input(std::string(31, 'd'));
    CHECK_FALSE(u.input("e").raise_irq);
}

TEST_CASE("vmm pl011: unmasking TX rings once, then the guest masks it", "[vmm]")
{
    Uart u;
    Pl011::Effect e = u.write(r::imsc, r::int_rx | r::int_rt);
    CHECK_FALSE(e.raise_irq);
    e = u.write(r::imsc, r::int_rx | r::int_rt | r::int_tx);
    CHECK(e.raise_irq);
    CHECK(u.read(r::mis) == r::int_tx);
    // Writing IMSC again with the line already high: no new edge.
    CHECK_FALSE(u.write(r::imsc, r::int_rx | r::int_rt | r::int_tx).raise_irq);
    CHECK_FALSE(u.write(r::dr, 'z').raise_irq);
    // Masked again by the driver's TX handler (nothing left to send).
    CHECK_FALSE(u.write(r::imsc, r::int_rx | r::int_rt).raise_irq);
    CHECK(u.read(r::mis) == 0);
}

TEST_CASE("vmm pl011: loopback sends DR to the RX FIFO instead of out", "[vmm]")
{
    Uart u;
    u.write(r::imsc, r::int_rx);
    u.write(r::cr, r::cr_reset | r::cr_lbe | 1);
    CHECK(u.write(r::dr, 'q').raise_irq);
    CHECK(u.out.empty());
    CHECK(u.read(r::dr) == 'q');
}

TEST_CASE("vmm pl011: control registers keep their implemented bits", "[vmm]")
{
    Uart u;
    u.write(r::ibrd, 0xffffffff);
    u.write(r::fbrd, 0xffffffff);
    u.write(r::lcr_h, 0xffffffff);
    u.write(r::cr, 0xffffffff);
    u.write(r::ifls, 0xffffffff);
    u.write(r::imsc, 0xffffffff);
    u.write(r::dmacr, 0xffffffff);
    u.write(r::ilpr, 0xffffffff);
    CHECK(u.read(r::ibrd) == 0xffff);
    CHECK(u.read(r::fbrd) == 0x3f);
    CHECK(u.read(r::lcr_h) == 0xff);
    CHECK(u.read(r::cr) == 0xff87);
    CHECK(u.read(r::ifls) == 0x3f);
    CHECK(u.read(r::imsc) == 0x7ff);
    CHECK(u.read(r::dmacr) == 0x7);
    CHECK(u.read(r::ilpr) == 0xff);
    CHECK(u.read(r::rsr_ecr) == 0);
    // Narrow accesses see and set the low bytes.
    u.write(r::ibrd, 0x1234, 2);
    CHECK(u.read(r::ibrd, 1) == 0x34);
    CHECK(u.read(r::ibrd, 2) == 0x1234);
    CHECK(u.model.bad_accesses() == 0);
}

TEST_CASE("vmm pl011: odd sizes, unaligned and unknown offsets read 0, are dropped and counted", "[vmm]")
{
    Uart u;
    u.write(r::ibrd, 5);
    CHECK(u.read(r::ibrd, 8) == 0);   // 1
    CHECK(u.read(r::ibrd, 3) == 0);   // 2
    CHECK(u.read(r::ibrd + 1, 1) == 0);  // 3
    CHECK(u.read(0x04c) == 0);        // 4
    CHECK(u.read(0x1000) == 0);       // 5: past the window
    CHECK(u.read(r::icr) == 0);       // 6: write-only
    u.write(r::ibrd, 7, 8);           // 7
    u.write(r::ibrd + 2, 7, 2);       // 8
    u.write(0x800, 7);                // 9
    u.write(r::fr, 0);                // 10: read-only
    u.write(r::periph_id0, 0);        // 11
    CHECK(u.read(r::ibrd) == 5);
    CHECK(u.out.empty());
    CHECK(u.model.bad_accesses() == 11);
}
