// The console device behind log output (see console.h): the board's early UART
// until the boot code switches to the one the device tree names.
#include "platform/console.h"

#include "platform/drivers/pl011.h"

namespace hyp::platform {
namespace {

constinit std::uintptr_t pl011_base = 0;  // silent until the boot code names a UART

}  // namespace

void console_use_pl011(std::uintptr_t base) { pl011_base = base; }

void console_use_early(const EarlyUart& uart)
{
    // The GENI early console joins once its driver is in (platform/qcom); until then a
    // Qualcomm board is silent until discovery names the console.
    console_use_pl011(uart.kind == EarlyUartKind::pl011 ? static_cast<std::uintptr_t>(uart.base) : 0);
}

bool console_enable_input()
{
    if (pl011_base == 0) {
        return false;
    }
    pl011::enable_rx_interrupt(pl011_base);
    return true;
}

int console_read() { return pl011_base == 0 ? -1 : pl011::get_char(pl011_base); }

void console_write(const char* text, std::size_t length)
{
    std::uintptr_t base = pl011_base;
    if (base == 0) {
        return;
    }
    for (std::size_t i = 0; i < length; ++i) {
        if (text[i] == '\n') {
            pl011::put_char(base, '\r');
        }
        pl011::put_char(base, text[i]);
    }
}

void console_write_raw(const char* text, std::size_t length)
{
    std::uintptr_t base = pl011_base;
    if (base == 0) {
        return;
    }
    for (std::size_t i = 0; i < length; ++i) {
        pl011::put_char(base, text[i]);
    }
}

}  // namespace hyp::platform
