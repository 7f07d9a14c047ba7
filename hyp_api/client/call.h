// The EL1 client's core: how a hypercall is made, and the result types every wrapper
// returns. Two forms, both of which the hypervisor accepts:
//   call(n, args...)          SMCCC form: HVC #0, x0 = 0xC6008000 + n, args in x1..x7
//   call_native<n>(args...)   native form: HVC #(0x6000 + n), args in x0..x7
// Results come back in x0 (the Gunyah error) and x1 onwards.
//
// On an AArch64 build the trap is an inline `hvc`. Anywhere else (the host unit tests),
// or when GUNYAH_CLIENT_HOST_TRAP is defined, it is a call to detail::host_trap(), which
// the program must define: a test uses it to see which registers a wrapper fills. A
// program must make the same choice in every file that includes this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hyp_api/gunyah_error.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_rights.h"

#if defined(__aarch64__) && !defined(GUNYAH_CLIENT_HOST_TRAP)
#define GUNYAH_CLIENT_REAL_HVC 1
#else
#define GUNYAH_CLIENT_REAL_HVC 0
#endif

namespace gunyah {

// A capability id in the caller's cspace.
using CapId = std::uint64_t;
inline constexpr CapId cap_invalid = GUNYAH_CAP_ID_INVALID;

// The error in x0, as the hypervisor defines it (gunyah_error.h). Discarding one is a
// compile error: a failed hypercall has changed nothing, and the caller must know that.
// (NOT_SUPPORTED from an SMCCC call is unimplemented.)
#define GUNYAH_CLIENT_ERROR_ENUMERATOR(name, NAME) name = GUNYAH_ERROR_##NAME,
enum class [[nodiscard]] Error : std::int64_t { GUNYAH_ERRORS(GUNYAH_CLIENT_ERROR_ENUMERATOR) };
#undef GUNYAH_CLIENT_ERROR_ENUMERATOR

// What call() returns: x0 as an error and the next three result registers raw.
struct [[nodiscard]] Result {
    Error error;
    std::uint64_t x1;
    std::uint64_t x2;
    std::uint64_t x3;
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// Wrappers for calls that create or copy a capability.
struct [[nodiscard]] CapResult {
    Error error;
    CapId cap;  // cap_invalid unless ok
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// Wrappers for calls with one result word besides the error.
struct [[nodiscard]] ValueResult {
    Error error;
    std::uint64_t value;
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

namespace detail {

// x0..x7 as passed in, or as found on return.
struct Regs {
    std::uint64_t x[8];
};

// An argument as the register holds it: integers zero- or sign-extended to 64 bits,
// enums as their value, pointers as their address. A buffer's address is an IPA to this
// hypervisor (it copies through the caller's stage 2, docs/ipc.md; Gunyah walks the
// caller's stage 1 as well): a caller with its MMU off, or mapping VA == IPA, passes a
// pointer as it is.
template <typename T>
constexpr std::uint64_t to_reg(T v)
{
    if constexpr (std::is_pointer_v<T>) {
        return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
    } else if constexpr (std::is_enum_v<T>) {
        return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(v));
    } else {
        static_assert(std::is_integral_v<T>, "hypercall arguments are integers, enums or pointers");
        return static_cast<std::uint64_t>(v);
    }
}

#if GUNYAH_CLIENT_REAL_HVC
// HVC #imm with x0..x7 in and out. The hypervisor clobbers x8..x17 and may read or write
// memory the arguments point to, so the compiler must assume both.
template <std::uint32_t Imm>
inline Regs trap(const Regs& in) noexcept
{
    static_assert(Imm <= 0xFFFFu, "the HVC immediate is 16 bits");
    register std::uint64_t x0 asm("x0") = in.x[0];
    register std::uint64_t x1 asm("x1") = in.x[1];
    register std::uint64_t x2 asm("x2") = in.x[2];
    register std::uint64_t x3 asm("x3") = in.x[3];
    register std::uint64_t x4 asm("x4") = in.x[4];
    register std::uint64_t x5 asm("x5") = in.x[5];
    register std::uint64_t x6 asm("x6") = in.x[6];
    register std::uint64_t x7 asm("x7") = in.x[7];
    asm volatile("hvc %[imm]"
                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7)
                 : [imm] "i"(Imm)
                 : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    return Regs{{x0, x1, x2, x3, x4, x5, x6, x7}};
}
#else
// No hypervisor here: the program supplies this (a test records `in` and answers).
// hvc_imm is what the HVC instruction would carry: 0 for SMCCC, 0x6000 + n for native.
Regs host_trap(std::uint32_t hvc_imm, const Regs& in);

template <std::uint32_t Imm>
inline Regs trap(const Regs& in)
{
    static_assert(Imm <= 0xFFFFu, "the HVC immediate is 16 bits");
    return host_trap(Imm, in);
}
#endif

// x0 = function id, arguments from x1, unused registers zero (reserved "R0" arguments
// are simply left out by the wrappers).
template <typename... Args>
inline Regs smccc(std::uint32_t function_id, Args... args)
{
    static_assert(sizeof...(Args) <= 7, "the SMCCC form carries at most 7 arguments (x1..x7)");
    Regs in{};
    in.x[0] = function_id;
    [[maybe_unused]] std::size_t i = 1;
    ((in.x[i++] = to_reg(args)), ...);
    return trap<0>(in);
}

template <typename... Args>
inline Regs hypercall(std::uint32_t n, Args... args)
{
    return smccc(GUNYAH_HC_SMCCC_ID(n), args...);
}

constexpr Error error_of(const Regs& r) { return static_cast<Error>(static_cast<std::int64_t>(r.x[0])); }

inline CapResult cap_call_result(const Regs& r)
{
    const Error e = error_of(r);
    return {e, e == Error::ok ? r.x[1] : cap_invalid};
}

inline ValueResult value_call_result(const Regs& r) { return {error_of(r), r.x[1]}; }

}  // namespace detail

// Hypercall n in the SMCCC form with up to seven arguments (x1..x7).
template <typename... Args>
inline Result call(std::uint32_t n, Args... args)
{
    const detail::Regs r = detail::hypercall(n, args...);
    return {detail::error_of(r), r.x[1], r.x[2], r.x[3]};
}

// Hypercall N in the native form with up to eight arguments (x0..x7). N is a template
// argument because it becomes the HVC instruction's immediate.
template <std::uint32_t N, typename... Args>
inline Result call_native(Args... args)
{
    static_assert(GUNYAH_HC_NATIVE_IMM(N) <= GUNYAH_HC_NATIVE_LAST, "outside Gunyah's HVC range");
    static_assert(sizeof...(Args) <= 8, "the native form carries at most 8 arguments (x0..x7)");
    detail::Regs in{};
    [[maybe_unused]] std::size_t i = 0;
    ((in.x[i++] = detail::to_reg(args)), ...);
    const detail::Regs r = detail::trap<GUNYAH_HC_NATIVE_IMM(N)>(in);
    return {detail::error_of(r), r.x[1], r.x[2], r.x[3]};
}

}  // namespace gunyah
