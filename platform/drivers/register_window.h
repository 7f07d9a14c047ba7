// 32-bit device registers at offsets from a base: the seam between a driver and its
// hardware. On the target a driver talks to an MmioWindow (plain volatile loads and
// stores, as pl011.cpp does); a host unit test hands it a register model instead.
#pragma once

#include <cstdint>

namespace hyp::platform {

class RegisterWindow {
public:
    [[nodiscard]] virtual std::uint32_t read32(std::uintptr_t offset) = 0;
    virtual void write32(std::uintptr_t offset, std::uint32_t value) = 0;

protected:
    ~RegisterWindow() = default;
};

// The device's registers, already mapped at `base` (device memory, so the compiler's
// volatile accesses reach the device once each and in program order).
class MmioWindow final : public RegisterWindow {
public:
    constexpr explicit MmioWindow(std::uintptr_t base) : base_{base} {}

    [[nodiscard]] std::uint32_t read32(std::uintptr_t offset) override
    {
        return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
    }
    void write32(std::uintptr_t offset, std::uint32_t value) override
    {
        *reinterpret_cast<volatile std::uint32_t*>(base_ + offset) = value;
    }

    [[nodiscard]] constexpr std::uintptr_t base() const { return base_; }

private:
    std::uintptr_t base_;
};

}  // namespace hyp::platform
