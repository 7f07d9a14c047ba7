// The virtual PL011: transmit through the line sink (and its per-VM prefixes), flags,
// registers and their widths, ID registers as Linux's amba bus reads them, narrow
// accesses, the receive FIFO, interrupt state and the interrupt line, and the access
// sequence of Linux's driver and earlycon.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernel/virt/vpl011.h"

using namespace hyp;
using namespace hyp::virt;
namespace p = hyp::virt::pl011;

namespace {

class Capture final : public fmt::Sink {
public:
    std::string text;
    std::size_t writes = 0;
    void write(const char* t, std::size_t n) override
    {
        text.append(t, n);
        ++writes;
    }
};

class Line final : public IrqLine {
public:
    std::vector<bool> changes;
    void set_level(bool asserted) override { changes.push_back(asserted); }
};

struct Uart {
    Capture out;
    LineSink sink;
    Line irq;
    Vpl011 dev;

    explicit Uart(std::uint32_t vm = 0, bool primary = true) : sink{out, vm, primary}, dev{sink, &irq} {}

    std::uint64_t read(std::uint32_t offset, unsigned size = 4)
    {
        std::uint64_t v = 0xdeadbeef;
        REQUIRE(dev.mmio_read(offset, size, v) == MmioResult::done);
        return v;
    }
    void write(std::uint32_t offset, std::uint64_t value, unsigned size = 4)
    {
        REQUIRE(dev.mmio_write(offset, size, value) == MmioResult::done);
    }
    void print(const char* s)
    {
        for (; *s != '\0'; ++s) {
            write(p::dr, static_cast<unsigned char>(*s), 1);
        }
    }
};

}  // namespace

TEST_CASE("bytes written to UARTDR come out of the console unchanged for the primary VM", "[virt][pl011]")
{
    Uart u;
    u.print("Booting Linux\r\n[    0.000000] cpu0\r\n");
    CHECK(u.out.text == "Booting Linux\r\n[    0.000000] cpu0\r\n");
}

TEST_CASE("a partial line waits for the next newline or a flush, and a flush of nothing writes nothing", "[virt][pl011]")
{
    Uart u;
    u.print("root@vm:~# ");
    CHECK(u.out.text.empty());
    u.dev.flush_output();  // the run loop: the vCPU waits for input
    CHECK(u.out.text == "root@vm:~# ");
    CHECK(u.out.writes == 1);
    u.dev.flush_output();
    CHECK(u.out.writes == 1);
    u.print("ls\r\n");
    CHECK(u.out.text == "root@vm:~# ls\r\n");
}

TEST_CASE("another VM's console goes out a whole line at a time, each starting with its id", "[virt][pl011]")
{
    Uart u(2, false);
    u.print("hello\r\nworld\n\npartial");
    CHECK(u.out.text == "[vm 2] hello\r\n[vm 2] world\n[vm 2] \n");  // the partial line waits
    u.print(" line\n");
    CHECK(u.out.text == "[vm 2] hello\r\n[vm 2] world\n[vm 2] \n[vm 2] partial line\n");
    CHECK(u.out.writes == 4);  // one write per line: no other output lands inside one

    SECTION("a line longer than the buffer goes out in pieces, each with the prefix")
    {
        std::string longline(300, 'x');
        u.print((longline + "\n").c_str());
        std::string got = u.out.text.substr(u.out.text.find("partial line\n") + 13);
        CHECK(got.rfind("[vm 2] ", 0) == 0);
        std::size_t xs = 0;
        for (char c : got) {
            xs += c == 'x';
        }
        CHECK(xs == 300);
        CHECK(got.back() == '\n');
    }
}

TEST_CASE("only the low byte of a UARTDR write is sent, from any access width", "[virt][pl011]")
{
    Uart u;
    u.write(p::dr, 0x1241, 4);
    u.write(p::dr, 0x0a42, 2);
    u.write(p::dr + 1, 0x43, 1);  // the upper lanes hold no data
    u.dev.flush_output();
    CHECK(u.out.text == "AB");
}

TEST_CASE("UARTFR says the transmitter is empty and never full or busy", "[virt][pl011]")
{
    Uart u;
    CHECK(u.read(p::fr) == (p::fr_txfe | p::fr_rxfe));
    u.print("x");
    CHECK((u.read(p::fr) & (p::fr_txff | p::fr_busy)) == 0);
    CHECK((u.read(p::fr) & p::fr_txfe) != 0);
}

TEST_CASE("registers reset to the PL011's values", "[virt][pl011]")
{
    Uart u;
    CHECK(u.read(p::cr) == 0x300);
    CHECK(u.read(p::ifls) == 0x12);
    for (std::uint32_t r : {p::ilpr, p::ibrd, p::fbrd, p::lcr_h, p::imsc, p::ris, p::mis, p::dmacr, p::rsr_ecr}) {
        CHECK(u.read(r) == 0);
    }
}

TEST_CASE("configuration registers read back what was written, within their widths", "[virt][pl011]")
{
    Uart u;
    const std::pair<std::uint32_t, std::uint32_t> regs[] = {
        {p::ilpr, 0xff}, {p::ibrd, 0xffff}, {p::fbrd, 0x3f}, {p::lcr_h, 0xff},
        {p::cr, 0xffff}, {p::ifls, 0x3f},   {p::imsc, 0x7ff}, {p::dmacr, 0x7},
    };
    for (auto [reg, width] : regs) {
        INFO("register " << reg);
        u.write(reg, 0x12345678);
        CHECK(u.read(reg) == (0x12345678u & width));
        u.write(reg, 0xffffffff);
        CHECK(u.read(reg) == width);
    }
}

TEST_CASE("the ID registers identify an Arm PL011 r1p5 and a PrimeCell", "[virt][pl011]")
{
    Uart u;
    // Linux's amba bus: readl of each of the eight words, one byte of id in each.
    std::uint32_t periphid = 0;
    std::uint32_t cellid = 0;
    for (unsigned i = 0; i < 4; ++i) {
        std::uint64_t pid = u.read(p::periph_id0 + 4 * i);
        std::uint64_t cid = u.read(p::cell_id0 + 4 * i);
        CHECK(pid <= 0xff);
        CHECK(cid <= 0xff);
        periphid |= static_cast<std::uint32_t>(pid) << (8 * i);
        cellid |= static_cast<std::uint32_t>(cid) << (8 * i);
    }
    CHECK(periphid == 0x00341011);
    CHECK((periphid & 0x000fffff) == 0x00041011);  // amba-pl011's id table entry
    CHECK(((periphid >> 20) & 0xf) >= 3);          // 32-deep FIFOs to the driver
    CHECK(cellid == 0xb105f00d);
    u.write(p::periph_id0, 0);
    CHECK(u.read(p::periph_id0) == 0x11);
}

TEST_CASE("narrow reads see the lanes they cover", "[virt][pl011]")
{
    Uart u;
    u.write(p::ibrd, 0xabcd);
    CHECK(u.read(p::ibrd, 1) == 0xcd);
    CHECK(u.read(p::ibrd + 1, 1) == 0xab);
    CHECK(u.read(p::ibrd, 2) == 0xabcd);
    CHECK(u.read(p::ibrd + 2, 2) == 0);
}

TEST_CASE("narrow writes change only the lanes they cover", "[virt][pl011]")
{
    Uart u;
    u.write(p::cr, 0x0301);
    u.write(p::cr + 1, 0x00, 1);  // clear TXE and RXE only
    CHECK(u.read(p::cr) == 0x0001);
    u.write(p::cr, 0x0b01, 2);
    CHECK(u.read(p::cr) == 0x0b01);
}

TEST_CASE("unknown offsets, 64-bit and straddling accesses read as zero and ignore writes", "[virt][pl011]")
{
    Uart u;
    for (std::uint32_t off : {0x008u, 0x014u, 0x01cu, 0x04cu, 0x080u, 0x08cu, 0x100u, 0xfdcu}) {
        u.write(off, 0xffffffff);
        CHECK(u.read(off) == 0);
    }
    u.write(p::ibrd, 0x55);
    CHECK(u.read(p::ibrd, 8) == 0);
    u.write(p::ibrd, 0xffff, 8);
    CHECK(u.read(p::ibrd) == 0x55);
    CHECK(u.read(p::ibrd + 2, 4) == 0);
    u.write(p::ibrd + 3, 0xffff, 2);
    CHECK(u.read(p::ibrd) == 0x55);
    CHECK(u.read(0x1000) == 0);
    CHECK(u.read(p::icr) == 0);  // write-only
    CHECK(u.out.text.empty());
}

TEST_CASE("received bytes are read from UARTDR in order and RXFE follows", "[virt][pl011]")
{
    Uart u;
    u.write(p::lcr_h, p::lcr_h_fen | 0x60);
    CHECK(u.dev.push_rx("ls\r", 3) == 3);
    CHECK((u.read(p::fr) & p::fr_rxfe) == 0);
    CHECK(u.read(p::dr) == 'l');
    CHECK(u.read(p::dr, 2) == 's');
    CHECK(u.read(p::dr, 1) == '\r');
    CHECK((u.read(p::fr) & p::fr_rxfe) != 0);
    CHECK(u.read(p::dr) == 0);  // empty: nothing, no error bits
}

TEST_CASE("the receive FIFO holds 32 bytes with FIFOs on and 1 without, and refuses more", "[virt][pl011]")
{
    Uart u;
    CHECK(u.dev.push_rx('a'));
    CHECK_FALSE(u.dev.push_rx('b'));
    CHECK((u.read(p::fr) & p::fr_rxff) != 0);
    CHECK(u.read(p::dr) == 'a');

    u.write(p::lcr_h, p::lcr_h_fen);
    std::string many(40, 'z');
    CHECK(u.dev.push_rx(many.data(), many.size()) == Vpl011::fifo_depth);
    CHECK((u.read(p::fr) & p::fr_rxff) != 0);
    CHECK(u.dev.rx_count() == 32);
}

TEST_CASE("switching the FIFOs on or off empties the receive FIFO", "[virt][pl011]")
{
    Uart u;
    u.write(p::lcr_h, p::lcr_h_fen);
    CHECK(u.dev.push_rx("abc", 3) == 3);
    u.write(p::lcr_h, p::lcr_h_fen | 0x60);  // same FEN: kept
    CHECK(u.dev.rx_count() == 3);
    u.write(p::lcr_h, 0x60);
    CHECK(u.dev.rx_count() == 0);
    CHECK((u.read(p::ris) & (p::int_rx | p::int_rt)) == 0);
}

TEST_CASE("the receive timeout interrupt rises with waiting data and falls when it is read", "[virt][pl011]")
{
    Uart u;
    u.write(p::lcr_h, p::lcr_h_fen);
    u.write(p::imsc, p::int_rt | p::int_rx);
    CHECK(u.dev.push_rx("hi", 2) == 2);
    CHECK(u.read(p::ris) == p::int_rt);  // 2 bytes: below the 1/2 trigger level
    CHECK(u.read(p::mis) == p::int_rt);
    CHECK(u.irq.changes == std::vector<bool>{true});
    (void)u.read(p::dr);
    CHECK(u.dev.irq_level());
    (void)u.read(p::dr);
    CHECK(u.read(p::ris) == 0);
    CHECK(u.irq.changes == std::vector<bool>{true, false});
}

TEST_CASE("the receive interrupt follows the IFLS trigger level", "[virt][pl011]")
{
    Uart u;
    u.write(p::lcr_h, p::lcr_h_fen);
    u.write(p::ifls, 0x0 << 3);  // 1/8: 4 bytes
    CHECK(u.dev.push_rx("abc", 3) == 3);
    CHECK((u.read(p::ris) & p::int_rx) == 0);
    CHECK(u.dev.push_rx('d'));
    CHECK((u.read(p::ris) & p::int_rx) != 0);
    (void)u.read(p::dr);
    CHECK((u.read(p::ris) & p::int_rx) == 0);  // below the level again
    CHECK((u.read(p::ris) & p::int_rt) != 0);

    u.write(p::lcr_h, 0);  // FIFOs off: every byte is the trigger level
    CHECK(u.dev.push_rx('x'));
    CHECK((u.read(p::ris) & p::int_rx) != 0);
}

TEST_CASE("UARTMIS is UARTRIS masked by UARTIMSC and the line follows it", "[virt][pl011]")
{
    Uart u;
    u.print("a");  // TXRIS
    CHECK(u.read(p::ris) == p::int_tx);
    CHECK(u.read(p::mis) == 0);
    CHECK(u.irq.changes.empty());
    u.write(p::imsc, p::int_tx);
    CHECK(u.read(p::mis) == p::int_tx);
    CHECK(u.irq.changes == std::vector<bool>{true});
    u.write(p::imsc, p::int_tx);  // no change, no call
    CHECK(u.irq.changes.size() == 1);
    u.write(p::icr, p::int_tx);
    CHECK(u.read(p::ris) == 0);
    CHECK(u.irq.changes == std::vector<bool>{true, false});
    u.print("b");
    CHECK(u.irq.changes == std::vector<bool>{true, false, true});
    u.write(p::imsc, 0);
    CHECK(u.irq.changes == std::vector<bool>{true, false, true, false});
}

TEST_CASE("UARTICR clears only the bits written, in the lanes written", "[virt][pl011]")
{
    Uart u;
    u.write(p::lcr_h, p::lcr_h_fen);
    CHECK(u.dev.push_rx('q'));
    u.print("t");
    CHECK(u.read(p::ris) == (p::int_tx | p::int_rt));
    u.write(p::icr, p::int_rt);
    CHECK(u.read(p::ris) == p::int_tx);
    u.write(p::icr + 1, 0xff, 1);  // bits 15:8: nothing of ours there
    CHECK(u.read(p::ris) == p::int_tx);
}

TEST_CASE("loopback sends transmitted bytes to the receiver, not the console", "[virt][pl011]")
{
    Uart u;
    u.write(p::cr, 0x0381);  // UARTEN, LBE, TXE, RXE
    u.print("L");
    CHECK(u.out.text.empty());
    CHECK(u.read(p::dr) == 'L');
    u.write(p::cr, 0x0181);  // receiver off: the byte goes nowhere
    u.print("M");
    CHECK(u.dev.rx_count() == 0);
    CHECK(u.out.text.empty());
}

TEST_CASE("reset returns the registers and FIFO to their reset state and lowers the line", "[virt][pl011]")
{
    Uart u;
    u.write(p::imsc, p::int_rt);
    u.write(p::cr, 0x301);
    CHECK(u.dev.push_rx('a'));
    CHECK(u.dev.irq_level());
    u.dev.reset();
    CHECK_FALSE(u.dev.irq_level());
    CHECK(u.dev.rx_count() == 0);
    CHECK(u.read(p::cr) == 0x300);
    CHECK(u.read(p::imsc) == 0);
}

TEST_CASE("Linux's pl011 probe, startup and console writes work as the driver expects", "[virt][pl011]")
{
    Uart u(3, false);
    // amba bus: ids (32-bit reads) -- checked above. pl011_hwinit / startup, 16-bit
    // accesses (vendor_arm has no access_32b):
    u.write(p::imsc, 0, 2);
    u.write(p::icr, 0xffff, 2);
    u.write(p::ifls, 0x12, 2);               // RX4_8 | TX4_8
    u.write(p::cr, 0x301, 2);                // UARTEN | TXE | RXE
    u.write(p::ibrd, 13, 2);
    u.write(p::fbrd, 1, 2);
    u.write(p::lcr_h, 0x70, 2);              // WLEN_8 | FEN
    u.write(p::icr, p::int_rx | p::int_rt, 2);
    u.write(p::imsc, p::int_rt | p::int_rx, 2);
    CHECK(u.irq.changes.empty());

    // Console write: poll TXFF, write a byte, then wait for BUSY to clear.
    for (char c : std::string("login: ")) {
        while ((u.read(p::fr, 2) & p::fr_txff) != 0) {
        }
        u.write(p::dr, static_cast<unsigned char>(c), 2);
    }
    CHECK((u.read(p::fr, 2) & p::fr_busy) == 0);
    CHECK(u.out.text.empty());  // another VM's line goes out when it is complete
    CHECK(u.irq.changes.empty());  // TXIM is not enabled: the driver never needed it

    // Input arrives: the interrupt handler reads MIS, drains DR until RXFE.
    CHECK(u.dev.push_rx("root\r", 5) == 5);
    CHECK(u.irq.changes == std::vector<bool>{true});
    CHECK((u.read(p::mis, 2) & (p::int_rt | p::int_rx)) != 0);
    std::string got;
    while ((u.read(p::fr, 2) & p::fr_rxfe) == 0) {
        got += static_cast<char>(u.read(p::dr, 2) & 0xff);
    }
    CHECK(got == "root\r");
    CHECK(u.irq.changes == std::vector<bool>{true, false});

    // Earlycon: byte writes to DR, 32-bit reads of FR.
    u.write(p::dr, '\n', 1);
    CHECK((u.read(p::fr) & p::fr_busy) == 0);
    CHECK(u.out.text == "[vm 3] login: \n");
}
