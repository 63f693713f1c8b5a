// Every checked mapping's life in one place: create, retire (quarantine), evict, undo. It owns the address-ordered
// tree of live and quarantined mappings, the slots underneath them, the quarantine, the bounded history of evicted
// mappings and the map-entry budget. Not thread-safe: MmapRuntime calls it under its lock.
//
// The quarantine holds inaccessible address space (pages dropped, range kept reserved and PROT_NONE), bounded by
// address space and count. It is two FIFO queues in one retirement order: mappings whose quarantine costs no map
// entry (guarded slots merge with their guards) and mappings whose eviction gives entries back (unguarded slots,
// reservations of their own). The bounds evict the oldest of both; map-entry pressure evicts the oldest of the second.
using System.Collections.Generic;
using System.Diagnostics;
using CheckedMmap.Host;
using CheckedMmap.Reports;

namespace CheckedMmap.Registry
{
    internal sealed class MappingRegistry
    {
        private readonly AddressTree _tree = new AddressTree();
        private readonly SlotAllocator _slots;
        private readonly MapEntryBudget _budget;
        private readonly Queue<Retired> _merged = new Queue<Retired>();
        private readonly Queue<Retired> _holding = new Queue<Retired>();

        // The live mappings leak checks count (all but those exempted), kept apart so that a check costs the mappings it
        // counts, not the thousands a pool keeps cached and exempted.
        private readonly HashSet<MappingInfo> _leakCandidates = new HashSet<MappingInfo>(ReferenceEqualityComparer.Instance);
        private MappingInfo?[] _history;
        private int _historyNext;
        private int _historyCount;
        private long _retireSeq;

        public MappingRegistry(HostMemory host)
        {
            _slots = new SlotAllocator(host);
            _budget = new MapEntryBudget(host, _slots);
            _history = new MappingInfo?[RuntimeConfiguration.DefaultEvictedHistory];
        }

        private readonly struct Retired
        {
            public Retired(long seq, MappingInfo mapping)
            {
                Seq = seq;
                Mapping = mapping;
            }

            public long Seq { get; }

            public MappingInfo Mapping { get; }
        }

        public SlotAllocator Slots => _slots;

        public MapEntryBudget Budget => _budget;

        public ulong QuarantineMaxBytes { get; private set; } = RuntimeConfiguration.DefaultQuarantineMaxBytes;

        public int QuarantineMaxCount { get; private set; } = RuntimeConfiguration.DefaultQuarantineMaxCount;

        public int LiveCount { get; private set; }

        public int GuardedLiveCount { get; private set; }

        public ulong LiveBytes { get; private set; }

        public int QuarantinedCount => _merged.Count + _holding.Count;

        public ulong QuarantinedBytes { get; private set; }

        public long LastId { get; private set; }

        public long Evictions { get; private set; }

        public long EvictionsForMapEntries { get; private set; }

        public long ReleasedWithoutQuarantine { get; private set; }

        public long UnguardedByBudget { get; private set; }

        public int EvictedHistoryCapacity => _history.Length;

        public int EvictedHistoryCount => _historyCount;

        /// <summary>Set once when the budget first forces a degradation (the caller prints its note).</summary>
        public bool BudgetReached { get; private set; }

        /// <summary>Set when <see cref="BudgetReached"/> became true and nobody has said so yet.</summary>
        public bool TakeBudgetNote()
        {
            if (!_budgetNotePending)
            {
                return false;
            }

            _budgetNotePending = false;
            return true;
        }

        private bool _budgetNotePending;

        /// <summary>Changes the layout; only when nothing is live (quarantine is emptied first).</summary>
        public void Configure(ulong pageSize)
        {
            EvictToBounds(0, 0);
            _slots.Configure(pageSize);
        }

        public void SetBounds(ulong maxBytes, int maxCount, int evictedHistory, int mapEntryHeadroom)
        {
            QuarantineMaxBytes = maxBytes;
            QuarantineMaxCount = maxCount;
            _budget.Headroom = mapEntryHeadroom;
            if (evictedHistory != _history.Length)
            {
                var next = new MappingInfo?[evictedHistory];
                int keep = System.Math.Min(_historyCount, evictedHistory);
                for (int i = 0; i < keep; i++)
                {
                    // newest first into the new ring's newest positions
                    next[keep - 1 - i] = NewestHistory(i);
                }

                _history = next;
                _historyCount = keep;
                _historyNext = evictedHistory == 0 ? 0 : keep % evictedHistory;
            }

            EvictToBounds(maxBytes, maxCount);
        }

        // ------------------------------------------------------------------ create

        /// <summary>
        /// A new live mapping of <paramref name="size"/> bytes, with guard pages of its own while the budget allows;
        /// null when the host refuses (ENOMEM).
        /// </summary>
        public MappingInfo? Create(ulong size, bool guardPages, ulong alignment, string createdBy, CapturedStack? created, in CallerSite site)
        {
            // Guard regions cost a guarded mapping no more entries than an unguarded one; protection changes cost two.
            bool guarded = guardPages && (_slots.GuardsByRegions(size)
                ? _budget.HasRoom(SlotAllocator.WorstCaseNewMappingEntries)
                : _budget.HasRoomForGuarded(SlotAllocator.WorstCaseNewMappingEntries));
            if (guardPages && !guarded)
            {
                NoteBudgetReached();
                UnguardedByBudget++;
            }

            if (!guarded && !_budget.HasRoom(SlotAllocator.WorstCaseNewMappingEntries))
            {
                EvictForEntries(SlotAllocator.WorstCaseNewMappingEntries);
            }

            ulong bytes = _slots.RoundToHostPage(size);
            if (!_slots.TryAllocate(bytes, guarded, out Slot slot))
            {
                // A full quarantine may hold the address space (or commit) the host needs: give it back and try once
                // more, but only when that could help (an impossible request must not wipe the use-after-munmap history).
                if (QuarantinedCount == 0 || QuarantinedBytes < size)
                {
                    return null;
                }

                EvictToBounds(0, 0);
                if (!_slots.TryAllocate(bytes, guarded, out slot))
                {
                    return null;
                }
            }

            var m = new MappingInfo(++LastId, slot.Address, size, alignment, createdBy, created, site) { Slot = slot };
            _tree.Insert(m);
            _leakCandidates.Add(m);
            LiveCount++;
            LiveBytes += size;
            if (slot.Guarded)
            {
                GuardedLiveCount++;
            }

            return m;
        }

        /// <summary>Moves the first <paramref name="bytes"/> of <paramref name="from"/>'s pages to <paramref name="to"/>
        /// (a moving mremap); false when the host cannot, and the caller copies.</summary>
        public bool TryMovePages(MappingInfo from, MappingInfo to, ulong bytes)
        {
            // Moved pages take map entries of their own: past the budget the bytes are copied instead.
            Slot source = from.Slot;
            Slot destination = to.Slot;
            if (!_budget.HasRoom(SlotAllocator.MoveCost(source)) ||
                !_slots.TryMovePages(ref source, ref destination, bytes))
            {
                return false;
            }

            from.Slot = source;
            to.Slot = destination;
            return true;
        }

        /// <summary>Takes back a mapping <see cref="Create"/> just made (a failed mremap): as if it never existed.</summary>
        public void Undo(MappingInfo fresh)
        {
            Slot slot = fresh.Slot;
            _ = _slots.Discard(ref slot);
            fresh.Slot = slot;
            _tree.Remove(fresh);
            Unlive(fresh);
            fresh.State = MappingState.Released;
        }

        // ------------------------------------------------------------------ retire

        /// <summary>
        /// Makes a live mapping inaccessible and quarantines it; when the budget has no room for the hole it would
        /// leave, the oldest holes are evicted first, and if that is not enough it is released at once. False when the
        /// host refused (nothing changed).
        /// </summary>
        public bool Retire(MappingInfo m, string destroyedBy, CapturedStack? destroyed, in CallerSite site)
        {
            bool quarantine = QuarantineMaxCount > 0 && QuarantineMaxBytes > 0;
            int cost = _slots.QuarantineCost(m.Slot);
            if (quarantine && cost > 0 && !_budget.HasRoom(cost))
            {
                EvictForEntries(cost);
                if (!_budget.HasRoom(cost))
                {
                    NoteBudgetReached();
                    quarantine = false;
                }
            }

            Slot slot = m.Slot;
            bool done = quarantine ? _slots.Decommit(ref slot) : _slots.Discard(ref slot);
            m.Slot = slot;
            if (!done)
            {
                return false;
            }

            MarkDestroyed(m, destroyedBy, destroyed, site);
            Unlive(m);
            if (!quarantine)
            {
                _tree.Remove(m);
                m.State = MappingState.Released;
                ReleasedWithoutQuarantine++;
                Remember(m);
                return true;
            }

            m.State = MappingState.Quarantined;
            var r = new Retired(++_retireSeq, m);
            if (SlotAllocator.EvictionFreesEntries(m.Slot))
            {
                _holding.Enqueue(r);
            }
            else
            {
                _merged.Enqueue(r);
            }

            QuarantinedBytes += m.Slot.Bytes;
            EvictToBounds(QuarantineMaxBytes, QuarantineMaxCount);
            return true;
        }

        // ------------------------------------------------------------------ evict

        public void EvictToBounds(ulong maxBytes, int maxCount)
        {
            while (QuarantinedCount > 0 && (QuarantinedCount > maxCount || QuarantinedBytes > maxBytes))
            {
                Queue<Retired> q = _holding.Count == 0 ? _merged
                    : _merged.Count == 0 ? _holding
                    : _holding.Peek().Seq < _merged.Peek().Seq ? _holding : _merged;
                Evict(q.Dequeue().Mapping);
            }
        }

        private void EvictForEntries(int needed)
        {
            while (_holding.Count > 0 && !_budget.HasRoom(needed))
            {
                Evict(_holding.Dequeue().Mapping);
                EvictionsForMapEntries++;
            }
        }

        private void Evict(MappingInfo m)
        {
            QuarantinedBytes -= m.Slot.Bytes;
            _tree.Remove(m);
            m.State = MappingState.Released;
            _slots.Free(m.Slot);
            Evictions++;
            Remember(m);
        }

        // ------------------------------------------------------------------ lookups

        /// <summary>The live or quarantined mapping containing <paramref name="address"/>, or null.</summary>
        public MappingInfo? Find(ulong address)
        {
            MappingInfo? m = _tree.Floor(address);
            return m != null && address - m.Start < m.SizeBytes ? m : null;
        }

        /// <summary>
        /// As <see cref="Find"/>, then the most recently evicted mapping that contained the address; with
        /// <paramref name="onlyStillReserved"/>, only while the address is still in the checker's own reservations
        /// (a fault there is a stale access; elsewhere the range may belong to someone else by now).
        /// </summary>
        public MappingInfo? FindIncludingEvicted(ulong address, bool onlyStillReserved = false)
        {
            MappingInfo? m = Find(address);
            if (m != null)
            {
                return m;
            }

            if (onlyStillReserved && !_slots.InChunk(address))
            {
                return null;
            }

            for (int i = 0; i < _historyCount; i++)
            {
                MappingInfo h = NewestHistory(i)!;
                if (address - h.Start < h.SizeBytes)
                {
                    return h;
                }
            }

            return null;
        }

        public void CopyTo(List<MappingInfo> all) => _tree.CopyTo(all);

        /// <summary>Adds the live mappings leak checks count to <paramref name="all"/>, in no order.</summary>
        public void CopyLeakCandidatesTo(List<MappingInfo> all) => all.AddRange(_leakCandidates);

        /// <summary>Exempts a live mapping from leak checks, or counts it again.</summary>
        public void SetLeakIgnored(MappingInfo m, bool ignored)
        {
            m.IsLeakIgnored = ignored;
            if (ignored)
            {
                _leakCandidates.Remove(m);
            }
            else if (m.State == MappingState.Live)
            {
                _leakCandidates.Add(m);
            }
        }

        public void CopyEvictedTo(List<MappingInfo> all)
        {
            for (int i = _historyCount - 1; i >= 0; i--)
            {
                all.Add(NewestHistory(i)!);
            }
        }

        // ------------------------------------------------------------------ internals

        private void NoteBudgetReached()
        {
            if (!BudgetReached)
            {
                BudgetReached = true;
                _budgetNotePending = true;
            }
        }

        private void Unlive(MappingInfo m)
        {
            _leakCandidates.Remove(m);
            LiveCount--;
            LiveBytes -= m.SizeBytes;
            if (m.Slot.Guarded)
            {
                GuardedLiveCount--;
            }
        }

        private static void MarkDestroyed(MappingInfo m, string destroyedBy, CapturedStack? destroyed, in CallerSite site)
        {
            System.Threading.Thread t = System.Threading.Thread.CurrentThread;
            m.DestroyedAt = site;
            m.DestroyedBy = destroyedBy;
            m.DestructionCapture = destroyed;
            m.DestroyedThreadId = t.ManagedThreadId;
            m.DestroyedThreadName = t.Name;
        }

        private void Remember(MappingInfo m)
        {
            if (_history.Length == 0)
            {
                return;
            }

            _history[_historyNext] = m;
            _historyNext = (_historyNext + 1) % _history.Length;
            if (_historyCount < _history.Length)
            {
                _historyCount++;
            }
        }

        // i = 0 is the most recently evicted.
        private MappingInfo? NewestHistory(int i)
        {
            int n = _history.Length;
            return _history[((_historyNext - 1 - i) % n + n) % n];
        }
    }
}
