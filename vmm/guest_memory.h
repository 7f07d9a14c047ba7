// The guest's RAM: the VMM's own anonymous memory, 2 MiB aligned and backed by
// transparent huge pages where the kernel allows, populated before it is handed over.
// Why huge pages: the driver pins the pages and gives the resource manager their
// physical ranges, and the RM takes a limited number of ranges per parcel; 2 MiB pages
// keep 128 MiB to at most 64 ranges instead of 32768.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vmm {

inline constexpr std::size_t huge_page = std::size_t{2} << 20;

class GuestMemory {
public:
    GuestMemory() = default;
    ~GuestMemory();
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;

    // size: a multiple of huge_page. `warning` is set (and the memory still made) when
    // huge pages are unavailable; `error` when there is no memory.
    [[nodiscard]] bool allocate(std::size_t size, std::string& error, std::string& warning);

    std::uint8_t* data() const { return base_; }
    std::size_t size() const { return size_; }

private:
    std::uint8_t* base_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace vmm
