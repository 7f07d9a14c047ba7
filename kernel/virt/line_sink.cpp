// Console lines of a VM (see line_sink.h).
#include "kernel/virt/line_sink.h"

namespace hyp::virt {

LineSink::LineSink(fmt::Sink& out, std::uint32_t vm_id, bool primary) : out_{out}
{
    if (!primary) {
        prefix_length_ = fmt::format_buffer(prefix_, sizeof prefix_, "[vm {}] ", vm_id);
    }
}

void LineSink::put(char c)
{
    // The prefix goes out with the first byte of a line, not after the newline that ends
    // the previous one, so a VM's last line is not followed by a dangling prefix.
    if (at_line_start_ && prefix_length_ != 0) {
        out_.write(prefix_, prefix_length_);
    }
    out_.write(&c, 1);
    at_line_start_ = c == '\n';
}

}  // namespace hyp::virt
