// Error values used throughout the kernel: Gunyah's hypercall error codes, so a
// handler can hand its failure straight back to the caller in x0.
#pragma once

#include <cstdint>

#include "hyp_api/gunyah_error.h"

namespace hyp {

#define HYP_ERROR_ENUMERATOR(name, NAME) name = GUNYAH_ERROR_##NAME,
enum class Error : std::int64_t { GUNYAH_ERRORS(HYP_ERROR_ENUMERATOR) };
#undef HYP_ERROR_ENUMERATOR

// A short lower-case name for logs ("arg_inval"); "unknown" for values outside the ABI.
[[nodiscard]] const char* error_name(Error e);

}  // namespace hyp
