// The GENI debug UART driver against a register model of the serial engine: a
// transmit command (TRANS_LEN, START_TX, the TX FIFO, CMD_DONE) and the RX FIFO with its
// word count and partial last word, as geni-se.h and qcom_geni_serial.c describe them.
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "platform/qcom/geni_uart.h"

using namespace hyp::platform;
using namespace hyp::platform::geni;

namespace {

class GeniModel final : public RegisterWindow {
public:
    // What came out of the transmitter, and every START_TX's length.
    std::string sent;
    std::vector<std::uint32_t> command_lengths;
    // Protocol violations the driver must never commit.
    int started_while_active = 0;
    int words_without_command = 0;
    int words_past_length = 0;
    int aborts = 0;

    // Knobs: reads of STATUS for which someone else's command still runs; reads after
    // the last byte before a command reports done; a transmitter that never finishes.
    int foreign_command_reads = 0;
    int done_latency_reads = 0;
    bool stuck = false;

    std::uint32_t m_irq_status = 0;
    std::uint32_t m_irq_en = 0;
    std::uint32_t s_irq_status = 0;
    std::uint32_t s_irq_en = 0;
    std::uint32_t s_cmd0 = 0;
    bool rx_command_active = false;
    int reads = 0;

    void receive(const std::string& bytes)
    {
        for (char c : bytes) {
            rx.push_back(static_cast<unsigned char>(c));
        }
        s_irq_status |= s_irq_rx_fifo_last;
    }
    [[nodiscard]] std::size_t rx_left() const { return rx.size(); }

    std::uint32_t read32(std::uintptr_t offset) override
    {
        ++reads;
        switch (offset) {
        case reg_status: return status();
        case reg_m_irq_status: tick(); return m_irq_status;
        case reg_m_irq_en: return m_irq_en;
        case reg_s_irq_status: return s_irq_status;
        case reg_s_irq_en: return s_irq_en;
        case reg_rx_fifo_status: return rx_fifo_status();
        case reg_rx_fifo: return pop_rx_word();
        default: FAIL("read of unmodelled register " << offset); return 0;
        }
    }

    void write32(std::uintptr_t offset, std::uint32_t value) override
    {
        switch (offset) {
        case reg_uart_tx_trans_len: trans_len = value; break;
        case reg_m_cmd0: start(value); break;
        case reg_tx_fifo: push_tx_word(value); break;
        case reg_m_irq_clear: m_irq_status &= ~value; break;
        case reg_m_irq_en: m_irq_en = value; break;
        case reg_m_cmd_ctrl:
            if ((value & m_cmd_ctrl_abort) != 0) {
                ++aborts;
                command_active = false;
                m_irq_status |= m_irq_cmd_abort;
            }
            break;
        case reg_s_cmd0:
            s_cmd0 = value;
            rx_command_active = true;
            break;
        case reg_s_irq_clear: s_irq_status &= ~value; break;
        case reg_s_irq_en: s_irq_en = value; break;
        default: FAIL("write of unmodelled register " << offset);
        }
    }

private:
    bool command_active = false;
    std::uint32_t trans_len = 0;
    std::uint32_t bytes_taken = 0;
    int latency_left = 0;
    std::deque<unsigned char> rx;

    // Time passes as the driver polls: a command whose bytes are all in finishes.
    void tick()
    {
        if (command_active && !stuck && bytes_taken == trans_len) {
            if (latency_left > 0) {
                --latency_left;
            } else {
                command_active = false;
                m_irq_status |= m_irq_cmd_done;
            }
        }
    }

    std::uint32_t status()
    {
        tick();
        std::uint32_t value = rx_command_active ? status_s_cmd_active : 0;
        if (foreign_command_reads > 0) {
            --foreign_command_reads;
            return value | status_m_cmd_active;
        }
        return value | (command_active ? status_m_cmd_active : 0);
    }

    void start(std::uint32_t value)
    {
        REQUIRE(value == (m_opcode_uart_start_tx << cmd_opcode_shift));
        if (command_active || foreign_command_reads > 0) {
            ++started_while_active;
        }
        command_active = true;
        bytes_taken = 0;
        latency_left = done_latency_reads;
        command_lengths.push_back(trans_len);
    }

    void push_tx_word(std::uint32_t word)
    {
        if (!command_active) {
            ++words_without_command;
            return;
        }
        if (bytes_taken >= trans_len) {
            ++words_past_length;
            return;
        }
        for (std::size_t b = 0; b < bytes_per_fifo_word && bytes_taken < trans_len; ++b, ++bytes_taken) {
            sent.push_back(static_cast<char>((word >> (8 * b)) & 0xff));
        }
    }

    std::uint32_t rx_fifo_status() const
    {
        std::uint32_t words = static_cast<std::uint32_t>((rx.size() + 3) / 4);
        std::uint32_t value = words;
        if (rx.size() % 4 != 0) {
            value |= rx_fifo_status_last | (static_cast<std::uint32_t>(rx.size() % 4) << rx_fifo_status_last_bytes_shift);
        }
        return value;
    }

    std::uint32_t pop_rx_word()
    {
        std::uint32_t word = 0;
        for (std::size_t b = 0; b < bytes_per_fifo_word && !rx.empty(); ++b) {
            word |= static_cast<std::uint32_t>(rx.front()) << (8 * b);
            rx.pop_front();
        }
        return word;
    }
};

std::string drain(GeniUart& uart)
{
    std::string out;
    for (int c = uart.get_char(); c >= 0; c = uart.get_char()) {
        out.push_back(static_cast<char>(c));
    }
    return out;
}

const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!\n";

}  // namespace

TEST_CASE("GENI: every length from 1 to 70 bytes comes out in order, partial last words included", "[geni]")
{
    for (std::size_t n = 1; n <= 70; ++n) {
        GeniModel model;
        GeniUart uart{model, 1000};
        std::string text;
        for (std::size_t i = 0; i < n; ++i) {
            text.push_back(alphabet[(i * 7) % alphabet.size()]);  // no two neighbours alike
        }
        CHECK(uart.write(text.data(), text.size()) == TxStatus::ok);
        CHECK(model.sent == text);
        CHECK(model.started_while_active == 0);
        CHECK(model.words_without_command == 0);
        CHECK(model.words_past_length == 0);
        CHECK((model.m_irq_status & m_irq_cmd_done) == 0);  // cleared after each command
    }
}

TEST_CASE("GENI: a long write is split into commands that fit the FIFO", "[geni]")
{
    GeniModel model;
    GeniUart uart{model, 1000};
    std::string text(100, 'x');
    CHECK(uart.write(text.data(), text.size()) == TxStatus::ok);
    CHECK(model.sent == text);
    CHECK(model.command_lengths == std::vector<std::uint32_t>{32, 32, 32, 4});
}

TEST_CASE("GENI: put_char sends one byte per command and bytes of later calls follow", "[geni]")
{
    GeniModel model;
    model.done_latency_reads = 5;
    GeniUart uart{model, 1000};
    for (char c : std::string{"hi\r\n"}) {
        CHECK(uart.put_char(c) == TxStatus::ok);
    }
    CHECK(model.sent == "hi\r\n");
    CHECK(model.command_lengths == std::vector<std::uint32_t>{1, 1, 1, 1});
    CHECK(model.started_while_active == 0);
}

TEST_CASE("GENI: a command already running is waited for before ours starts", "[geni]")
{
    GeniModel model;
    model.foreign_command_reads = 50;  // the firmware's last line still going out
    GeniUart uart{model, 1000};
    CHECK(uart.write("ok", 2) == TxStatus::ok);
    CHECK(model.sent == "ok");
    CHECK(model.started_while_active == 0);
    CHECK(model.foreign_command_reads == 0);
}

TEST_CASE("GENI: an engine that stays busy makes the write give up without starting", "[geni]")
{
    GeniModel model;
    model.foreign_command_reads = 1'000'000;
    GeniUart uart{model, 100};
    CHECK(uart.write("lost", 4) == TxStatus::busy_timeout);
    CHECK(model.command_lengths.empty());
    CHECK(model.sent.empty());
    CHECK(model.reads <= 101);  // bounded: the poll limit, not forever
    CHECK(uart.flush() == TxStatus::busy_timeout);
}

TEST_CASE("GENI: a command that never completes is aborted and reported, and the next one still runs", "[geni]")
{
    GeniModel model;
    model.stuck = true;
    GeniUart uart{model, 100};
    CHECK(uart.write("abcdef", 6) == TxStatus::done_timeout);
    CHECK(model.aborts == 1);
    CHECK(model.m_irq_status == 0);  // done and abort both cleared
    CHECK(model.reads < 400);

    model.stuck = false;
    CHECK(uart.write("gh", 2) == TxStatus::ok);
    CHECK(model.sent == "abcdefgh");
    CHECK(model.started_while_active == 0);
}

TEST_CASE("GENI: a done bit left over from before does not end the wait for ours", "[geni]")
{
    GeniModel model;
    model.m_irq_status = m_irq_cmd_done;
    model.done_latency_reads = 10;
    GeniUart uart{model, 1000};
    CHECK(uart.write("abc", 3) == TxStatus::ok);
    CHECK(uart.write("def", 3) == TxStatus::ok);
    CHECK(model.sent == "abcdef");
    CHECK(model.started_while_active == 0);
}

TEST_CASE("GENI: enabling receive starts the read command and its FIFO interrupts only", "[geni]")
{
    GeniModel model;
    model.m_irq_en = m_irq_cmd_done | m_irq_tx_fifo_watermark | (1u << 3);
    model.s_irq_status = s_irq_rx_fifo_last;  // stale
    GeniUart uart{model, 1000};
    uart.enable_rx_interrupt();
    CHECK(model.s_cmd0 == (s_opcode_uart_start_read << cmd_opcode_shift));
    CHECK(model.s_irq_en == (s_irq_rx_fifo_watermark | s_irq_rx_fifo_last));
    CHECK(model.m_irq_en == (1u << 3));  // polled transmit raises no interrupt
    CHECK(model.s_irq_status == 0);
}

TEST_CASE("GENI: a read already running is left alone", "[geni]")
{
    GeniModel model;
    model.rx_command_active = true;
    GeniUart uart{model, 1000};
    uart.enable_rx_interrupt();
    CHECK(model.s_cmd0 == 0);
}

TEST_CASE("GENI: receive drains whole words and exactly the valid bytes of a partial last word", "[geni]")
{
    for (std::size_t n = 0; n <= 13; ++n) {
        GeniModel model;
        GeniUart uart{model, 1000};
        uart.enable_rx_interrupt();
        std::string input = alphabet.substr(0, n);
        model.receive(input);
        CHECK(drain(uart) == input);
        CHECK(model.rx_left() == 0);
        CHECK(model.s_irq_status == 0);  // the interrupt is acknowledged
    }
}

TEST_CASE("GENI: bytes that arrive between two drains are read in order", "[geni]")
{
    GeniModel model;
    GeniUart uart{model, 1000};
    uart.enable_rx_interrupt();
    model.receive("hello");
    CHECK(uart.get_char() == 'h');
    CHECK(uart.get_char() == 'e');
    model.receive(" world");  // lands while the handler holds part of a word
    CHECK(drain(uart) == "llo world");
    CHECK(uart.get_char() == -1);
    CHECK(model.s_irq_status == 0);
}

TEST_CASE("GENI: an empty FIFO reads as -1 and clears a spurious interrupt", "[geni]")
{
    GeniModel model;
    model.s_irq_status = s_irq_rx_fifo_watermark | (1u << 25);  // and an overrun error
    GeniUart uart{model, 1000};
    CHECK(uart.get_char() == -1);
    CHECK(model.s_irq_status == 0);
}

TEST_CASE("GENI: a last-byte count of zero means the whole word is valid", "[geni]")
{
    // RX_LAST set with RX_LAST_BYTE_VALID 0: Linux treats it as a full word.
    class Quirk final : public RegisterWindow {
    public:
        int words = 1;
        std::uint32_t read32(std::uintptr_t offset) override
        {
            if (offset == reg_rx_fifo_status) {
                return words == 0 ? 0 : (rx_fifo_status_last | 1u);
            }
            if (offset == reg_rx_fifo) {
                --words;
                return 0x64636261;  // "abcd"
            }
            return 0;
        }
        void write32(std::uintptr_t, std::uint32_t) override {}
    } quirk;
    GeniUart uart{quirk, 10};
    CHECK(drain(uart) == "abcd");
}
