// MMIO data as gh_vcpu_run carries it (vmm/mmio_data.h): len bytes, little-endian, the
// rest of data[] untouched.
#include <catch2/catch.hpp>

#include <cstdint>

#include "vmm/mmio_data.h"

TEST_CASE("vmm mmio: values are stored and loaded little-endian in len bytes", "[vmm]")
{
    std::uint8_t data[8] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
    vmm::mmio_store(data, 2, 0x11223344);
    CHECK(data[0] == 0x44);
    CHECK(data[1] == 0x33);
    CHECK(data[2] == 0xee);
    CHECK(vmm::mmio_load(data, 2) == 0x3344);
    vmm::mmio_store(data, 8, 0x0102030405060708);
    CHECK(data[0] == 0x08);
    CHECK(data[7] == 0x01);
    CHECK(vmm::mmio_load(data, 8) == 0x0102030405060708);
    CHECK(vmm::mmio_load(data, 1) == 0x08);
    CHECK(vmm::mmio_load(data, 4) == 0x05060708);
}
