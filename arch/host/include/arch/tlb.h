// Host fake of the stage-2 TLB interface (the target's is arch/aarch64/include/arch/tlb.h;
// keep the declarations in step). Nothing is cached on the host, so the fake only records
// each call, in order, for tests to check: that a break-before-make invalidated between
// the break and the make, that the right VMID and level were named. An observer, when
// set, runs at the moment of each call, so a test can look at the tables just then.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/addr.h"

namespace hyp::arch {

struct TlbVm {
    std::uint64_t vttbr = 0;

    [[nodiscard]] constexpr std::uint16_t vmid() const { return static_cast<std::uint16_t>(vttbr >> 48); }
};

inline constexpr unsigned tlb_level_unknown = 4;

void tlb_invalidate_ipa(TlbVm vm, Ipa ipa, unsigned level);
void tlb_invalidate_vmid(TlbVm vm);
void tlb_publish_tables();

// ---- host only: the record ----
namespace tlb_fake {

enum class Kind : std::uint8_t { ipa, vmid, publish };

struct Call {
    Kind kind = Kind::publish;
    std::uint16_t vmid = 0;
    Ipa ipa{};
    unsigned level = 0;
};

// The first `capacity` calls since reset() are kept; count() goes on counting past it.
inline constexpr std::size_t capacity = 4096;

void reset();  // forgets the calls (not the observer)
[[nodiscard]] std::size_t count();
[[nodiscard]] std::size_t count(Kind kind);
[[nodiscard]] const Call& at(std::size_t index);  // index < min(count(), capacity)

using Observer = void (*)(const Call& call, void* context);
void set_observer(Observer observer, void* context);  // nullptr to stop

}  // namespace tlb_fake
}  // namespace hyp::arch
