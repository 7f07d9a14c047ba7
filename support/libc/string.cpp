// The C string and memory functions the compilers and libfdt call. Simple byte and
// word loops: they run at boot and in the DT code, not on hot paths. Built with
// -fno-builtin so the compiler does not turn these loops back into calls to themselves.
#include <cstddef>
#include <cstdint>

extern "C" {

void* memset(void* dest, int value, std::size_t n)
{
    auto* d = static_cast<unsigned char*>(dest);
    auto byte = static_cast<unsigned char>(value);
    while (n > 0 && (reinterpret_cast<std::uintptr_t>(d) & 7) != 0) {
        *d++ = byte;
        --n;
    }
    std::uint64_t word = 0x0101010101010101ULL * byte;
    for (; n >= 8; n -= 8, d += 8) {
        *reinterpret_cast<std::uint64_t*>(d) = word;
    }
    while (n-- > 0) {
        *d++ = byte;
    }
    return dest;
}

void* memcpy(void* __restrict dest, const void* __restrict src, std::size_t n)
{
    auto* d = static_cast<unsigned char*>(dest);
    const auto* s = static_cast<const unsigned char*>(src);
    if (((reinterpret_cast<std::uintptr_t>(d) | reinterpret_cast<std::uintptr_t>(s)) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8) {
            *reinterpret_cast<std::uint64_t*>(d) = *reinterpret_cast<const std::uint64_t*>(s);
        }
    }
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dest;
}

void* memmove(void* dest, const void* src, std::size_t n)
{
    auto* d = static_cast<unsigned char*>(dest);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) {
        return dest;
    }
    if (d < s || d >= s + n) {
        return memcpy(dest, src, n);
    }
    while (n-- > 0) {  // overlapping, destination above source: copy backwards
        d[n] = s[n];
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

void* memchr(const void* s, int c, std::size_t n)
{
    const auto* p = static_cast<const unsigned char*>(s);
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == static_cast<unsigned char>(c)) {
            return const_cast<unsigned char*>(p + i);
        }
    }
    return nullptr;
}

std::size_t strlen(const char* s)
{
    std::size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

std::size_t strnlen(const char* s, std::size_t max)
{
    std::size_t n = 0;
    while (n < max && s[n] != '\0') {
        ++n;
    }
    return n;
}

int strncmp(const char* a, const char* b, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x != y) {
            return x < y ? -1 : 1;
        }
        if (x == '\0') {
            return 0;
        }
    }
    return 0;
}

int strcmp(const char* a, const char* b) { return strncmp(a, b, SIZE_MAX); }

char* strchr(const char* s, int c)
{
    for (;; ++s) {
        if (*s == static_cast<char>(c)) {
            return const_cast<char*>(s);
        }
        if (*s == '\0') {
            return nullptr;
        }
    }
}

char* strrchr(const char* s, int c)
{
    const char* found = nullptr;
    for (;; ++s) {
        if (*s == static_cast<char>(c)) {
            found = s;
        }
        if (*s == '\0') {
            return const_cast<char*>(found);
        }
    }
}

}  // extern "C"
