// Console lines of a VM (see line_sink.h).
#include "kernel/virt/line_sink.h"

namespace hyp::virt {

LineSink::LineSink(fmt::Sink& out, std::uint32_t vm_id, bool primary) { attach(out, vm_id, primary); }

void LineSink::attach(fmt::Sink& out, std::uint32_t vm_id, bool primary)
{
    out_ = &out;
    prefix_length_ = primary ? 0 : fmt::format_buffer(line_, sizeof line_, "[vm {}] ", vm_id);
    length_ = prefix_length_;
}

void LineSink::put(char c)
{
    if (out_ == nullptr) {
        return;
    }
    if (prefix_length_ == 0) {
        out_->write(&c, 1);
        return;
    }
    line_[length_++] = c;
    if (c == '\n' || length_ == sizeof line_) {
        flush();
    }
}

void LineSink::flush()
{
    out_->write(line_, length_);
    length_ = prefix_length_;
}

}  // namespace hyp::virt
