// The few C library functions a compiler may call on its own (struct copies and
// zeroing), byte by byte: with the MMU off memory is Device memory, where wider
// accesses must be aligned and DC ZVA faults. Compiled with -fno-builtin (and, for gcc,
// without loop-to-call distribution) so that these do not turn into calls to themselves.
#include <cstddef>

extern "C" {

void* memset(void* dest, int c, std::size_t n)
{
    auto* d = static_cast<volatile unsigned char*>(dest);
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = static_cast<unsigned char>(c);
    }
    return dest;
}

void* memcpy(void* dest, const void* src, std::size_t n)
{
    auto* d = static_cast<volatile unsigned char*>(dest);
    const auto* s = static_cast<const volatile unsigned char*>(src);
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = s[i];
    }
    return dest;
}

void* memmove(void* dest, const void* src, std::size_t n)
{
    auto* d = static_cast<volatile unsigned char*>(dest);
    const auto* s = static_cast<const volatile unsigned char*>(src);
    if (d < s) {
        for (std::size_t i = 0; i < n; ++i) {
            d[i] = s[i];
        }
    } else {
        for (std::size_t i = n; i > 0; --i) {
            d[i - 1] = s[i - 1];
        }
    }
    return dest;
}

int memcmp(const void* a, const void* b, std::size_t n)
{
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

}  // extern "C"
