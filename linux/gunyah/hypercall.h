/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Gunyah hypercalls gunyah.ko makes, in SMCCC form over HVC (function id = fast call,
 * SMC64, vendor-hypervisor owner, 0x8000 | the call's number). Numbers, error codes and
 * vcpu_run's states are hyp_api's. Every wrapper returns the hypervisor's error (0 = OK).
 */
#ifndef GUNYAH_HYPERCALL_H
#define GUNYAH_HYPERCALL_H

#include <linux/arm-smccc.h>
#include <linux/types.h>

#include "hyp_api/gunyah_error.h"
#include "hyp_api/gunyah_hypercalls.h"
#include "hyp_api/gunyah_objects.h"

#define GH_HC_ID(n) \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_VENDOR_HYP, 0x8000 | (n))

static inline long gh_hc_msgq_send(u64 cap, size_t size, const void *buf, bool push, bool *ready)
{
	struct arm_smccc_res res;

	/* The buffer goes by its kernel virtual address: the hypervisor walks our stage 1. */
	arm_smccc_1_1_hvc(GH_HC_ID(GUNYAH_HC_MSGQUEUE_SEND), cap, size, (unsigned long)buf,
			  push ? GUNYAH_MSGQUEUE_SEND_PUSH : 0, 0, &res);
	if (ready)
		*ready = res.a1 != 0;
	return (long)res.a0;
}

static inline long gh_hc_msgq_recv(u64 cap, void *buf, size_t size, size_t *got, bool *more)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GH_HC_ID(GUNYAH_HC_MSGQUEUE_RECEIVE), cap, (unsigned long)buf, size, 0, &res);
	*got = res.a1;
	*more = res.a2 != 0;
	return (long)res.a0;
}

static inline long gh_hc_doorbell_send(u64 cap, u64 flags)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GH_HC_ID(GUNYAH_HC_DOORBELL_SEND), cap, flags, 0, &res);
	return (long)res.a0;
}

static inline long gh_hc_doorbell_mask(u64 cap, u64 enable_mask, u64 ack_mask)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GH_HC_ID(GUNYAH_HC_DOORBELL_MASK), cap, enable_mask, ack_mask, 0, &res);
	return (long)res.a0;
}

struct gh_vcpu_run_result {
	u64 state;
	u64 data[3];
};

/* vcpu_run returns in x0..x4: SMCCC 1.2's register set. */
static inline long gh_hc_vcpu_run(u64 cap, u64 resume0, u64 resume1, u64 resume2,
				  struct gh_vcpu_run_result *out)
{
	struct arm_smccc_1_2_regs args = {
		.a0 = GH_HC_ID(GUNYAH_HC_VCPU_RUN),
		.a1 = cap,
		.a2 = resume0,
		.a3 = resume1,
		.a4 = resume2,
		.a5 = 0,
	};
	struct arm_smccc_1_2_regs res;

	arm_smccc_1_2_hvc(&args, &res);
	out->state = res.a1;
	out->data[0] = res.a2;
	out->data[1] = res.a3;
	out->data[2] = res.a4;
	return (long)res.a0;
}

#endif
