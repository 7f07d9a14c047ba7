// Command-line helpers (see cmdline.h).
#include "support/cmdline.h"

namespace hyp::cmdline {

bool equals(fmt::StrView s, const char* literal)
{
    std::size_t i = 0;
    for (; i < s.length; ++i) {
        if (literal[i] == '\0' || literal[i] != s.data[i]) {
            return false;
        }
    }
    return literal[i] == '\0';
}

}  // namespace hyp::cmdline
