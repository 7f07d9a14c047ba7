// strtoul, which libfdt uses to parse unit addresses and alias indices.
#include <climits>
#include <cstddef>

extern "C" unsigned long strtoul(const char* __restrict s, char** __restrict end, int base)
{
    const char* p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n') {
        ++p;
    }
    bool negative = false;
    if (*p == '+' || *p == '-') {
        negative = *p == '-';
        ++p;
    }
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long value = 0;
    bool overflow = false;
    const char* digits_start = p;
    for (;; ++p) {
        int digit;
        if (*p >= '0' && *p <= '9') {
            digit = *p - '0';
        } else if (*p >= 'a' && *p <= 'z') {
            digit = *p - 'a' + 10;
        } else if (*p >= 'A' && *p <= 'Z') {
            digit = *p - 'A' + 10;
        } else {
            break;
        }
        if (digit >= base) {
            break;
        }
        unsigned long ubase = static_cast<unsigned long>(base);
        if (value > (ULONG_MAX - static_cast<unsigned long>(digit)) / ubase) {
            overflow = true;
        }
        value = value * ubase + static_cast<unsigned long>(digit);
    }
    if (end != nullptr) {
        *end = const_cast<char*>(p == digits_start ? s : p);
    }
    if (overflow) {
        return ULONG_MAX;
    }
    return negative ? 0 - value : value;
}
