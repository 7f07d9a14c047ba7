// Qualcomm GENI serial engine as a debug UART ("qcom,geni-debug-uart"): polled transmit
// and interrupt-driven receive, enough for the hypervisor's console on sc7280-class
// boards (RB3 Gen 2: uart5 at 0x994000, SPI 606). The boot firmware has loaded the UART
// protocol into the serial engine, set the clocks, the FIFO packing (4 bytes per word)
// and 115200n8; we only run commands and move bytes.
//
// Register facts, read in Linux v6.x: offsets and fields of the serial engine from
// include/linux/soc/qcom/geni-se.h; the UART ones (SE_UART_TX_TRANS_LEN, the opcodes
// UART_START_TX and UART_START_READ, BYTES_PER_FIFO_WORD = 4) and the way the FIFOs are
// used (qcom_geni_serial_setup_tx, qcom_geni_serial_poll_tx_done, qcom_geni_serial_get_char,
// qcom_geni_serial_handle_rx, qcom_geni_serial_start_rx) from
// drivers/tty/serial/qcom_geni_serial.c. The code here is our own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/drivers/register_window.h"

namespace hyp::platform::geni {

// --- Serial engine registers (geni-se.h) ---
inline constexpr std::uintptr_t reg_status = 0x040;           // SE_GENI_STATUS
inline constexpr std::uint32_t status_m_cmd_active = 1u << 0;  // M_GENI_CMD_ACTIVE: TX command running
inline constexpr std::uint32_t status_s_cmd_active = 1u << 12; // S_GENI_CMD_ACTIVE: RX command running

inline constexpr std::uintptr_t reg_m_cmd0 = 0x600;          // SE_GENI_M_CMD0
inline constexpr std::uintptr_t reg_m_cmd_ctrl = 0x604;      // SE_GENI_M_CMD_CTRL_REG
inline constexpr std::uintptr_t reg_m_irq_status = 0x610;    // SE_GENI_M_IRQ_STATUS
inline constexpr std::uintptr_t reg_m_irq_en = 0x614;        // SE_GENI_M_IRQ_EN
inline constexpr std::uintptr_t reg_m_irq_clear = 0x618;     // SE_GENI_M_IRQ_CLEAR
inline constexpr std::uintptr_t reg_s_cmd0 = 0x630;          // SE_GENI_S_CMD0
inline constexpr std::uintptr_t reg_s_irq_status = 0x640;    // SE_GENI_S_IRQ_STATUS
inline constexpr std::uintptr_t reg_s_irq_en = 0x644;        // SE_GENI_S_IRQ_EN
inline constexpr std::uintptr_t reg_s_irq_clear = 0x648;     // SE_GENI_S_IRQ_CLEAR
inline constexpr std::uintptr_t reg_tx_fifo = 0x700;         // SE_GENI_TX_FIFOn (write a word to push it)
inline constexpr std::uintptr_t reg_rx_fifo = 0x780;         // SE_GENI_RX_FIFOn (read a word to pop it)
inline constexpr std::uintptr_t reg_rx_fifo_status = 0x804;  // SE_GENI_RX_FIFO_STATUS

// M_CMD0 / S_CMD0: opcode in bits 31:27 (M_OPCODE_SHFT, S_OPCODE_SHFT), parameters below.
inline constexpr unsigned cmd_opcode_shift = 27;
inline constexpr std::uint32_t m_opcode_uart_start_tx = 0x1;  // UART_START_TX
inline constexpr std::uint32_t s_opcode_uart_start_read = 0x1;  // UART_START_READ

// M_CMD_CTRL: M_GENI_CMD_ABORT, what Linux writes when a transmit never completes.
inline constexpr std::uint32_t m_cmd_ctrl_abort = 1u << 1;

// M_IRQ_STATUS / M_IRQ_EN / M_IRQ_CLEAR bits (M_*_EN in geni-se.h).
inline constexpr std::uint32_t m_irq_cmd_done = 1u << 0;         // M_CMD_DONE_EN
inline constexpr std::uint32_t m_irq_cmd_abort = 1u << 5;        // M_CMD_ABORT_EN
inline constexpr std::uint32_t m_irq_tx_fifo_watermark = 1u << 30;  // M_TX_FIFO_WATERMARK_EN

// S_IRQ_STATUS / S_IRQ_EN / S_IRQ_CLEAR bits (S_*_EN in geni-se.h).
inline constexpr std::uint32_t s_irq_rx_fifo_watermark = 1u << 26;  // S_RX_FIFO_WATERMARK_EN
inline constexpr std::uint32_t s_irq_rx_fifo_last = 1u << 27;       // S_RX_FIFO_LAST_EN: end of a burst

// RX_FIFO_STATUS fields: RX_LAST (bit 31) says the last word is partial, and then
// RX_LAST_BYTE_VALID (bits 30:28) says how many of its bytes are valid, 0 meaning 4;
// RX_FIFO_WC (bits 24:0) counts the words in the FIFO.
inline constexpr std::uint32_t rx_fifo_status_last = 1u << 31;
inline constexpr unsigned rx_fifo_status_last_bytes_shift = 28;
inline constexpr std::uint32_t rx_fifo_status_last_bytes_mask = 0x7u << rx_fifo_status_last_bytes_shift;
inline constexpr std::uint32_t rx_fifo_status_word_count_mask = (1u << 25) - 1;

// --- UART registers (qcom_geni_serial.c) ---
inline constexpr std::uintptr_t reg_uart_tx_trans_len = 0x270;  // SE_UART_TX_TRANS_LEN: bytes in the TX command

// Bytes per FIFO word as the firmware and Linux pack them (BYTES_PER_FIFO_WORD), the
// first byte in bits 7:0.
inline constexpr std::size_t bytes_per_fifo_word = 4;

// Bytes per START_TX command: the command's bytes all go into the TX FIFO before it is
// done, and the smallest FIFO Linux assumes (DEF_FIFO_DEPTH_WORDS) is 16 words, so a
// command of 8 words can never overrun it. Longer writes become several commands.
inline constexpr std::size_t max_bytes_per_command = 8 * bytes_per_fifo_word;

// How many register reads a wait may take before giving up. On hardware one read of
// the serial engine takes well over 100 ns, so this is more than 100 ms, against the
// 2.8 ms that 32 bytes need at 115200 baud.
inline constexpr std::uint32_t default_poll_limit = 1'000'000;

enum class TxStatus : std::uint8_t {
    ok,
    busy_timeout,  // a previous command never finished: nothing was started
    done_timeout,  // our command never reported done: aborted, bytes may be lost
};

// One serial engine. Not thread-safe: its user (the console) serialises.
class GeniUart {
public:
    constexpr explicit GeniUart(RegisterWindow& regs, std::uint32_t poll_limit = default_poll_limit)
        : regs_{&regs}, poll_limit_{poll_limit}
    {
    }

    // Sends `length` bytes, in commands of at most max_bytes_per_command. Each command
    // waits for the one before to finish (also one someone else started, such as the
    // boot firmware's), then for its own completion, so that on return the bytes have
    // left the FIFO. Stops at the first failure.
    [[nodiscard]] TxStatus write(const char* text, std::size_t length);
    [[nodiscard]] TxStatus put_char(char c) { return write(&c, 1); }
    // Waits until no transmit command is running.
    [[nodiscard]] TxStatus flush();

    // Starts the receive command (unless one already runs) and turns on the RX FIFO
    // interrupts. Turns off the transmit-side interrupts: transmit is polled, and the
    // engine has one interrupt line for both.
    void enable_rx_interrupt();
    // The next received byte, or -1 when the RX FIFO is empty. Call until -1 from the
    // interrupt handler: each FIFO word is read once and its valid bytes handed out
    // one by one, and the RX interrupt status is cleared before the FIFO is looked at,
    // so a byte that arrives afterwards raises the interrupt again.
    [[nodiscard]] int get_char();

private:
    // Polls `offset` until (value & mask) != 0 equals `set`; false after poll_limit reads.
    [[nodiscard]] bool wait_for(std::uintptr_t offset, std::uint32_t mask, bool set);
    [[nodiscard]] TxStatus send_command(const char* bytes, std::size_t length);

    RegisterWindow* regs_;  // a pointer so that the console's engine can be re-aimed
    std::uint32_t poll_limit_;
    std::uint32_t rx_word_ = 0;     // bytes of the last RX FIFO word not yet handed out
    std::size_t rx_word_bytes_ = 0;  // how many
};

// The same calls as pl011.h, on a GENI UART mapped at `base`, so the console can pick
// either at run time. They drive one engine at a time (the console's): the receive
// state is kept for the base last used. A transmit that times out is dropped, as a
// console has nowhere to report it.
void put_char(std::uintptr_t base, char c);
void flush(std::uintptr_t base);
void enable_rx_interrupt(std::uintptr_t base);
[[nodiscard]] int get_char(std::uintptr_t base);

}  // namespace hyp::platform::geni
