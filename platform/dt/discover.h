// Platform discovery: what the hypervisor learns from the device tree the boot loader
// hands it (x0 at entry), once, at cold boot, into a PlatformInfo. No heap, no
// exceptions: failures come back as a Status and a Diagnostic saying what is wrong or
// missing, naming the node and property. The same code runs in the host unit tests on
// QEMU's tree, on real SoC trees and on hostile blobs.
#pragma once

#include <cstddef>

#include "support/result.h"
#include "platform/dt/diagnostic.h"
#include "platform/dt/names.h"
#include "platform/dt/usable_ram.h"
#include "platform/platform_info.h"

namespace hyp::platform {

// Reads the flattened device tree at `blob`, of which `blob_capacity` bytes are mapped
// and readable (its header's totalsize must fit in them; the blob must be 8-byte
// aligned, as the arm64 boot protocol requires). The whole structure is validated
// before it is walked, so a malformed blob yields an error, never a stray read.
// On failure `info` is left empty (all defaults) and `diag` says why. DtStrings in
// `info` point into the blob, which must outlive it.
[[nodiscard]] Status discover(const void* blob, std::size_t blob_capacity, PlatformInfo& info, Diagnostic& diag);

// Whether the hypervisor can run on what discover() found: a GICv3 with at least one
// redistributor region, at least one CPU, usable RAM (memory minus reserved), PSCI with
// a conduit, the architected timer with its EL2 interrupt. The first thing missing is
// named in `diag`.
[[nodiscard]] Status check_runnable(const PlatformInfo& info, Diagnostic& diag);

}  // namespace hyp::platform
