// The test guests' output (see runtime.h): a small printf to the PL011, the `guest NAME:`
// lines, checks, and the one verdict line a guest ends with.
#include <cstdarg>

#include "board.h"  // platform/<board>/board.h: where the (virtual) PL011 sits
#include "runtime.h"

namespace guest {
namespace {

// The PL011 data register (UARTDR, offset 0). The VM's PL011 is emulated at the board's
// UART address, and writing UARTDR with a 32-bit store is all it needs for output.
// (A function, not a pointer variable: no data to relocate or initialise.)
inline volatile u32* uart_dr() { return reinterpret_cast<volatile u32*>(hyp::board::early_uart_pl011); }

// ---- Formatting: a small printf for %s %c %d %i %u %x %p, with l/ll/z, '#', '0' and width.
// Where formatted text goes: the UART, or a buffer (the first failure's text). Not a
// virtual interface: guest_bad_relocation() prints before the image is relocated, when a
// vtable's function pointers would still be link-time addresses.
class Sink {
public:
    Sink() = default;
    Sink(char* buf, std::size_t size) : buf_(buf), size_(size) { buf_[0] = '\0'; }

    void put(char c)
    {
        if (buf_ == nullptr) {
            if (c == '\n') {
                *uart_dr() = '\r';
            }
            *uart_dr() = static_cast<u32>(static_cast<unsigned char>(c));
        } else if (used_ + 1 < size_) {
            buf_[used_++] = c;
            buf_[used_] = '\0';
        }
    }

private:
    char* buf_ = nullptr;
    std::size_t size_ = 0;
    std::size_t used_ = 0;
};

void put_string(Sink& out, const char* s)
{
    for (; *s != '\0'; ++s) {
        out.put(*s);
    }
}

void put_number(Sink& out, u64 value, unsigned base, bool negative, unsigned width, bool zero_pad,
                const char* prefix)
{
    char digits[24];
    unsigned n = 0;
    do {
        unsigned d = static_cast<unsigned>(value % base);
        digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value != 0);
    unsigned prefix_len = 0;
    while (prefix[prefix_len] != '\0') {
        ++prefix_len;
    }
    unsigned len = n + prefix_len + (negative ? 1 : 0);
    if (!zero_pad) {
        for (; len < width; ++len) {
            out.put(' ');
        }
    }
    if (negative) {
        out.put('-');
    }
    put_string(out, prefix);
    if (zero_pad) {
        for (; len < width; ++len) {
            out.put('0');
        }
    }
    while (n > 0) {
        out.put(digits[--n]);
    }
}

void vformat(Sink& out, const char* fmt, va_list ap)
{
    for (; *fmt != '\0'; ++fmt) {
        if (*fmt != '%') {
            out.put(*fmt);
            continue;
        }
        ++fmt;
        bool alt = false;
        bool zero_pad = false;
        for (;; ++fmt) {
            if (*fmt == '#') {
                alt = true;
            } else if (*fmt == '0') {
                zero_pad = true;
            } else {
                break;
            }
        }
        unsigned width = 0;
        for (; *fmt >= '0' && *fmt <= '9'; ++fmt) {
            width = width * 10 + static_cast<unsigned>(*fmt - '0');
        }
        unsigned longs = 0;
        for (; *fmt == 'l' || *fmt == 'z'; ++fmt) {
            longs = *fmt == 'z' ? 1 : longs + 1;
        }
        switch (*fmt) {
        case '\0': return;
        case '%': out.put('%'); break;
        case 'c': out.put(static_cast<char>(va_arg(ap, int))); break;
        case 's': {
            const char* s = va_arg(ap, const char*);
            put_string(out, s != nullptr ? s : "(null)");
            break;
        }
        case 'd':
        case 'i': {
            i64 v = longs > 0 ? va_arg(ap, i64) : va_arg(ap, int);
            u64 mag = v < 0 ? 0 - static_cast<u64>(v) : static_cast<u64>(v);
            put_number(out, mag, 10, v < 0, width, zero_pad, "");
            break;
        }
        case 'u': {
            u64 v = longs > 0 ? va_arg(ap, u64) : va_arg(ap, unsigned);
            put_number(out, v, 10, false, width, zero_pad, "");
            break;
        }
        case 'x': {
            u64 v = longs > 0 ? va_arg(ap, u64) : va_arg(ap, unsigned);
            put_number(out, v, 16, false, width, zero_pad, alt ? "0x" : "");
            break;
        }
        case 'p': {
            u64 v = reinterpret_cast<std::uintptr_t>(va_arg(ap, void*));
            put_number(out, v, 16, false, width, zero_pad, "0x");
            break;
        }
        default:
            out.put('%');
            out.put(*fmt);
            break;
        }
    }
}

void format_to(Sink& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void format_to(Sink& out, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(out, fmt, ap);
    va_end(ap);
}

// ---- Checks and the verdict ------------------------------------------------------------
// Only the boot vCPU checks and prints, so these need no lock.
constinit unsigned failure_count = 0;
constinit char first_failure[192] = {};

void vsay(const char* fmt, va_list ap)
{
    Sink out;
    format_to(out, "guest %s: ", guest_name);
    vformat(out, fmt, ap);
    out.put('\n');
}

void record_failure(const char* fmt, va_list ap)
{
    if (failure_count++ == 0) {
        Sink buf(first_failure, sizeof(first_failure));
        vformat(buf, fmt, ap);
    }
}

}  // namespace

// ---- Output ------------------------------------------------------------------------------
void putc(char c)
{
    Sink out;
    out.put(c);
}

void puts(const char* s)
{
    Sink out;
    put_string(out, s);
}

void printf(const char* fmt, ...)
{
    Sink out;
    va_list ap;
    va_start(ap, fmt);
    vformat(out, fmt, ap);
    va_end(ap);
}

void say(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

bool check(bool ok, const char* fmt, ...)
{
    Sink out;
    format_to(out, "guest %s:   %s ", guest_name, ok ? "ok  " : "BAD ");
    va_list ap;
    va_start(ap, fmt);
    vformat(out, fmt, ap);
    va_end(ap);
    out.put('\n');
    if (!ok) {
        va_start(ap, fmt);
        record_failure(fmt, ap);
        va_end(ap);
    }
    return ok;
}

void bad(const char* fmt, ...)
{
    Sink out;
    format_to(out, "guest %s:   BAD  ", guest_name);
    va_list ap;
    va_start(ap, fmt);
    vformat(out, fmt, ap);
    va_end(ap);
    out.put('\n');
    va_start(ap, fmt);
    record_failure(fmt, ap);
    va_end(ap);
}

unsigned failures() { return failure_count; }

void finish()
{
    if (failure_count == 0) {
        say("PASS");
    } else if (failure_count == 1) {
        say("FAIL: %s", first_failure);
    } else {
        say("FAIL: %s (and %u more)", first_failure, failure_count - 1);
    }
    psci_system_off();
}

void fail(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record_failure(fmt, ap);
    va_end(ap);
    if (failure_count > 1) {
        // Say this one too: it is why the guest stops here.
        Sink out;
        format_to(out, "guest %s:   BAD  ", guest_name);
        va_start(ap, fmt);
        vformat(out, fmt, ap);
        va_end(ap);
        out.put('\n');
    }
    finish();
}

}  // namespace guest
