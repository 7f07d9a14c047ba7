// Doorbells (partition_create_doorbell): a 64-bit flag word that one VM ORs bits into
// (doorbell_send) and another clears (doorbell_receive), with a virtual interrupt bound
// to the receiver's vic. Gunyah's semantics (hyp/ipc/doorbell):
//  - send ORs new_flags in; when (flags & enable_mask) != 0 afterwards the bound SPI is
//    raised, and then the ack_mask bits are cleared ("auto-acknowledged": the receiver
//    sees them only through the interrupt, never in its flag word);
//  - mask replaces both masks; if that makes (flags & enable_mask) non-zero where it was
//    zero the SPI is raised, and whenever it is non-zero the ack_mask bits are cleared;
//  - reset: flags 0, enable_mask all ones, ack_mask 0 (the state a new doorbell has).
// The interrupt is an edge SPI (VirqSource in kernel/object/vic.h): every send that finds
// an enabled flag raises it once more. A raise cannot be taken back: reset and a mask that
// disables every set flag leave a raised SPI pending (Gunyah withdraws it); the receiver
// then finds nothing to do in its flag word.
//
//   create -> init -> activate (nothing to configure) -> active: everything else
//
// LOCKING: `lock` guards the flags, the masks and the source; it is taken before the
// vic's lock (bind, unbind) and the vGIC's (raise): vic.h.
#pragma once

#include <cstdint>

#include "support/result.h"
#include "kernel/core/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/object/vic.h"

namespace hyp {

class Doorbell final : public Object {
public:
    static constexpr ObjectType object_type = ObjectType::doorbell;
    static constexpr std::uint64_t default_enable_mask = ~std::uint64_t{0};
    static constexpr std::uint64_t default_ack_mask = 0;

    explicit Doorbell(ObjectDestroyer destroyer);
    // Unbinds its interrupt (the vic's reference goes).
    ~Doorbell();

    // init -> active; object_state otherwise.
    [[nodiscard]] Status activate();

    // Everything below: object_state unless active, and then nothing changes.
    // doorbell_bind_virq: Vic::bind_source's errors.
    [[nodiscard]] Status bind(Vic& vic, std::uint64_t virq);
    // doorbell_unbind_virq: irq_unbound when not bound.
    [[nodiscard]] Status unbind();
    // The flag word before the call. arg_inval for new_flags / clear_flags 0 (Gunyah).
    [[nodiscard]] Result<std::uint64_t> send(std::uint64_t new_flags);
    [[nodiscard]] Result<std::uint64_t> receive(std::uint64_t clear_flags);
    [[nodiscard]] Status reset();
    [[nodiscard]] Status mask(std::uint64_t enable_mask, std::uint64_t ack_mask);

    // A snapshot, for tests and diagnostics.
    struct View {
        std::uint64_t flags;
        std::uint64_t enable_mask;
        std::uint64_t ack_mask;
        bool bound;
        std::uint32_t virq;
        std::uint64_t raised;
        bool operator==(const View&) const = default;
    };
    [[nodiscard]] View view() const;

    mutable SpinLock lock;

private:
    VirqSource source_;
    std::uint64_t flags_ = 0;
    std::uint64_t enable_mask_ = default_enable_mask;
    std::uint64_t ack_mask_ = default_ack_mask;
};

}  // namespace hyp
