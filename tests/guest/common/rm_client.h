// A test guest's RPC client to the resource manager, over the link rm_link.h finds: a
// request of any length (split into fragments as Linux's rsc_mgr does), its reply
// reassembled, and the RM's notifications kept until asked for. What the VMM guest uses;
// one request at a time, as a simple VMM would.
#pragma once

#include <cstddef>

#include "rm_link.h"
#include "runtime.h"

namespace guest {

// rm_call()'s answer when no reply came (timeout, a send that failed, a reply that did
// not parse); never an RM error code.
inline constexpr u32 rm_no_reply = 0xfffffffeu;
// The largest reply data rm_call() keeps (after the error word).
inline constexpr std::size_t rm_reply_capacity = 1024;

struct RmReply {
    u32 error = rm_no_reply;
    u8 data[rm_reply_capacity] = {};
    std::size_t size = 0;  // bytes of data after the error word
};

// Sends request `id` with `size` bytes of `payload`, waits up to `timeout_us` for its
// reply (same id, same sequence number); notifications that come meanwhile are kept.
// The reply's RM error (0 OK), or rm_no_reply.
u32 rm_call(const RmLink& link, u32 id, const void* payload, std::size_t size, RmReply& reply,
            u64 timeout_us = 5000000);

struct RmNotification {
    u32 id = 0;
    u8 data[64] = {};
    std::size_t size = 0;  // payload bytes kept (at most 64)
};

// The oldest kept notification with message id `id` (removed), waiting up to
// `timeout_us` for one to come; false if none did.
bool rm_wait_notification(const RmLink& link, u32 id, RmNotification& out, u64 timeout_us);
// Drops every kept notification; how many there were.
unsigned rm_drop_notifications();

// Little-endian fields of payloads.
inline u32 le16_at(const u8* p) { return u32{p[0]} | u32{p[1]} << 8; }
inline u32 le32_at(const u8* p) { return le16_at(p) | le16_at(p + 2) << 16; }
inline u64 le64_at(const u8* p) { return u64{le32_at(p)} | u64{le32_at(p + 4)} << 32; }
inline void put_le16(u8* p, u32 v) { p[0] = static_cast<u8>(v); p[1] = static_cast<u8>(v >> 8); }
inline void put_le32(u8* p, u32 v) { put_le16(p, v); put_le16(p + 2, v >> 16); }
inline void put_le64(u8* p, u64 v) { put_le32(p, static_cast<u32>(v)); put_le32(p + 4, static_cast<u32>(v >> 32)); }

}  // namespace guest
