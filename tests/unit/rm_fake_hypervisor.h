// A fake hypervisor for the resource manager's host tests: it records every call the RM
// makes through rm/vm/hypervisor.h with its arguments, answers ok with fresh cap ids
// unless a test scripts errors, and keeps just enough state to be the RM's Memory: the
// extents' physical ranges, what is mapped in the RM's own address space, and banks of
// host memory standing for physical RAM. Memory::at() answers only for ranges the RM has
// mapped at that moment, so a test sees the RM touch nothing it has not mapped.
// Message queues are mailboxes: msgqueue_send appends to sent[queue], msgqueue_receive
// takes from inbox[queue] (msgqueue_empty when there is nothing); doorbells keep their
// flag words.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "hyp_api/gunyah_memory.h"
#include "rm/vm/hypervisor.h"

namespace hyp::test {

class FakeHypervisor final : public rm::Hypervisor, public rm::Memory {
public:
    using CapId = rm::CapId;

    struct Call {
        std::string name;
        std::vector<std::uint64_t> args;
        Error result;
    };

    explicit FakeHypervisor(CapId rm_addrspace) : rm_addrspace_{rm_addrspace} {}

    // Host memory standing for physical RAM [base, base + size), zero-filled.
    void add_ram(std::uint64_t base, std::uint64_t size) { banks_[base] = std::vector<std::byte>(size); }
    // An extent the RM was given (a boot module's), active over [phys, phys + size).
    void add_extent(CapId cap, std::uint64_t phys, std::uint64_t size) { extents_[cap] = Extent{phys, size}; }
    // Physical memory, whether or not the RM has it mapped; null outside the banks.
    std::byte* phys(std::uint64_t base, std::uint64_t size)
    {
        for (auto& [bank_base, bytes] : banks_) {
            if (base >= bank_base && base - bank_base <= bytes.size() && size <= bytes.size() - (base - bank_base)) {
                return bytes.data() + (base - bank_base);
            }
        }
        return nullptr;
    }

    // The next calls named `name` answer these errors, in order, then ok again.
    void fail_next(const std::string& name, std::initializer_list<Error> errors)
    {
        for (Error e : errors) {
            scripted_[name].push_back(e);
        }
    }

    std::vector<std::string> names() const
    {
        std::vector<std::string> out;
        for (const Call& c : calls) {
            out.push_back(c.name);
        }
        return out;
    }
    std::vector<Call> all(const std::string& name) const
    {
        std::vector<Call> out;
        for (const Call& c : calls) {
            if (c.name == name) {
                out.push_back(c);
            }
        }
        return out;
    }
    std::size_t rm_mapping_count() const { return rm_mappings_.size(); }

    std::vector<Call> calls;
    rm::RunState run_check_answer{Error::ok, 0, {0, 0, 0}};
    std::map<CapId, rm::RunState> run_check_answers;  // per vCPU, before run_check_answer
    // Every cap the RM made (partition_create_*, cspace_copy_cap_from) and not yet
    // deleted, with the cspace it is in: objects die with their last cap.
    std::map<CapId, CapId> live_caps;
    // Mappings into address spaces other than the RM's.
    struct GuestMapping {
        CapId addrspace;
        CapId extent;
        std::uint64_t vbase;
        std::uint64_t offset;
        std::uint64_t size;
    };
    std::vector<GuestMapping> guest_mappings;
    // Ranges a child extent donated to its parent and has not had back (memextent_donate).
    struct Donated {
        CapId child;
        CapId parent;
        std::uint64_t offset;
        std::uint64_t size;
        bool operator==(const Donated&) const = default;
    };
    std::vector<Donated> donated_to_parent;
    // The RM's partition cap: a root extent's parent in memextent_donate.
    CapId partition_cap = rm::cap_invalid;
    // Message-queue traffic: what the RM sent on each queue, what it will receive.
    std::map<CapId, std::deque<std::vector<std::uint8_t>>> sent;
    std::map<CapId, std::deque<std::vector<std::uint8_t>>> inbox;
    std::map<CapId, std::uint64_t> doorbell_flags;

    // ---- rm::Hypervisor
    rm::CapResult partition_create(rm::ObjectKind kind, CapId partition, CapId dest_cspace) override
    {
        Error e = record(rm::create_call_name(kind), {partition, dest_cspace});
        if (e != Error::ok) {
            return {e, rm::cap_invalid};
        }
        const CapId cap = next_cap_++;
        calls.back().args.push_back(cap);  // the new cap, for the tests
        live_caps[cap] = dest_cspace;
        if (kind == rm::ObjectKind::cspace) {
            cspaces_.push_back(cap);
        }
        if (kind == rm::ObjectKind::memextent) {
            extents_[cap] = Extent{};
        }
        return {Error::ok, cap};
    }
    Error object_activate(CapId object) override { return record("object_activate", {object}); }
    Error cspace_delete_cap_from(CapId cspace, CapId cap) override
    {
        Error e = record("cspace_delete_cap_from", {cspace, cap});
        if (e != Error::ok) {
            return e;
        }
        auto live = live_caps.find(cap);
        if (live == live_caps.end() || live->second != cspace) {
            return calls.back().result = Error::cspace_cap_null;  // no such cap in that cspace
        }
        live_caps.erase(live);
        extents_.erase(cap);
        // A cspace dies with its last cap (the RM holds one), and the caps in it with it.
        if (std::find(cspaces_.begin(), cspaces_.end(), cap) != cspaces_.end()) {
            for (auto it = live_caps.begin(); it != live_caps.end();) {
                it = it->second == cap ? live_caps.erase(it) : std::next(it);
            }
        }
        for (auto it = guest_mappings.begin(); it != guest_mappings.end();) {
            it = it->addrspace == cap ? guest_mappings.erase(it) : std::next(it);
        }
        for (auto it = guest_mappings.begin(); it != guest_mappings.end();) {
            it = it->extent == cap ? guest_mappings.erase(it) : std::next(it);
        }
        return Error::ok;
    }
    Error cspace_configure(CapId cspace, std::uint32_t max_caps) override
    {
        return record("cspace_configure", {cspace, max_caps});
    }
    Error cspace_attach_thread(CapId cspace, CapId thread) override
    {
        return record("cspace_attach_thread", {cspace, thread});
    }
    Error addrspace_configure(CapId addrspace, std::uint32_t vmid) override
    {
        return record("addrspace_configure", {addrspace, vmid});
    }
    Error addrspace_attach_thread(CapId addrspace, CapId thread) override
    {
        return record("addrspace_attach_thread", {addrspace, thread});
    }
    Error addrspace_map(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_attrs,
                        std::uint32_t map_flags, std::uint64_t offset, std::uint64_t size) override
    {
        Error e = record("addrspace_map", {addrspace, memextent, vbase, map_attrs, map_flags, offset, size});
        if (e != Error::ok) {
            return e;
        }
        auto extent = extents_.find(memextent);
        const bool partial = map_flags == GUNYAH_ADDRSPACE_MAP_PARTIAL;
        if (extent == extents_.end() || extent->second.size == 0 || (map_flags != 0 && !partial) ||
            (partial && (size == 0 || offset + size > extent->second.size))) {
            return calls.back().result = Error::arg_inval;  // configured extents, parts inside them
        }
        if (addrspace == rm_addrspace_) {
            rm_mappings_.push_back(Mapping{memextent, vbase, partial ? offset : 0, partial ? size : extent->second.size});
        } else {
            guest_mappings.push_back(GuestMapping{addrspace, memextent, vbase, partial ? offset : 0,
                                                  partial ? size : extent->second.size});
        }
        return Error::ok;
    }
    Error addrspace_unmap(CapId addrspace, CapId memextent, std::uint64_t vbase, std::uint32_t map_flags,
                          std::uint64_t offset, std::uint64_t size) override
    {
        Error e = record("addrspace_unmap", {addrspace, memextent, vbase, map_flags, offset, size});
        if (e != Error::ok) {
            return e;
        }
        if (addrspace != rm_addrspace_) {
            for (auto it = guest_mappings.begin(); it != guest_mappings.end(); ++it) {
                if (it->addrspace == addrspace && it->extent == memextent && it->vbase == vbase &&
                    (map_flags == 0 || (it->offset == offset && it->size == size))) {
                    guest_mappings.erase(it);
                    return Error::ok;
                }
            }
            if (map_flags == GUNYAH_ADDRSPACE_MAP_PARTIAL) {
                return Error::ok;  // a partial unmap of a whole mapping: the tests read the log
            }
            return calls.back().result = Error::addr_inval;
        }
        for (auto it = rm_mappings_.begin(); it != rm_mappings_.end(); ++it) {
            if (it->extent == memextent && it->vbase == vbase &&
                (map_flags == 0 || (it->offset == offset && it->size == size))) {
                rm_mappings_.erase(it);
                return Error::ok;
            }
        }
        return calls.back().result = Error::addr_inval;
    }
    Error memextent_configure(CapId memextent, std::uint64_t phys_base, std::uint64_t size,
                              std::uint32_t attrs) override
    {
        Error e = record("memextent_configure", {memextent, phys_base, size, attrs});
        if (e == Error::ok) {
            extents_[memextent] = Extent{phys_base, size};
        }
        return e;
    }
    Error memextent_modify(CapId memextent, std::uint32_t flags, std::uint64_t offset, std::uint64_t size) override
    {
        return record("memextent_modify", {memextent, flags, offset, size});
    }
    Error vcpu_configure(CapId vcpu, std::uint64_t options) override
    {
        return record("vcpu_configure", {vcpu, options});
    }
    Error vcpu_set_affinity(CapId vcpu, std::uint32_t cpu_index) override
    {
        return record("vcpu_set_affinity", {vcpu, cpu_index});
    }
    Error vcpu_poweron(CapId vcpu, std::uint64_t entry, std::uint64_t context, std::uint64_t flags) override
    {
        return record("vcpu_poweron", {vcpu, entry, context, flags});
    }
    Error vpm_group_attach_vcpu(CapId vpm_group, CapId vcpu, std::uint32_t index) override
    {
        return record("vpm_group_attach_vcpu", {vpm_group, vcpu, index});
    }
    Error vic_configure(CapId vic, std::uint32_t max_vcpus, std::uint32_t max_virqs, std::uint64_t options,
                        std::uint32_t max_msis) override
    {
        return record("vic_configure", {vic, max_vcpus, max_virqs, options, max_msis});
    }
    Error vic_attach_vcpu(CapId vic, CapId vcpu, std::uint32_t index) override
    {
        return record("vic_attach_vcpu", {vic, vcpu, index});
    }
    rm::RunState vcpu_run_check(CapId vcpu) override
    {
        (void)record("vcpu_run_check", {vcpu});
        auto it = run_check_answers.find(vcpu);
        return it != run_check_answers.end() ? it->second : run_check_answer;
    }
    Error memextent_configure_derive(CapId memextent, CapId parent, std::uint64_t offset, std::uint64_t size,
                                     std::uint32_t attrs) override
    {
        Error e = record("memextent_configure_derive", {memextent, parent, offset, size, attrs});
        if (e != Error::ok) {
            return e;
        }
        auto p = extents_.find(parent);
        if (p == extents_.end() || offset + size > p->second.size) {
            return calls.back().result = Error::addr_inval;
        }
        extents_[memextent] = Extent{p->second.phys + offset, size};
        return Error::ok;
    }
    // TO_PARENT records the range as out of the child's family (its mappings stop showing
    // it); TO_CHILD gives back exactly such a range (memdb_not_owner for any other).
    Error memextent_donate(std::uint32_t options, CapId from, CapId to, std::uint64_t offset,
                           std::uint64_t size) override
    {
        Error e = record("memextent_donate", {options, from, to, offset, size});
        if (e != Error::ok) {
            return e;
        }
        const bool to_parent = options == GUNYAH_DONATE_TO_PARENT;
        if (!to_parent && options != GUNYAH_DONATE_TO_CHILD) {
            return calls.back().result = Error::arg_inval;
        }
        const CapId child = to_parent ? from : to;
        const CapId parent = to_parent ? to : from;
        auto c = extents_.find(child);
        const bool parent_known = extents_.find(parent) != extents_.end() ||
                                  (partition_cap != rm::cap_invalid && parent == partition_cap);
        if (c == extents_.end() || !parent_known || size == 0 ||
            offset + size > c->second.size) {
            return calls.back().result = Error::arg_inval;
        }
        const Donated d{child, parent, offset, size};
        auto held = std::find(donated_to_parent.begin(), donated_to_parent.end(), d);
        if (to_parent) {
            for (const Donated& other : donated_to_parent) {
                if (other.child == child && offset < other.offset + other.size && other.offset < offset + size) {
                    return calls.back().result = Error::memdb_not_owner;  // the child no longer holds it
                }
            }
            donated_to_parent.push_back(d);
        } else if (held == donated_to_parent.end()) {
            return calls.back().result = Error::memdb_not_owner;
        } else {
            donated_to_parent.erase(held);
        }
        return Error::ok;
    }
    Error hwirq_bind_virq(CapId hwirq, CapId vic, std::uint32_t virq) override
    {
        return record("hwirq_bind_virq", {hwirq, vic, virq});
    }
    Error vpm_group_bind_virq(CapId vpm_group, CapId vic, std::uint32_t virq) override
    {
        return record("vpm_group_bind_virq", {vpm_group, vic, virq});
    }
    Error vpm_group_unbind_virq(CapId vpm_group) override { return record("vpm_group_unbind_virq", {vpm_group}); }
    Error vcpu_bind_virq(CapId vcpu, CapId vic, std::uint32_t virq, std::uint32_t virq_type) override
    {
        return record("vcpu_bind_virq", {vcpu, vic, virq, virq_type});
    }
    Error vcpu_unbind_virq(CapId vcpu, std::uint32_t virq_type) override
    {
        return record("vcpu_unbind_virq", {vcpu, virq_type});
    }
    Error vcpu_kill(CapId vcpu) override { return record("vcpu_kill", {vcpu}); }
    Error addrspace_configure_vmmio(CapId addrspace, std::uint64_t base, std::uint64_t size,
                                    std::uint32_t op) override
    {
        return record("addrspace_configure_vmmio", {addrspace, base, size, op});
    }
    Error vcpu_register_write(CapId vcpu, std::uint32_t register_set, std::uint32_t index,
                              std::uint64_t value) override
    {
        return record("vcpu_register_write", {vcpu, register_set, index, value});
    }

    rm::CapResult cspace_copy_cap_from(CapId src_cspace, CapId src_cap, CapId dest_cspace,
                                       std::uint32_t rights_mask) override
    {
        Error e = record("cspace_copy_cap_from", {src_cspace, src_cap, dest_cspace, rights_mask});
        if (e != Error::ok) {
            return {e, rm::cap_invalid};
        }
        const CapId cap = next_cap_++;
        calls.back().args.push_back(cap);  // the copy, for the tests
        live_caps[cap] = dest_cspace;
        return {Error::ok, cap};
    }
    Error msgqueue_configure(CapId msgqueue, std::uint32_t create_info) override
    {
        return record("msgqueue_configure", {msgqueue, create_info});
    }
    Error msgqueue_configure_send(CapId msgqueue, std::uint32_t not_full_threshold, std::uint64_t holdoff) override
    {
        return record("msgqueue_configure_send", {msgqueue, not_full_threshold, holdoff});
    }
    Error msgqueue_configure_receive(CapId msgqueue, std::uint32_t not_empty_threshold,
                                     std::uint64_t holdoff) override
    {
        return record("msgqueue_configure_receive", {msgqueue, not_empty_threshold, holdoff});
    }
    rm::MsgqSendResult msgqueue_send(CapId msgqueue, std::size_t size, const void* buffer,
                                     std::uint64_t flags) override
    {
        Error e = record("msgqueue_send", {msgqueue, size, flags});
        if (e != Error::ok) {
            return {e, false};
        }
        const auto* bytes = static_cast<const std::uint8_t*>(buffer);
        sent[msgqueue].emplace_back(bytes, bytes + size);
        return {Error::ok, true};
    }
    rm::MsgqReceiveResult msgqueue_receive(CapId msgqueue, void* buffer, std::size_t buffer_size) override
    {
        Error e = record("msgqueue_receive", {msgqueue, buffer_size});
        auto& queue = inbox[msgqueue];
        if (e == Error::ok && queue.empty()) {
            e = calls.back().result = Error::msgqueue_empty;
        }
        if (e != Error::ok) {
            return {e, 0, !queue.empty()};
        }
        const std::vector<std::uint8_t> message = std::move(queue.front());
        queue.pop_front();
        if (message.size() > buffer_size) {
            return {calls.back().result = Error::arg_size, 0, !queue.empty()};  // too large for the buffer
        }
        std::copy(message.begin(), message.end(), static_cast<std::uint8_t*>(buffer));
        return {Error::ok, message.size(), !queue.empty()};
    }
    Error msgqueue_flush(CapId msgqueue) override
    {
        Error e = record("msgqueue_flush", {msgqueue});
        if (e == Error::ok) {
            inbox[msgqueue].clear();
        }
        return e;
    }
    Error msgqueue_bind_send_virq(CapId msgqueue, CapId vic, std::uint32_t virq) override
    {
        return record("msgqueue_bind_send_virq", {msgqueue, vic, virq});
    }
    Error msgqueue_bind_receive_virq(CapId msgqueue, CapId vic, std::uint32_t virq) override
    {
        return record("msgqueue_bind_receive_virq", {msgqueue, vic, virq});
    }
    Error msgqueue_unbind_send_virq(CapId msgqueue) override
    {
        return record("msgqueue_unbind_send_virq", {msgqueue});
    }
    Error msgqueue_unbind_receive_virq(CapId msgqueue) override
    {
        return record("msgqueue_unbind_receive_virq", {msgqueue});
    }
    rm::DoorbellResult doorbell_send(CapId doorbell, std::uint64_t new_flags) override
    {
        Error e = record("doorbell_send", {doorbell, new_flags});
        std::uint64_t& flags = doorbell_flags[doorbell];
        const std::uint64_t old = flags;
        if (e == Error::ok) {
            flags |= new_flags;
        }
        return {e, old};
    }
    rm::DoorbellResult doorbell_receive(CapId doorbell, std::uint64_t clear_flags) override
    {
        Error e = record("doorbell_receive", {doorbell, clear_flags});
        std::uint64_t& flags = doorbell_flags[doorbell];
        const std::uint64_t old = flags;
        if (e == Error::ok) {
            flags &= ~clear_flags;
        }
        return {e, old};
    }
    Error doorbell_mask(CapId doorbell, std::uint64_t enable_mask, std::uint64_t ack_mask) override
    {
        return record("doorbell_mask", {doorbell, enable_mask, ack_mask});
    }
    Error doorbell_bind_virq(CapId doorbell, CapId vic, std::uint32_t virq) override
    {
        return record("doorbell_bind_virq", {doorbell, vic, virq});
    }
    Error doorbell_unbind_virq(CapId doorbell) override { return record("doorbell_unbind_virq", {doorbell}); }

    // ---- rm::Memory
    std::byte* at(std::uint64_t ipa, std::uint64_t size) override
    {
        for (const Mapping& m : rm_mappings_) {
            if (ipa >= m.vbase && ipa - m.vbase <= m.size && size <= m.size - (ipa - m.vbase)) {
                return phys(extents_.at(m.extent).phys + m.offset + (ipa - m.vbase), size);
            }
        }
        return nullptr;
    }

private:
    struct Extent {
        std::uint64_t phys = 0;
        std::uint64_t size = 0;
    };
    struct Mapping {
        CapId extent;
        std::uint64_t vbase;
        std::uint64_t offset;  // in the extent
        std::uint64_t size;
    };

    Error record(const std::string& name, std::vector<std::uint64_t> args)
    {
        Error e = Error::ok;
        auto it = scripted_.find(name);
        if (it != scripted_.end() && !it->second.empty()) {
            e = it->second.front();
            it->second.pop_front();
        }
        calls.push_back(Call{name, std::move(args), e});
        return e;
    }

    CapId rm_addrspace_;
    CapId next_cap_ = 0x100;
    std::map<CapId, Extent> extents_;
    std::vector<Mapping> rm_mappings_;
    std::vector<CapId> cspaces_;
    std::map<std::uint64_t, std::vector<std::byte>> banks_;
    std::map<std::string, std::deque<Error>> scripted_;
};

}  // namespace hyp::test
