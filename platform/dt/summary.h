// The one-screen summary of what platform discovery found, printed at boot.
#pragma once

#include "platform/platform_info.h"

namespace hyp::platform {

void print_summary(const PlatformInfo& info);

}  // namespace hyp::platform
