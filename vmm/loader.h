// Putting the kernel and the initrd into guest RAM where layout.h says: the files'
// headers and sizes are read first (plan_images), so that a kernel that does not fit is
// refused before any memory is allocated; then the bytes (load_images).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/layout.h"

namespace vmm {

// initrd: empty for none.
[[nodiscard]] bool plan_images(const std::string& kernel, const std::string& initrd, std::uint64_t ram_size,
                               Layout& layout, KernelImage& image, std::string& error);

// ram: layout.ram_size bytes. Refuses a file whose size changed since plan_images.
[[nodiscard]] bool load_images(const std::string& kernel, const std::string& initrd, const Layout& layout,
                               std::uint8_t* ram, std::string& error);

}  // namespace vmm
