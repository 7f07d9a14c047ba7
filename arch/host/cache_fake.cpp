// The host's data-cache "maintenance": a record of the calls (see arch/host/include/arch/cache.h).
#include <arch/cache.h>

#include <cstdlib>

namespace hyp::arch {

namespace {

struct Record {
    cache_fake::Call calls[cache_fake::capacity];
    std::size_t count = 0;
};

Record& record()
{
    static Record instance;
    return instance;
}

void note(cache_fake::Kind kind, const void* base, std::size_t size)
{
    Record& r = record();
    if (r.count < cache_fake::capacity) {
        r.calls[r.count] = cache_fake::Call{kind, reinterpret_cast<std::uintptr_t>(base), size};
    }
    ++r.count;
}

}  // namespace

void cache_clean_range(const void* base, std::size_t size) { note(cache_fake::Kind::clean, base, size); }

void cache_flush_range(const void* base, std::size_t size) { note(cache_fake::Kind::flush, base, size); }

void icache_invalidate_all() {}

namespace cache_fake {

void reset() { record().count = 0; }

std::size_t count() { return record().count; }

const Call& at(std::size_t index)
{
    if (index >= capacity || index >= record().count) {
        std::abort();  // a test asked for a call that was not kept
    }
    return record().calls[index];
}

}  // namespace cache_fake
}  // namespace hyp::arch
