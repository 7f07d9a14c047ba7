// The host terminal while the guest owns it: raw, so every key (Ctrl-C included) goes to
// the guest's console, and restored however the VMM ends (a normal exit, SIGINT,
// SIGTERM, SIGHUP), so the shell is not left without echo.
#pragma once

namespace vmm {

// Raw mode on stdin when it is a terminal; nothing otherwise. Installs the signal
// handlers that restore it. False (with the reason printed) only when it is a terminal
// that cannot be set.
[[nodiscard]] bool enter_raw_mode();

// Back to the settings enter_raw_mode found. Idempotent; async-signal-safe.
void restore_terminal();

}  // namespace vmm
