// Intrusive doubly-linked list: objects carry their own ListNode, so putting one on a
// run queue, a wait queue or a free list never allocates and never fails. An object
// can be on several lists at once through several nodes.
//
//   struct Thread { ListNode run_node; ... };
//   IntrusiveList<Thread, &Thread::run_node> runnable;
//
// Not thread-safe: the lock that protects a list also protects the nodes on it.
// Removal while iterating uses erase(), which returns the next position:
//   for (auto it = list.begin(); it != list.end();) {
//       if (done(*it)) { it = list.erase(it); } else { ++it; }
//   }
// or remove_if(pred) for the common case.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hyp {

class ListNode {
public:
    constexpr ListNode() = default;
    // Copying an object must not copy its list membership: the copy starts unlinked and
    // assigning leaves the target's membership alone.
    constexpr ListNode(const ListNode&) {}
    constexpr ListNode& operator=(const ListNode&) { return *this; }

    [[nodiscard]] constexpr bool linked() const { return next_ != nullptr; }

private:
    template <typename T, ListNode T::*Member>
    friend class IntrusiveList;

    // Both null when unlinked, so a double remove or double insert is detectable.
    ListNode* prev_ = nullptr;
    ListNode* next_ = nullptr;
};

template <typename T, ListNode T::*Member>
class IntrusiveList {
public:
    class Iterator {
    public:
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = T*;
        using reference = T&;

        constexpr Iterator() = default;
        T& operator*() const { return *owner(node_); }
        T* operator->() const { return owner(node_); }
        Iterator& operator++()
        {
            node_ = node_->next_;
            return *this;
        }
        Iterator operator++(int)
        {
            Iterator old = *this;
            node_ = node_->next_;
            return old;
        }
        Iterator& operator--()
        {
            node_ = node_->prev_;
            return *this;
        }
        Iterator operator--(int)
        {
            Iterator old = *this;
            node_ = node_->prev_;
            return old;
        }
        bool operator==(const Iterator&) const = default;

    private:
        friend class IntrusiveList;
        explicit Iterator(ListNode* node) : node_{node} {}
        ListNode* node_ = nullptr;
    };

    // The list is a ring through head_, which points at itself when empty; that is why
    // a list can be neither copied nor moved. Until something is first linked, though,
    // head_ is left null (empty as well, for every operation) and the ring is closed by
    // the first push: so a list starts as all-zero bytes, and a constinit global made of
    // lists (the scheduler's run queues: 64 a CPU) is zero-initialised, in .bss, instead
    // of an image-sized table of self-pointers in .data with a relocation for each.
    constexpr IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    [[nodiscard]] bool empty() const { return first() == &head_; }

    // Null when empty.
    [[nodiscard]] T* front() const { return empty() ? nullptr : owner(head_.next_); }
    [[nodiscard]] T* back() const { return empty() ? nullptr : owner(head_.prev_); }

    // `item` must not be on a list through this node (checked: traps).
    void push_front(T& item)
    {
        ListNode* head = ring();
        link(&(item.*Member), head, head->next_);
    }
    void push_back(T& item)
    {
        ListNode* head = ring();
        link(&(item.*Member), head->prev_, head);
    }
    // Puts `item` just before `pos`, which must be on this list (keeps a list sorted).
    void insert_before(T& pos, T& item)
    {
        ListNode* at = &(pos.*Member);
        link(&(item.*Member), at->prev_, at);
    }

    // Null when empty.
    T* pop_front()
    {
        T* item = front();
        if (item != nullptr) {
            unlink(&(item->*Member));
        }
        return item;
    }

    // `item` must be on this list (being on none traps).
    void remove(T& item) { unlink(&(item.*Member)); }

    // Removes the item at `it` and returns the position after it.
    Iterator erase(Iterator it)
    {
        ListNode* next = it.node_->next_;
        unlink(it.node_);
        return Iterator{next};
    }

    // Removes every item for which pred(item) is true; returns how many.
    template <typename Pred>
    std::size_t remove_if(Pred pred)
    {
        std::size_t removed = 0;
        for (Iterator it = begin(); it != end();) {
            if (pred(*it)) {
                it = erase(it);
                ++removed;
            } else {
                ++it;
            }
        }
        return removed;
    }

    // O(n); for checks and tests.
    [[nodiscard]] bool contains(const T& item) const
    {
        const ListNode* node = &(item.*Member);
        for (const ListNode* n = first(); n != &head_; n = n->next_) {
            if (n == node) {
                return true;
            }
        }
        return false;
    }

    // Iteration hands out mutable items, as kernel lists do; a const list only
    // promises not to change its own links.
    Iterator begin() const { return Iterator{first()}; }
    Iterator end() const { return Iterator{const_cast<ListNode*>(&head_)}; }

private:
    // The first node, or the head itself when the list is empty (never-used or not).
    ListNode* first() const { return head_.next_ != nullptr ? head_.next_ : const_cast<ListNode*>(&head_); }
    // The head, its ring closed on itself if the list has never held anything.
    ListNode* ring()
    {
        if (head_.next_ == nullptr) {
            head_.prev_ = &head_;
            head_.next_ = &head_;
        }
        return &head_;
    }

    // Itanium C++ ABI (GCC and clang, host and AArch64): a pointer to data member is
    // the member's byte offset. No constexpr way exists to get it from `Member`, and
    // computing it through a fake object would trip UBSan on polymorphic T.
    static std::uintptr_t member_offset()
    {
        static_assert(sizeof(Member) == sizeof(std::ptrdiff_t));
        return static_cast<std::uintptr_t>(std::bit_cast<std::ptrdiff_t>(Member));
    }
    static T* owner(ListNode* node)
    {
        return reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(node) - member_offset());
    }

    static void link(ListNode* node, ListNode* prev, ListNode* next)
    {
        if (node->linked()) {
            __builtin_trap();  // already on a list: linking again would corrupt both
        }
        node->prev_ = prev;
        node->next_ = next;
        prev->next_ = node;
        next->prev_ = node;
    }
    static void unlink(ListNode* node)
    {
        if (!node->linked()) {
            __builtin_trap();  // not on a list: a double remove
        }
        node->prev_->next_ = node->next_;
        node->next_->prev_ = node->prev_;
        node->prev_ = nullptr;
        node->next_ = nullptr;
    }

    ListNode head_;
};

}  // namespace hyp
