# Source lists, by where they may run.

# Portable logic: compiled into the hypervisor image and, unchanged, into the host
# unit tests. Nothing here touches a system register except through <arch/...>.
set(HYP_PORTABLE_SOURCES
  support/cmdline.cpp
  support/error.cpp
  support/format.cpp
  kernel/boot/gunzip.cpp
  kernel/core/log.cpp
  kernel/boot/rm_boot_info_builder.cpp
  kernel/mem/memdb.cpp
  kernel/mem/page_allocator.cpp
  kernel/hypercall/addrspace_calls.cpp
  kernel/hypercall/cspace_calls.cpp
  kernel/hypercall/debug_calls.cpp
  kernel/hypercall/dispatch.cpp
  kernel/hypercall/identify.cpp
  kernel/hypercall/ipc_calls.cpp
  kernel/hypercall/memextent_calls.cpp
  kernel/hypercall/object_calls.cpp
  kernel/hypercall/table.cpp
  kernel/hypercall/trap.cpp
  kernel/hypercall/vcpu_calls.cpp
  kernel/hypercall/vic_calls.cpp
  kernel/hypercall/vpm_calls.cpp
  kernel/ipc/doorbell.cpp
  kernel/ipc/msgqueue.cpp
  kernel/mem/stage1_map.cpp
  kernel/mem/stage2_config.cpp
  kernel/mem/stage2_edit.cpp
  kernel/mem/stage2_edit_sync.cpp
  kernel/mem/stage2_table.cpp
  kernel/mem/vmid_allocator.cpp
  kernel/object/addrspace.cpp
  kernel/object/addrspace_guest_memory.cpp
  kernel/object/addrspace_follow.cpp
  kernel/object/addrspace_mappings.cpp
  kernel/object/cspace.cpp
  kernel/object/lifecycle.cpp
  kernel/object/memextent.cpp
  kernel/object/memextent_donate.cpp
  kernel/object/object.cpp
  kernel/object/partition.cpp
  kernel/object/vcpu.cpp
  kernel/object/vcpu_proxy.cpp
  kernel/object/vcpu_run_state.cpp
  kernel/object/vic.cpp
  kernel/object/vpm_group.cpp
  kernel/virt/fault_injection.cpp
  kernel/virt/guest_trap.cpp
  kernel/virt/lazy_fp.cpp
  kernel/virt/line_sink.cpp
  kernel/virt/mmio_bus.cpp
  kernel/virt/mmio_decode.cpp
  kernel/virt/vpl011.cpp
  kernel/virt/vm_devices.cpp
  kernel/virt/vmmio_ranges.cpp
  kernel/virt/vpsci.cpp
  kernel/virt/vgic/vgic.cpp
  kernel/virt/vgic/vgic_dist.cpp
  kernel/virt/vgic/vgic_lr.cpp
  kernel/virt/vgic/vgic_redist.cpp
  kernel/virt/vgic/vgic_regs.cpp
  kernel/sched/run_queue.cpp
  kernel/sched/scheduler.cpp
  kernel/sched/timer_queue.cpp
  platform/dt/check_runnable.cpp
  platform/dt/discover.cpp
  platform/dt/discover_chosen.cpp
  platform/dt/discover_console.cpp
  platform/dt/discover_cpus.cpp
  platform/dt/discover_gic.cpp
  platform/dt/discover_memory.cpp
  platform/dt/discover_timer_psci.cpp
  platform/dt/interrupts.cpp
  platform/dt/names.cpp
  platform/dt/reader.cpp
  platform/dt/usable_ram.cpp
  platform/dt/summary.cpp
  platform/dt/root_compatible.cpp
  platform/boards/board.cpp
  platform/qcom/geni_uart.cpp
  platform/qcom/sip_allowlist.cpp
  platform/qcom/sip_forward.cpp
)

# Target only: boot, vectors, system registers, devices.
set(HYP_TARGET_SOURCES
  arch/aarch64/boot/head.S
  arch/aarch64/boot/vectors.S
  arch/aarch64/boot/guest_entry.S
  arch/aarch64/boot/fp_context.S
  arch/aarch64/cache.cpp
  arch/aarch64/el2_timer.cpp
  arch/aarch64/exception.cpp
  arch/aarch64/gic_cpu.cpp
  arch/aarch64/gic_virt.cpp
  arch/aarch64/guest_va.cpp
  arch/aarch64/mmu.cpp
  arch/aarch64/psci.cpp
  arch/aarch64/smccc.cpp
  arch/aarch64/stage2_probe.cpp
  arch/aarch64/vcpu_context.cpp
  arch/aarch64/tlb.cpp
  kernel/boot/cold_boot.cpp
  kernel/boot/root_vm.cpp
  kernel/virt/vcpu_run.cpp
  kernel/core/irq.cpp
  kernel/core/panic.cpp
  kernel/core/percpu.cpp
  kernel/boot/selftest.cpp
  kernel/boot/smp.cpp
  kernel/object/root_objects.cpp
  kernel/mem/hyp_map.cpp
  support/libc/string.cpp
  support/libc/stdlib.cpp
  kernel/core/stack_protector.cpp
  platform/console.cpp
  platform/drivers/gicv3.cpp
  platform/drivers/pl011.cpp
)

# Host only: the fake arch backend that lets portable code run under Catch2.
set(HYP_HOST_SOURCES
  arch/host/cache_fake.cpp
  arch/host/host_arch.cpp
  arch/host/tlb_fake.cpp
)

# The resource manager's RPC layer (docs/rpc.md): fragments, reassembly, channels, the
# dispatcher. Listed on its own as well so the optional libFuzzer driver (tests/fuzz)
# can build just these.
set(RM_RPC_SOURCES
  rm/rpc/builtin_handlers.cpp
  rm/rpc/channel.cpp
  rm/rpc/dispatcher.cpp
  rm/rpc/fragment.cpp
  rm/rpc/fragment_fifo.cpp
  rm/rpc/fragmenter.cpp
  rm/rpc/msgqueue_pair.cpp
  rm/rpc/reassembler.cpp
  rm/rpc/wire.cpp
)

# The resource manager's portable sources: its logic, with hypercalls and memory behind
# rm/vm/hypervisor.h (Image header, VM layout, boot info, options, the primary VM's DT
# builder, building and watching the primary VM, the boot flow, the console). Compiled
# into the host unit tests and into rm.elf (cmake/rm.cmake); never into the hypervisor image.
set(RM_PORTABLE_SOURCES
  rm/boot/boot_info.cpp
  rm/boot/image_header.cpp
  rm/boot/options.cpp
  rm/core/console.cpp
  rm/core/startup.cpp
  rm/dt/board_dt.cpp
  rm/dt/board_dt_cpus.cpp
  rm/dt/board_dt_memory.cpp
  rm/dt/fdt_writer.cpp
  rm/dt/primary_dt.cpp
  rm/dt/secondary_dt.cpp
  rm/mem/parcel.cpp
  rm/mem/parcel_ops.cpp
  rm/rpc/console_handlers.cpp
  rm/rpc/mem_handlers.cpp
  rm/rpc/mem_notify.cpp
  rm/rpc/vm_handlers.cpp
  rm/vm/primary_vm.cpp
  rm/vm/rm_link.cpp
  rm/vm/secondary_vm.cpp
  rm/vm/vm_console.cpp
  rm/vm/vm_doorbells.cpp
  rm/vm/vm_layout.cpp
  rm/vm/vm_service.cpp
  rm/vm/vm_table.cpp
  rm/vm/watch.cpp
  ${RM_RPC_SOURCES}
)
