// The guest's console (see console.h).
#include "vmm/console.h"

#include <cerrno>
#include <cstdio>
#include <thread>
#include <unistd.h>

#include "vmm/mmio_data.h"
#include "vmm/report.h"

namespace vmm {
namespace {

constexpr std::size_t input_chunk = 256;
constexpr std::uint64_t irqfd_increment = 1;

}  // namespace

Console::Console(int irqfd) : irqfd_(irqfd), uart_([this](std::uint8_t byte) { emit(byte); }) {}

// Straight to fd 1, unbuffered: what the guest printed is on the terminal before its
// next exit, even if the VMM dies. Write errors (a closed pipe) drop the byte, counted.
void Console::emit(std::uint8_t byte)
{
    for (;;) {
        const ssize_t n = ::write(STDOUT_FILENO, &byte, 1);
        if (n == 1) {
            return;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ++lost_output_;
        return;
    }
}

void Console::ring()
{
    const std::uint64_t one = irqfd_increment;
    ssize_t n = 0;
    do {
        n = ::write(irqfd_, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof one) {
        report_errno("writing the console's irqfd");
    }
}

void Console::mmio(std::uint64_t ipa, bool is_write, unsigned len, std::uint8_t* data)
{
    const std::uint64_t offset = ipa - console_base;
    // Sizes the PL011 does not have (8 bytes) reach the model, which counts them.
    const unsigned bytes = len > sizeof(std::uint64_t) ? sizeof(std::uint64_t) : len;
    Pl011::Effect effect;
    {
        std::lock_guard<std::mutex> held(lock_);
        if (is_write) {
            effect = uart_.write(offset, len, static_cast<std::uint32_t>(mmio_load(data, bytes)));
        } else {
            std::uint32_t value = 0;
            effect = uart_.read(offset, len, value);
            mmio_store(data, bytes, value);
        }
    }
    if (effect.rx_drained) {
        room_.notify_one();
    }
    if (effect.raise_irq) {
        ring();
    }
}

void Console::start_input() { std::thread([this] { read_input(); }).detach(); }

void Console::read_input()
{
    std::uint8_t buffer[input_chunk];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            report_errno("reading stdin (the console's input stops; the VM runs on)");
            return;
        }
        if (n == 0) {
            return;  // end of file: the guest keeps running without input
        }
        // Bytes the FIFO cannot take yet wait here, in the VMM's buffer, until the guest
        // reads DR; stdin is not read meanwhile, so a paste cannot outrun the guest.
        std::size_t done = 0;
        while (done < static_cast<std::size_t>(n)) {
            Pl011::Effect effect;
            {
                std::unique_lock<std::mutex> held(lock_);
                room_.wait(held, [this] { return uart_.rx_space() != 0; });
                done += uart_.receive(buffer + done, static_cast<std::size_t>(n) - done, effect);
            }
            if (effect.raise_irq) {
                ring();
            }
        }
    }
}

std::uint64_t Console::bad_accesses()
{
    std::lock_guard<std::mutex> held(lock_);
    return uart_.bad_accesses();
}

}  // namespace vmm
