// PL011 polled output (see pl011.h). The firmware or QEMU has configured baud rate
// and line settings; we only feed the FIFO.
#include "platform/drivers/pl011.h"

namespace hyp::platform::pl011 {
namespace {

volatile std::uint32_t& reg(std::uintptr_t base, std::uintptr_t offset)
{
    return *reinterpret_cast<volatile std::uint32_t*>(base + offset);
}

}  // namespace

void put_char(std::uintptr_t base, char c)
{
    while (reg(base, reg_fr) & fr_txff) {
    }
    reg(base, reg_dr) = static_cast<unsigned char>(c);
}

void flush(std::uintptr_t base)
{
    while (reg(base, reg_fr) & fr_busy) {
    }
}

void enable_rx_interrupt(std::uintptr_t base)
{
    reg(base, reg_icr) = int_rx | int_rt;
    reg(base, reg_imsc) = reg(base, reg_imsc) | int_rx | int_rt;
}

int get_char(std::uintptr_t base)
{
    if ((reg(base, reg_fr) & fr_rxfe) != 0) {
        return -1;
    }
    return static_cast<int>(reg(base, reg_dr) & 0xff);
}

}  // namespace hyp::platform::pl011
