// The console device behind log output (see console.h): the board's early UART
// until the boot code switches to the one the device tree names. A PL011 or a
// Qualcomm GENI debug UART, both polled for output.
#include "platform/console.h"

#include "platform/drivers/pl011.h"
#include "platform/qcom/geni_uart.h"

namespace hyp::platform {
namespace {

enum class Device : std::uint8_t { none, pl011, geni };

struct Console {
    Device device = Device::none;
    std::uintptr_t base = 0;
};

constinit Console console;  // silent until the boot code names a UART

void use(Device device, std::uintptr_t base)
{
    console.device = base == 0 ? Device::none : device;
    console.base = base;
}

void put(const Console& c, char ch)
{
    if (c.device == Device::pl011) {
        pl011::put_char(c.base, ch);
    } else if (c.device == Device::geni) {
        geni::put_char(c.base, ch);
    }
}

}  // namespace

void console_use_pl011(std::uintptr_t base) { use(Device::pl011, base); }

void console_use_geni(std::uintptr_t base) { use(Device::geni, base); }

void console_use_early(const EarlyUart& uart)
{
    const auto base = static_cast<std::uintptr_t>(uart.base);
    switch (uart.kind) {
    case EarlyUartKind::pl011:
        use(Device::pl011, base);
        break;
    case EarlyUartKind::geni:
        use(Device::geni, base);
        break;
    case EarlyUartKind::none:
        use(Device::none, 0);
        break;
    }
}

bool console_enable_input()
{
    switch (console.device) {
    case Device::pl011:
        pl011::enable_rx_interrupt(console.base);
        return true;
    case Device::geni:
        geni::enable_rx_interrupt(console.base);
        return true;
    case Device::none:
        break;
    }
    return false;
}

int console_read()
{
    switch (console.device) {
    case Device::pl011:
        return pl011::get_char(console.base);
    case Device::geni:
        return geni::get_char(console.base);
    case Device::none:
        break;
    }
    return -1;
}

void console_write(const char* text, std::size_t length)
{
    const Console c = console;
    for (std::size_t i = 0; i < length; ++i) {
        if (text[i] == '\n') {
            put(c, '\r');
        }
        put(c, text[i]);
    }
}

void console_write_raw(const char* text, std::size_t length)
{
    const Console c = console;
    for (std::size_t i = 0; i < length; ++i) {
        put(c, text[i]);
    }
}

}  // namespace hyp::platform
