// The run (see vm.h).
#include "vmm/vm.h"

#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

#include "vmm/console.h"
#include "vmm/dt_builder.h"
#include "vmm/exit_codes.h"
#include "vmm/exit_verdict.h"
#include "vmm/gunyah_abi.h"
#include "vmm/gunyah_vm.h"
#include "vmm/guest_memory.h"
#include "vmm/layout.h"
#include "vmm/loader.h"
#include "vmm/platform.h"
#include "vmm/primary_gic.h"
#include "vmm/report.h"
#include "vmm/terminal.h"
#include "vmm/vcpu.h"

namespace vmm {
namespace {

// The RAM region's label (gh_userspace_memory_region.label): the VM has only this one.
constexpr std::uint32_t ram_label = 0;
// Lent, not shared: the VM's RAM is its own once it runs (the VMM loaded it before).
constexpr std::uint32_t ram_flags = GH_MEM_ALLOW_READ | GH_MEM_ALLOW_WRITE | GH_MEM_ALLOW_EXEC | GH_MEM_LENT;

int setup_failed(const std::string& message)
{
    std::fprintf(stderr, "vmm: %s\n", message.c_str());
    return exit_setup_failed;
}

bool write_dtb(const std::string& path, const std::vector<std::uint8_t>& dtb)
{
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::size_t done = 0;
    while (fd.valid() && done < dtb.size()) {
        const ssize_t n = ::write(fd.get(), dtb.data() + done, dtb.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (done != dtb.size()) {
        const int e = errno;
        std::fprintf(stderr, "vmm: --dtb-out: cannot write '%s': %s\nTry 'vmm --help' for more information.\n",
                     path.c_str(), std::strerror(e));
        return false;
    }
    return true;
}

void print_summary(const ExitCounts& counts, Console& console)
{
    std::fprintf(stderr,
                 "vmm: exits: %" PRIu64 " MMIO (%" PRIu64 " console, %" PRIu64 " unhandled), %" PRIu64
                 " status, %" PRIu64 " unknown, %" PRIu64 " GH_VCPU_RUN retries; %" PRIu64
                 " console accesses the PL011 does not have; %" PRIu64 " output bytes lost\n",
                 counts.mmio.load(), counts.console.load(), counts.unhandled.load(), counts.status.load(),
                 counts.unknown.load(), counts.retried.load(), console.bad_accesses(), console.lost_output());
}

[[noreturn]] void finish(const RunOutcome& outcome, const ExitCounts& counts, Console& console)
{
    restore_terminal();
    int code = exit_setup_failed;
    if (outcome.failed) {
        std::fprintf(stderr, "vmm: vCPU %u failed: giving up on the VM\n", outcome.vcpu);
    } else {
        const Verdict verdict = verdict_for(outcome.status, outcome.type);
        code = verdict.exit_code;
        std::fprintf(stderr, "vmm: %s\n", verdict.message.c_str());
        if (outcome.reason_size != 0) {
            std::fprintf(stderr, "vmm: exit reason (%u bytes):", outcome.reason_size);
            for (std::uint32_t i = 0; i < outcome.reason_size && i < sizeof outcome.reason; ++i) {
                std::fprintf(stderr, " %02x", outcome.reason[i]);
            }
            std::fprintf(stderr, "\n");
        }
    }
    print_summary(counts, console);
    // No destructors, no joins (see vm.h): the kernel closes every fd, the VM's last.
    ::_exit(code);
}

}  // namespace

int run_vm(const Options& options)
{
    const GicLocation gic = find_primary_gic(options.gic_from);
    if (!gic.warning.empty()) {
        std::fprintf(stderr, "vmm: warning: %s; using GICD %#" PRIx64 " and GICR %#" PRIx64 "\n",
                     gic.warning.c_str(), gic.gicd_base, gic.gicr_base);
    }

    Layout layout;
    KernelImage image;
    std::string error;
    if (!plan_images(options.kernel, options.initrd, options.mem, layout, image, error)) {
        return setup_failed(error);
    }

    VmDescription description;
    description.cpus = options.cpus;
    description.ram_base = ram_base;
    description.ram_size = options.mem;
    description.gicd_base = gic.gicd_base;
    description.gicd_size = gic.gicd_size;
    description.gicr_base = gic.gicr_base;
    description.cmdline = options.cmdline;
    description.has_initrd = layout.has_initrd;
    description.initrd_start = layout.ipa(layout.initrd_offset);
    description.initrd_end = layout.ipa(layout.initrd_offset + layout.initrd_size);
    std::vector<std::uint8_t> dtb;
    if (!build_dt(description, dtb, error)) {
        return setup_failed(error);
    }
    // Before /dev/gunyah is opened, so the DT can be inspected where there is no driver.
    if (!options.dtb_out.empty() && !write_dtb(options.dtb_out, dtb)) {
        return exit_usage;
    }

    std::fprintf(stderr, "vmm: starting %s on %u vCPU%s with %" PRIu64 " MiB at %#" PRIx64 "\n",
                 options.kernel.c_str(), options.cpus, options.cpus == 1 ? "" : "s", options.mem >> 20, ram_base);

    GunyahVm vm;
    if (!vm.create()) {
        return exit_setup_failed;
    }
    // Locals from here on live until _exit: once the threads start, this never returns.
    GuestMemory memory;
    std::string warning;
    if (!memory.allocate(options.mem, error, warning)) {
        return setup_failed(error);
    }
    if (!warning.empty()) {
        std::fprintf(stderr, "vmm: warning: %s\n", warning.c_str());
    }
    if (!load_images(options.kernel, options.initrd, layout, memory.data(), error)) {
        return setup_failed(error);
    }
    std::memcpy(memory.data() + layout.dt_offset, dtb.data(), dtb.size());

    if (!vm.set_memory(ram_label, ram_flags, ram_base, options.mem, memory.data()) ||
        !vm.set_dtb(layout.ipa(layout.dt_offset), dt_window)) {
        return exit_setup_failed;
    }
    Fd irqfd(::eventfd(0, EFD_CLOEXEC));
    if (!irqfd.valid()) {
        report_errno("eventfd");
        return exit_setup_failed;
    }
    if (!vm.add_irqfd(irqfd.get(), console_doorbell_label)) {
        return exit_setup_failed;
    }
    std::vector<std::unique_ptr<Vcpu>> vcpus;
    for (unsigned i = 0; i < options.cpus; ++i) {
        Fd fd = vm.add_vcpu(i);
        if (!fd.valid()) {
            return exit_setup_failed;
        }
        vcpus.push_back(std::make_unique<Vcpu>(i, std::move(fd)));
    }
    if (!vm.start()) {
        return exit_setup_failed;
    }
    const std::size_t run_size = vm.vcpu_mmap_size();
    if (run_size == 0) {
        return exit_setup_failed;
    }
    for (auto& vcpu : vcpus) {
        if (!vcpu->map(run_size)) {
            return exit_setup_failed;
        }
    }

    // A closed stdout (a pipe whose reader went) drops console output, counted, instead
    // of killing the VMM and with it the VM.
    std::signal(SIGPIPE, SIG_IGN);
    if (!enter_raw_mode()) {
        return exit_setup_failed;
    }
    Console console(irqfd.get());
    RunMonitor monitor;
    ExitCounts counts;
    console.start_input();
    for (auto& vcpu : vcpus) {
        vcpu->start(console, monitor, counts);
    }
    finish(monitor.wait(), counts, console);
}

}  // namespace vmm
