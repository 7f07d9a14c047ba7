// The resource manager's console (see console.h).
#include "rm/core/console.h"

namespace hyp::rm {

void Console::write(const char* text, std::size_t length)
{
    if (out_ == nullptr) {
        return;
    }
    for (std::size_t i = 0; i < length; ++i) {
        const char c = text[i];
        if (c == '\0') {
            break;  // a NUL in the middle of text: what printf would stop at
        }
        if (at_line_start_) {
            for (const char* p = prefix; *p != '\0'; ++p) {
                out_->put(*p);
            }
            at_line_start_ = false;
        }
        if (c == '\n') {
            out_->put('\r');  // a serial line end is CR LF; the hypervisor passes bytes as they are
            at_line_start_ = true;
        }
        out_->put(c);
    }
}

void Console::end_line()
{
    if (out_ != nullptr && !at_line_start_) {
        out_->put('\r');
        out_->put('\n');
        at_line_start_ = true;
    }
}

}  // namespace hyp::rm
