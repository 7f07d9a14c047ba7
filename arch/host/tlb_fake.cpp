// The host's stage-2 TLB "maintenance": a record of the calls (see arch/host/include/arch/tlb.h).
#include <arch/tlb.h>

#include <cstdlib>

namespace hyp::arch {

namespace {

struct Record {
    tlb_fake::Call calls[tlb_fake::capacity];
    std::size_t count = 0;
    std::size_t by_kind[3] = {};
    tlb_fake::Observer observer = nullptr;
    void* context = nullptr;
};

Record& record()
{
    static Record instance;
    return instance;
}

void note(tlb_fake::Call call)
{
    Record& r = record();
    if (r.count < tlb_fake::capacity) {
        r.calls[r.count] = call;
    }
    ++r.count;
    ++r.by_kind[static_cast<unsigned>(call.kind)];
    if (r.observer != nullptr) {
        r.observer(call, r.context);
    }
}

}  // namespace

void tlb_invalidate_ipa(TlbVm vm, Ipa ipa, unsigned level)
{
    note({tlb_fake::Kind::ipa, vm.vmid(), ipa, level});
}

void tlb_invalidate_vmid(TlbVm vm) { note({tlb_fake::Kind::vmid, vm.vmid(), Ipa{}, tlb_level_unknown}); }

void tlb_publish_tables() { note({tlb_fake::Kind::publish, 0, Ipa{}, tlb_level_unknown}); }

namespace tlb_fake {

void reset()
{
    Record& r = record();
    r.count = 0;
    for (std::size_t& n : r.by_kind) {
        n = 0;
    }
}

std::size_t count() { return record().count; }

std::size_t count(Kind kind) { return record().by_kind[static_cast<unsigned>(kind)]; }

const Call& at(std::size_t index)
{
    if (index >= capacity || index >= record().count) {
        std::abort();  // a test asked for a call that was not kept
    }
    return record().calls[index];
}

void set_observer(Observer observer, void* context)
{
    record().observer = observer;
    record().context = context;
}

}  // namespace tlb_fake
}  // namespace hyp::arch
