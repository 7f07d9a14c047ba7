// The virtual interrupt controller object (see vic.h).
#include "kernel/object/vic.h"

#include "kernel/object/addrspace.h"
#include "kernel/object/vcpu.h"
#include "kernel/sched/kick.h"
#include "kernel/virt/vm_devices.h"

namespace hyp {
namespace {

constexpr std::uint64_t spi_granule = 32;  // GICD_TYPER.ITLinesNumber counts 32 INTIDs
constexpr std::uint32_t spi_base = 32;      // the first SPI's INTID

}  // namespace

Vic::Vic(ObjectDestroyer destroyer) : Object(ObjectType::vic, destroyer) {}

Vic::~Vic()
{
    // No vCPU is left (each held a reference), so nothing runs on these devices.
    if (addrspace_ != nullptr) {
        virt::VmDevices& devices = addrspace_->devices();
        if (devices.has_uart()) {
            devices.uart().set_irq(nullptr);
        }
        (void)devices.bus().remove(vgic_.distributor());
        (void)devices.bus().remove(vgic_.redistributors());
        addrspace_->put();
    }
}

Status Vic::configure(std::uint64_t vcpus, std::uint64_t virqs, std::uint64_t options, std::uint64_t max_msis)
{
    LockGuard held{lock};
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if ((options & ~(vic_option_max_msis_valid | vic_option_disable_default_addr)) != 0) {
        return fail(Error::arg_inval);
    }
    if (vcpus == 0 || vcpus > max_vcpus || virqs > max_virqs) {
        return fail(Error::arg_inval);
    }
    if ((options & vic_option_disable_default_addr) != 0 ||
        ((options & vic_option_max_msis_valid) != 0 && max_msis != 0)) {
        return fail(Error::unimplemented);
    }
    std::uint64_t spis = (virqs + spi_granule - 1) / spi_granule * spi_granule;
    if (spis == 0) {
        spis = spi_granule;  // the vPL011 needs one; a GIC has at least 32
    }
    vcpu_count_ = vcpus;
    spi_count_ = spis > max_virqs ? max_virqs : spis;
    return success();
}

Status Vic::activate()
{
    LockGuard held{lock};
    if (state() != ObjectState::init) {
        return fail(Error::object_state);
    }
    if (vcpu_count_ == 0) {
        return fail(Error::object_config);
    }
    const virt::VmDevicePlatform& platform = virt::vm_device_platform();
    if (platform.gic_distributor.size == 0) {
        return fail(Error::nomem);  // this machine gives VMs no GIC addresses
    }
    virt::VgicConfig config;
    config.vcpu_count = static_cast<unsigned>(vcpu_count_);
    config.spi_count = static_cast<unsigned>(spi_count_);
    config.distributor = platform.gic_distributor;
    config.redistributor_base = platform.gic_redistributors;
    if (Status s = vgic_.init(config, *this); !s) {
        return s;
    }
    mark_active();
    return success();
}

Status Vic::add_vcpu(std::uint32_t index, Vcpu& vcpu)
{
    LockGuard held{lock};
    if (state() != ObjectState::active) {
        return fail(Error::object_state);
    }
    if (index >= vcpu_count_) {
        return fail(Error::arg_inval);
    }
    if (vcpus_[index] != nullptr) {
        return fail(Error::busy);
    }
    vcpus_[index] = &vcpu;
    return success();
}

Status Vic::vcpu_activated(AddrSpace& as)
{
    const virt::VmDevicePlatform& platform = virt::vm_device_platform();
    bool wire_uart = false;
    {
        LockGuard held{lock};
        if (addrspace_ != nullptr) {
            return addrspace_ == &as ? success() : fail(Error::arg_inval);
        }
        virt::MmioBus& bus = as.devices().bus();
        if (Status s = bus.add(vgic_.distributor_range(), vgic_.distributor()); !s) {
            return s;
        }
        if (Status s = bus.add(vgic_.redistributor_range(), vgic_.redistributors()); !s) {
            (void)bus.remove(vgic_.distributor());
            return s;
        }
        as.retain();
        addrspace_ = &as;
        // The vPL011 takes its SPI unless a source was bound there first: one SPI, one
        // source (an edge source and a level line on one SPI would each hide the other).
        wire_uart = as.devices().has_uart() && platform.uart_intid >= spi_base &&
                    platform.uart_intid < spi_base + spi_count_ && !sources_.test(platform.uart_intid - spi_base);
        if (wire_uart) {
            __atomic_store_n(&uart_intid_, platform.uart_intid, __ATOMIC_RELAXED);
        }
    }
    // Outside our lock: the vPL011 drives its line at once, and the vGIC may call back
    // into interrupt_pending(), which takes it (lock order: vPL011 -> vic).
    if (wire_uart) {
        as.devices().uart().set_irq(&uart_line_);
    }
    return success();
}

void Vic::remove_vcpu(std::uint32_t index, const Vcpu& vcpu)
{
    {
        LockGuard held{lock};
        if (index >= max_vcpus || vcpus_[index] != &vcpu) {
            return;
        }
        vcpus_[index] = nullptr;
    }
    // No new interrupt_pending finds it now; one that found it before finishes soon (it
    // takes only the vCPU's lock and other objects' locks, none we hold).
    while (__atomic_load_n(&notifying_[index], __ATOMIC_ACQUIRE) != 0) {
    }
}

// ---- virtual interrupt sources --------------------------------------------------------

Status Vic::bind_source(VirqSource& source, std::uint64_t virq)
{
    if (source.bound()) {
        return fail(Error::irq_bound);
    }
    {
        LockGuard held{lock};
        if (state() != ObjectState::active) {
            return fail(Error::object_state);
        }
        if (virq < spi_base || virq - spi_base >= spi_count_) {
            return fail(Error::arg_inval);
        }
        const auto spi = static_cast<std::uint32_t>(virq - spi_base);
        if (sources_.test(spi) || virq == __atomic_load_n(&uart_intid_, __ATOMIC_RELAXED)) {
            return fail(Error::irq_bound);
        }
        sources_.set(spi);
    }
    retain();
    source.vic_ = this;
    source.virq_ = static_cast<std::uint32_t>(virq);
    return success();
}

Result<Vic*> Vic::unbind_source(VirqSource& source)
{
    Vic* vic = source.vic_;
    if (vic == nullptr) {
        return fail(Error::irq_unbound);
    }
    {
        LockGuard held{vic->lock};
        vic->sources_.clear(source.virq_ - spi_base);
    }
    source.vic_ = nullptr;
    source.virq_ = 0;
    return vic;  // the caller puts the reference the source held
}

void VirqSource::raise()
{
    if (vic_ == nullptr) {
        return;
    }
    __atomic_fetch_add(&raised_, 1, __ATOMIC_RELAXED);
    // An SPI: the vCPU argument is ignored, the vGIC routes it by GICD_IROUTER.
    vic_->vgic().raise_edge(0, virq_);
}

std::uint32_t Vic::vtimer_intid() const { return virt::vm_device_platform().vtimer_intid; }

void Vic::UartLine::set_level(bool asserted)
{
    vic_.vgic_.set_level(0, __atomic_load_n(&vic_.uart_intid_, __ATOMIC_RELAXED), asserted);
}

void Vic::interrupt_pending(unsigned index)
{
    Vcpu* vcpu = nullptr;
    bool was_suspended = false;
    {
        LockGuard held{lock};
        if (index >= max_vcpus || vcpus_[index] == nullptr) {
            return;
        }
        vcpu = vcpus_[index];
        __atomic_store_n(&refill_[index], std::uint8_t{1}, __ATOMIC_RELEASE);
        if (sched::handling_exit_of(vcpu->entity()) && !vcpu->run_scheduled()) {
            return;  // this CPU, in its exit, refills its list registers before entering it
        }
        sched::Scheduler& scheduler = vcpu_scheduler();
        // A snapshot (the run queue lock's): only decides whether its VPM group looks again.
        was_suspended = vcpu->entity().block_reasons().has(sched::BlockReason::suspended);
        sched::deliver(scheduler.unblock(vcpu->entity(), sched::BlockReason::wfi));
        sched::deliver(scheduler.unblock(vcpu->entity(), sched::BlockReason::suspended));
        // If it runs, its CPU must go round its loop to put the interrupt in a list register.
        if (scheduler.on_cpu(vcpu->entity())) {
            sched::deliver(sched::Kick::to(vcpu->entity().cpu()));
        }
        if (!vcpu->run_scheduled() && !was_suspended) {
            return;  // the common case: nothing more to tell
        }
        __atomic_fetch_add(&notifying_[index], 1, __ATOMIC_ACQUIRE);
    }
    // Without our lock: a proxy-scheduled vCPU may raise its run-wakeup interrupt on its
    // proxy's vic, and a VPM group takes its vCPUs' locks, which come before ours.
    vcpu->interrupt_arrived(was_suspended);
    __atomic_fetch_sub(&notifying_[index], 1, __ATOMIC_RELEASE);
}

}  // namespace hyp
