// Console lines of a VM (see line_sink.h).
#include "kernel/virt/line_sink.h"

namespace hyp::virt {

LineSink::LineSink(fmt::Sink& out, std::uint32_t vm_id, bool primary) { attach(out, vm_id, primary); }

void LineSink::attach(fmt::Sink& out, std::uint32_t vm_id, bool primary)
{
    out_ = &out;
    prefix_length_ = primary ? 0 : fmt::format_buffer(line_, sizeof line_, "[vm {}] ", vm_id);
    __atomic_store_n(&length_, prefix_length_, __ATOMIC_RELAXED);
}

void LineSink::make_primary()
{
    flush();
    prefix_length_ = 0;
    __atomic_store_n(&length_, std::size_t{0}, __ATOMIC_RELAXED);
}

void LineSink::put(char c)
{
    if (out_ == nullptr) {
        return;
    }
    std::size_t length = length_;
    line_[length++] = c;
    __atomic_store_n(&length_, length, __ATOMIC_RELAXED);  // pending() reads it unlocked
    if (c == '\n' || length == sizeof line_) {
        flush();
    }
}

void LineSink::flush()
{
    if (out_ != nullptr && length_ > prefix_length_) {
        out_->write(line_, length_);
    }
    __atomic_store_n(&length_, prefix_length_, __ATOMIC_RELAXED);
}

}  // namespace hyp::virt
