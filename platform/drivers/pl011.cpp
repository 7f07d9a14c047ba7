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

}  // namespace hyp::platform::pl011
