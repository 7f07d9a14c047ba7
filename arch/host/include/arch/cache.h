// Host fake of the data-cache maintenance interface (the target's is
// arch/aarch64/include/arch/cache.h; keep the declarations in step). The host needs no
// maintenance, so the fake only records each call for tests to check: which range was
// cleaned or flushed, in what order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyp::arch {

void cache_clean_range(const void* base, std::size_t size);
void cache_flush_range(const void* base, std::size_t size);
void icache_invalidate_all();

// ---- host only: the record ----
namespace cache_fake {

enum class Kind : std::uint8_t { clean, flush };

struct Call {
    Kind kind = Kind::clean;
    std::uintptr_t base = 0;
    std::size_t size = 0;
};

// The first `capacity` calls since reset() are kept; count() goes on counting past it.
inline constexpr std::size_t capacity = 1024;

void reset();
[[nodiscard]] std::size_t count();
[[nodiscard]] const Call& at(std::size_t index);  // index < min(count(), capacity)

}  // namespace cache_fake
}  // namespace hyp::arch
