// Raw mode for the console (see terminal.h).
#include "vmm/terminal.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

#include "vmm/report.h"

namespace vmm {
namespace {

// Written once before the handlers are installed, read by them: plain data suffices.
termios saved_settings{};
std::atomic<bool> raw{false};

constexpr int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP};

void on_fatal_signal(int sig)
{
    restore_terminal();
    // Die of the signal as the shell expects, with its default action.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

}  // namespace

bool enter_raw_mode()
{
    if (::isatty(STDIN_FILENO) == 0) {
        return true;
    }
    if (::tcgetattr(STDIN_FILENO, &saved_settings) != 0) {
        report_errno("tcgetattr on stdin");
        return false;
    }
    // cfmakeraw, except that output post-processing stays on (as QEMU's stdio console
    // keeps it) so the VMM's own "vmm: ..." lines still start at the left margin.
    termios settings = saved_settings;
    ::cfmakeraw(&settings);
    settings.c_oflag |= OPOST;
    settings.c_cc[VMIN] = 1;
    settings.c_cc[VTIME] = 0;

    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    for (int sig : restoring_signals) {
        ::sigaction(sig, &action, nullptr);
    }
    raw = true;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings) != 0) {
        raw = false;
        report_errno("tcsetattr on stdin");
        return false;
    }
    return true;
}

void restore_terminal()
{
    if (raw.exchange(false)) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_settings);
    }
}

}  // namespace vmm
