// Guest RAM (see guest_memory.h).
#include "vmm/guest_memory.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sys/mman.h>
#include <unistd.h>

namespace vmm {
namespace {

constexpr const char* thp_setting = "/sys/kernel/mm/transparent_hugepage/enabled";

// "[never]" there makes MADV_HUGEPAGE succeed and do nothing: say so.
bool thp_disabled()
{
    std::ifstream in(thp_setting);
    std::string line;
    return std::getline(in, line) && line.find("[never]") != std::string::npos;
}

}  // namespace

GuestMemory::~GuestMemory()
{
    if (base_ != nullptr) {
        ::munmap(base_, size_);
    }
}

bool GuestMemory::allocate(std::size_t size, std::string& error, std::string& warning)
{
    if (size == 0 || size % huge_page != 0) {
        error = "guest RAM must be a non-zero multiple of 2 MiB";
        return false;
    }
    // mmap aligns only to pages: take one huge page more and trim both ends, so that
    // every 2 MiB of the guest's RAM can be one huge page.
    const std::size_t span = size + huge_page;
    void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        error = "mmap of " + std::to_string(size >> 20) + " MiB of guest RAM: " + std::strerror(errno);
        return false;
    }
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + huge_page - 1) & ~(std::uintptr_t{huge_page} - 1);
    const std::size_t head = aligned - start;
    const std::size_t tail = span - head - size;
    if (head != 0) {
        ::munmap(raw, head);
    }
    if (tail != 0) {
        ::munmap(reinterpret_cast<void*>(aligned + size), tail);
    }
    base_ = reinterpret_cast<std::uint8_t*>(aligned);
    size_ = size;

    if (::madvise(base_, size_, MADV_HUGEPAGE) != 0) {
        warning = std::string{"madvise(MADV_HUGEPAGE): "} + std::strerror(errno) +
                  ": guest RAM in 4 KiB pages may be more ranges than the resource manager accepts";
    } else if (thp_disabled()) {
        warning = std::string{"transparent huge pages are off ("} + thp_setting +
                  "): guest RAM in 4 KiB pages may be more ranges than the resource manager accepts";
    }
    // Populate it now (a write, so each 2 MiB is faulted in as a huge page), before the
    // driver pins it: pinning faults pages in one by one.
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    for (std::size_t offset = 0; offset < size_; offset += page) {
        static_cast<volatile std::uint8_t*>(base_)[offset] = 0;
    }
    return true;
}

}  // namespace vmm
