// The host's physical GIC, as far as forwarded SPIs (kernel/object/hwirq.h) use it
// through kernel/core/irq.h: which SPIs exist, which the hypervisor keeps, which are
// masked at the distributor, and the forwarding handler, which a test calls as the EL2
// IRQ vector would.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace hyp::irq_fake {

// SPIs [32, spi_end), every one masked; `hypervisors` are the hypervisor's own.
void reset(std::uint32_t spi_end, std::initializer_list<std::uint32_t> hypervisors = {});
[[nodiscard]] bool masked(std::uint32_t intid);
// How many times the SPI was unmasked since reset().
[[nodiscard]] unsigned unmasks(std::uint32_t intid);
// The physical SPI fires: the forwarding handler runs (false when none is installed).
bool fire(std::uint32_t intid);

}  // namespace hyp::irq_fake
