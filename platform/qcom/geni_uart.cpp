// GENI debug UART: polled transmit, interrupt-driven receive (see geni_uart.h).
#include "platform/qcom/geni_uart.h"

namespace hyp::platform::geni {

bool GeniUart::wait_for(std::uintptr_t offset, std::uint32_t mask, bool set)
{
    for (std::uint32_t i = 0; i < poll_limit_; ++i) {
        if (((regs_->read32(offset) & mask) != 0) == set) {
            return true;
        }
    }
    return false;
}

TxStatus GeniUart::send_command(const char* bytes, std::size_t length)
{
    // One command at a time: a second START_TX while the first runs is an illegal command.
    if (!wait_for(reg_status, status_m_cmd_active, false)) {
        return TxStatus::busy_timeout;
    }
    // A done bit left over from an earlier command would end our wait at once.
    regs_->write32(reg_m_irq_clear, m_irq_cmd_done);
    regs_->write32(reg_uart_tx_trans_len, static_cast<std::uint32_t>(length));
    regs_->write32(reg_m_cmd0, m_opcode_uart_start_tx << cmd_opcode_shift);
    for (std::size_t i = 0; i < length; i += bytes_per_fifo_word) {
        std::uint32_t word = 0;
        for (std::size_t b = 0; b < bytes_per_fifo_word && i + b < length; ++b) {
            word |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
        }
        regs_->write32(reg_tx_fifo, word);
    }
    if (!wait_for(reg_m_irq_status, m_irq_cmd_done, true)) {
        // As Linux does: abort the command so the next one can start, and clear both bits.
        regs_->write32(reg_m_cmd_ctrl, m_cmd_ctrl_abort);
        (void)wait_for(reg_m_irq_status, m_irq_cmd_abort, true);
        regs_->write32(reg_m_irq_clear, m_irq_cmd_done | m_irq_cmd_abort);
        return TxStatus::done_timeout;
    }
    regs_->write32(reg_m_irq_clear, m_irq_cmd_done);
    return TxStatus::ok;
}

TxStatus GeniUart::write(const char* text, std::size_t length)
{
    while (length > 0) {
        std::size_t chunk = length < max_bytes_per_command ? length : max_bytes_per_command;
        TxStatus status = send_command(text, chunk);
        if (status != TxStatus::ok) {
            return status;
        }
        text += chunk;
        length -= chunk;
    }
    return TxStatus::ok;
}

TxStatus GeniUart::flush()
{
    return wait_for(reg_status, status_m_cmd_active, false) ? TxStatus::ok : TxStatus::busy_timeout;
}

void GeniUart::enable_rx_interrupt()
{
    regs_->write32(reg_m_irq_en, regs_->read32(reg_m_irq_en) & ~(m_irq_cmd_done | m_irq_tx_fifo_watermark));
    // The firmware (or an earlier owner) may have left a read running; on a UART engine
    // the only secondary command is START_READ, so a running one is the one we want.
    if ((regs_->read32(reg_status) & status_s_cmd_active) == 0) {
        regs_->write32(reg_s_cmd0, s_opcode_uart_start_read << cmd_opcode_shift);
    }
    regs_->write32(reg_s_irq_clear, s_irq_rx_fifo_watermark | s_irq_rx_fifo_last);
    regs_->write32(reg_s_irq_en, regs_->read32(reg_s_irq_en) | s_irq_rx_fifo_watermark | s_irq_rx_fifo_last);
}

int GeniUart::get_char()
{
    if (rx_word_bytes_ == 0) {
        // Clear first, then look: a word that lands after the look sets the status again.
        // Everything latched is cleared, errors included, so that nothing keeps the line up.
        regs_->write32(reg_s_irq_clear, regs_->read32(reg_s_irq_status));
        std::uint32_t status = regs_->read32(reg_rx_fifo_status);
        std::uint32_t words = status & rx_fifo_status_word_count_mask;
        if (words == 0) {
            return -1;
        }
        std::size_t valid = bytes_per_fifo_word;
        if (words == 1 && (status & rx_fifo_status_last) != 0) {
            std::uint32_t last = (status & rx_fifo_status_last_bytes_mask) >> rx_fifo_status_last_bytes_shift;
            if (last != 0 && last < bytes_per_fifo_word) {
                valid = last;
            }
        }
        rx_word_ = regs_->read32(reg_rx_fifo);
        rx_word_bytes_ = valid;
    }
    int c = static_cast<int>(rx_word_ & 0xff);
    rx_word_ >>= 8;
    --rx_word_bytes_;
    return c;
}

namespace {

constinit MmioWindow console_window{0};
constinit GeniUart console_uart{console_window};

// The console's engine, aimed at `base`; receive state starts afresh on a new base.
GeniUart& console_engine(std::uintptr_t base)
{
    if (console_window.base() != base) {
        console_window = MmioWindow{base};
        console_uart = GeniUart{console_window};
    }
    return console_uart;
}

}  // namespace

void put_char(std::uintptr_t base, char c) { (void)console_engine(base).put_char(c); }

void flush(std::uintptr_t base) { (void)console_engine(base).flush(); }

void enable_rx_interrupt(std::uintptr_t base) { console_engine(base).enable_rx_interrupt(); }

int get_char(std::uintptr_t base) { return console_engine(base).get_char(); }

}  // namespace hyp::platform::geni
