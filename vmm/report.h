// The VMM's one way of saying a system call failed: "vmm: <what>: <strerror(errno)>" on
// stderr, so every failure names the step (the ioctl, the file) that failed.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vmm {

inline void report_errno(const char* what)
{
    const int e = errno;
    std::fprintf(stderr, "vmm: %s: %s\n", what, std::strerror(e));
}

}  // namespace vmm
