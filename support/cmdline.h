// The hypervisor's own command line (/chosen/bootargs; QEMU's -append): space-separated
// `name=value` or `name` options.
#pragma once

#include <cstddef>

#include "support/format.h"

namespace hyp::cmdline {

struct Option {
    fmt::StrView name;
    fmt::StrView value;  // empty for a bare `name`
};

// Calls `visit(option)` for each option in order.
template <typename Visitor>
void for_each(fmt::StrView line, Visitor&& visit)
{
    std::size_t i = 0;
    while (i < line.length) {
        while (i < line.length && (line.data[i] == ' ' || line.data[i] == '\t' || line.data[i] == '\0')) {
            ++i;
        }
        std::size_t start = i;
        while (i < line.length && line.data[i] != ' ' && line.data[i] != '\t' && line.data[i] != '\0') {
            ++i;
        }
        if (i == start) {
            break;
        }
        std::size_t eq = start;
        while (eq < i && line.data[eq] != '=') {
            ++eq;
        }
        Option option{{line.data + start, eq - start}, {}};
        if (eq < i) {
            option.value = {line.data + eq + 1, i - eq - 1};
        }
        visit(option);
    }
}

[[nodiscard]] bool equals(fmt::StrView s, const char* literal);

}  // namespace hyp::cmdline
