// Host fake of the guest stage-1 translation (the target's is
// arch/aarch64/include/arch/guest_va.h; keep the declarations in step): the identity, as
// for a guest with its MMU off, unless a test installs a translation of its own.
#pragma once

#include <cstdint>

namespace hyp::arch {

struct GuestVaTranslation {
    bool ok;
    std::uint64_t ipa;
};

namespace guest_va_fake {
// Null: the identity. A test sets it to model a guest's page tables, and resets it.
inline GuestVaTranslation (*translate)(std::uint64_t va, bool write) = nullptr;
}  // namespace guest_va_fake

[[nodiscard]] inline GuestVaTranslation guest_va_to_ipa(std::uint64_t va, bool write)
{
    return guest_va_fake::translate != nullptr ? guest_va_fake::translate(va, write) : GuestVaTranslation{true, va};
}

}  // namespace hyp::arch
