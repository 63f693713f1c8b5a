// Where checked mappings live, and how many map entries (VMAs) they cost. Mappings are carved out of large
// inaccessible reservations ("chunks", 1 GiB of address space, no memory) of three kinds:
// - guarded chunks with guard regions (mappings up to 256 KiB where the host has them, Linux 6.13+; larger ones
//   would pay one page-table entry per page), [guard][data][guard][data]...: the chunk is made read/write in steps
//   from its start (its "frontier") with every page of a new step a guard region; a mapping removes the guard
//   regions of its data, and quarantining it puts them back (dropping its pages). Page tables alone change: the
//   chunk stays two entries (read/write part, inaccessible rest) whatever is live or quarantined, and a mapping
//   costs two madvise calls, cheaper than libc's mmap+munmap;
// - guarded chunks elsewhere, the same layout by protection changes: neighbours share one guard page, so a mapping
//   costs one mprotect to create and one in-place PROT_NONE remap to quarantine (the same two syscalls as raw
//   mmap+munmap); a live mapping splits the chunk's inaccessible VMA in three (+2 entries), a quarantined one
//   merges back (+0);
// - unguarded chunks, [data][data]... with no gaps: neighbours that are both read/write merge into one VMA, as
//   libc's mappings do, so a run of live mappings costs one entry; a quarantined one in the middle of a run costs
//   two, and an evicted one is made read/write again (its pages stay dropped) so the run merges back.
// Large mappings get a reservation of their own, with a guard page on each side when guarded.
// Entries are counted per reservation as if it stood alone (neighbouring reservations that merge only lower the
// real count), so the total is an upper bound of what the checker adds to the process's map, except where the
// kernel declines a merge the count expects (locked memory, ranges that never shared an anonymous-memory identity):
// such changes are counted as uncertain, and the budget's readings of the real count raise the total to it.
// Evicted slots are reused for the next mapping of the same size and kind; an emptied chunk is reset or released.
// Not thread-safe: the runtime calls it under its lock.
using System.Collections.Generic;
using CheckedMmap.Host;

namespace CheckedMmap.Registry
{
    internal sealed class Chunk
    {
        public ulong Base;
        public ulong Size;
        public ulong Bump;
        public int Used;
        public int Epoch;
        public bool Released;
        public bool Guarded;

        /// <summary>Guarded by guard regions: [Base, Base + Frontier) is read/write, every page of it not in a live slot
        /// a guard region; the rest is inaccessible. Fixed for the chunk's life.</summary>
        public bool GuardRegions;

        public ulong Frontier;

        /// <summary>A guard-region chunk where the kernel refused a guard region and a slot was quarantined by a
        /// protection change instead: it is released, not reused, once empty.</summary>
        public bool HasHoles;

        /// <summary>Map entries the reservation is split into (1 while it is all inaccessible).</summary>
        public int Entries = 1;

        /// <summary>Unguarded chunks: every carved slot by start (they tile [first start, Base + Bump)).</summary>
        public readonly Dictionary<ulong, Cell> Cells = new Dictionary<ulong, Cell>();

        /// <summary>Unguarded chunks: slot start by slot end, to find the left neighbour.</summary>
        public readonly Dictionary<ulong, ulong> StartByEnd = new Dictionary<ulong, ulong>();
    }

    /// <summary>One slot of an unguarded chunk: its size and whether it is read/write now.</summary>
    internal struct Cell
    {
        public ulong Bytes;
        public bool Accessible;
    }

    internal struct Slot
    {
        /// <summary>First byte of the data (the mapping's address).</summary>
        public ulong Address;

        /// <summary>Data bytes, host-page rounded.</summary>
        public ulong Bytes;

        /// <summary>The chunk it was carved from, or null for a reservation of its own.</summary>
        public Chunk? Chunk;

        public int Epoch;

        /// <summary>True when the slot has guard pages of its own on both sides.</summary>
        public bool Guarded;

        /// <summary>Map entries of pages moved into the slot's range (0: none). Each keeps its own entry, and moving the
        /// slot's pages on carries them along, one more where the move goes past them.</summary>
        public int MovedPieces;

        /// <summary>The bytes at the slot's start that those pieces cover.</summary>
        public ulong MovedBytes;

        /// <summary>Entries counted for the slot because of moves, in or out (an upper bound); quarantine replaces the
        /// slot's whole range, which merges back, and gives them back.</summary>
        public int SplitEntries;

        /// <summary>For a reservation of its own: the whole reservation, guards included.</summary>
        public ulong ReservationBase;

        public ulong ReservationSize;
    }

    internal sealed class SlotAllocator
    {
        /// <summary>The most entries a new mapping can add: a new reservation (1) split in three (+2).</summary>
        public const int WorstCaseNewMappingEntries = 3;

        private const int Inaccessible = 0;
        private const int ReadWrite = 1;
        private const int Edge = 2; // the end of a reservation: nothing to merge with (counted as not merging)

        // How far a guard-region chunk's read/write part grows at a time: one madvise guards a whole step (a few page-table
        // pages), so most mappings only remove guard regions.
        private const ulong FrontierStep = 4UL << 20;

        // Guard regions change one page-table entry per page, protection changes one map entry per call: regions are
        // cheaper up to a few hundred KiB, protection changes past that (for memory that is mapped and not touched).
        private const ulong GuardRegionSlotLimit = 256UL << 10;

        private enum ChunkKind
        {
            Unguarded,
            GuardedByProtection,
            GuardedByRegions,
        }

        /// <summary>Tests of the protection-change layout turn guard regions off for the chunks made after.</summary>
        internal static volatile bool GuardRegionsDisabledForTests;

        private readonly struct FreeSlot
        {
            public FreeSlot(Chunk chunk, int epoch, ulong address)
            {
                Chunk = chunk;
                Epoch = epoch;
                Address = address;
            }

            public Chunk Chunk { get; }
            public int Epoch { get; }
            public ulong Address { get; }
        }

        private readonly HostMemory _host;
        private readonly ulong _chunkSize;
        private readonly ulong _ownReservationThreshold;
        private readonly Dictionary<ulong, Stack<FreeSlot>> _freeGuarded = new Dictionary<ulong, Stack<FreeSlot>>();
        private readonly Dictionary<ulong, Stack<FreeSlot>> _freeUnguarded = new Dictionary<ulong, Stack<FreeSlot>>();
        private readonly List<Chunk> _chunks = new List<Chunk>();
        private readonly Chunk?[] _current = new Chunk?[3]; // by ChunkKind
        private Chunk? _spare;
        private int _chunkEntries;
        private int _ownEntries;
        private int _uncounted;
        private readonly Dictionary<ulong, ulong> _ownReservations = new Dictionary<ulong, ulong>();

        public SlotAllocator(HostMemory host)
        {
            _host = host;
            _chunkSize = System.IntPtr.Size == 8 ? 1UL << 30 : 64UL << 20;
            _ownReservationThreshold = _chunkSize / 16;
        }

        /// <summary>Slot alignment: the emulated page size or the host page, whichever is larger.</summary>
        public ulong Alignment { get; private set; }

        public int ChunkCount => _chunks.Count;

        public ulong HostPage => _host.PageSize;

        /// <summary>True when new guarded mappings of up to 256 KiB use guard regions: their guard pages and quarantine
        /// cost no map entry.</summary>
        public bool UsesGuardRegions => _host.HasGuardRegions && !GuardRegionsDisabledForTests && !GuardRegionsRefused;

        /// <summary>
        /// True once the kernel refused a guard-region call that the probe said works (memory locked with mlock or
        /// mlockall refuses them): from then on new mappings use protection changes, and the refused one falls back.
        /// </summary>
        public bool GuardRegionsRefused { get; private set; }

        /// <summary>True when a new guarded mapping of <paramref name="bytes"/> would use guard regions.</summary>
        public bool GuardsByRegions(ulong bytes) => KindOf(RoundToHostPage(bytes), true) == ChunkKind.GuardedByRegions;

        /// <summary>Map entries the checker's reservations are split into now (an upper bound, see the file's comment).</summary>
        public int Entries => _chunkEntries + _ownEntries + _uncounted;

        /// <summary>True when <paramref name="address"/> lies in one of the checker's chunks (reserved by it, whatever is there now).</summary>
        public bool InChunk(ulong address)
        {
            foreach (Chunk c in _chunks)
            {
                if (address - c.Base < c.Size)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Adds the range of every reservation (chunks and mappings' own) to <paramref name="ranges"/>.</summary>
        public void CopyReservations(List<(ulong Base, ulong Size)> ranges)
        {
            foreach (Chunk c in _chunks)
            {
                ranges.Add((c.Base, c.Size));
            }

            foreach (KeyValuePair<ulong, ulong> own in _ownReservations)
            {
                ranges.Add((own.Key, own.Value));
            }
        }

        /// <summary>
        /// Changes since the last <see cref="Resync"/> whose count rests on the kernel merging ranges back (evicted
        /// unguarded slots, refused guard regions), which it may not do: the budget counts each as one more entry.
        /// </summary>
        public int UnsureChanges { get; private set; }

        /// <summary>Takes the real number of entries in the reservations (read from the host): where it is above the count,
        /// the difference is carried until the next reading, so <see cref="Entries"/> is never below the truth it read.</summary>
        public void Resync(int realEntries)
        {
            _uncounted = System.Math.Max(0, realEntries - (_chunkEntries + _ownEntries));
            UnsureChanges = 0;
        }

        /// <summary>Changes layout parameters. Only call when no slot is in use (no live or quarantined mapping).</summary>
        public void Configure(ulong emulatedPageSize)
        {
            ulong hostPage = _host.PageSize;
            Alignment = emulatedPageSize > hostPage ? emulatedPageSize : hostPage;
            _freeGuarded.Clear();
            _freeUnguarded.Clear();
            foreach (Chunk c in _chunks)
            {
                c.Epoch++;
                c.Bump = 0;
            }
        }

        /// <summary>Rounds up to a host page. A size that cannot be rounded saturates to ulong.MaxValue, which no
        /// reservation can satisfy (TryAllocate then fails with ENOMEM) instead of wrapping to a 0-byte slot.</summary>
        public ulong RoundToHostPage(ulong bytes) => RoundUp(bytes, _host.PageSize);

        /// <summary>
        /// Finds room for <paramref name="bytes"/> (host-page rounded) and makes it read/write (zero-filled), with guard
        /// pages of its own or placed to merge with its neighbours. False when the host refuses.
        /// </summary>
        public bool TryAllocate(ulong bytes, bool guarded, out Slot slot)
        {
            slot = default;
            if (bytes > _ownReservationThreshold)
            {
                return TryAllocateOwnReservation(bytes, guarded, out slot);
            }

            if (!guarded)
            {
                // No gaps between unguarded slots, whatever the alignment: the slack after a slot belongs to it.
                bytes = RoundUp(bytes, Alignment);
            }

            if (TryReuse(bytes, guarded, out slot))
            {
                return true;
            }

            ChunkKind kind = KindOf(bytes, guarded);
            bool regions = kind == ChunkKind.GuardedByRegions;
            Chunk? chunk = _current[(int)kind];
            if (chunk == null || !Fits(chunk, bytes, out _))
            {
                // A spare chunk that already has a read/write part serves only as a guard-region chunk again.
                chunk = _spare != null && _spare.GuardRegions == regions ? _spare : NewChunk();
                if (chunk == null)
                {
                    return false;
                }

                if (chunk == _spare)
                {
                    _spare = null;
                }

                chunk.Guarded = guarded;
                chunk.GuardRegions = regions;
                Chunk? previous = _current[(int)kind];
                _current[(int)kind] = chunk;
                if (previous != null && previous.Used == 0)
                {
                    ResetOrRelease(previous);
                }

                if (!Fits(chunk, bytes, out _))
                {
                    return false;
                }
            }

            Fits(chunk, bytes, out ulong start);
            int split = 0;
            if (chunk.GuardRegions)
            {
                if (!Unguard(chunk, start, bytes, out split))
                {
                    // Refused guard regions make this kind protection changes from now on: one more try that way.
                    return GuardRegionsRefused && guarded && TryAllocate(bytes, guarded, out slot);
                }

                chunk.Bump = start + bytes + _host.PageSize - chunk.Base;
            }
            else if (!_host.Commit(start, bytes))
            {
                return false;
            }
            else if (guarded)
            {
                SetChunkEntries(chunk, chunk.Entries + 2);
                chunk.Bump = start + bytes + _host.PageSize - chunk.Base;
            }
            else
            {
                ulong end = start + bytes;
                int left = chunk.Bump == 0 ? (start > chunk.Base ? Inaccessible : Edge) : StateEndingAt(chunk, start);
                int right = end < chunk.Base + chunk.Size ? Inaccessible : Edge;
                SetChunkEntries(chunk, chunk.Entries + Delta(left, Inaccessible, ReadWrite, right));
                chunk.Cells[start] = new Cell { Bytes = bytes, Accessible = true };
                chunk.StartByEnd[end] = start;
                chunk.Bump = end - chunk.Base;
            }

            chunk.Used++;
            slot = new Slot { Address = start, Bytes = bytes, Chunk = chunk, Epoch = chunk.Epoch, Guarded = guarded, SplitEntries = split };
            return true;
        }

        private ChunkKind KindOf(ulong bytes, bool guarded) =>
            !guarded ? ChunkKind.Unguarded
            : bytes <= GuardRegionSlotLimit && UsesGuardRegions ? ChunkKind.GuardedByRegions
            : ChunkKind.GuardedByProtection;

        /// <summary>
        /// Makes a new slot of a guard-region chunk accessible: first grows the chunk's read/write part, all guard regions,
        /// to cover the slot and the guard page after it, then removes the slot's guard regions.
        /// </summary>
        private bool Unguard(Chunk c, ulong start, ulong bytes, out int split)
        {
            split = 0;
            ulong needed = start + bytes + _host.PageSize - c.Base;
            if (needed > c.Frontier)
            {
                ulong step = System.Math.Min(c.Size, System.Math.Max(needed, c.Frontier + FrontierStep));
                if (!Grow(c, step) && (step == needed || !Grow(c, needed)))
                {
                    return false;
                }
            }

            return RemoveGuardsOrRenew(c, start, bytes, ref split);
        }

        /// <summary>Makes a guarded slot accessible and zero; where the kernel refuses, a fresh read/write mapping in
        /// place does it, counted as split (+2) until quarantine replaces the range.</summary>
        private bool RemoveGuardsOrRenew(Chunk c, ulong start, ulong bytes, ref int split)
        {
            if (_host.RemoveGuards(start, bytes))
            {
                return true;
            }

            GuardRegionsRefused = true;
            UnsureChanges++;
            if (!_host.Renew(start, bytes))
            {
                return false;
            }

            split += 2;
            SetChunkEntries(c, c.Entries + 2);
            return true;
        }

        private bool Grow(Chunk c, ulong frontier)
        {
            ulong from = c.Base + c.Frontier;
            ulong size = frontier - c.Frontier;

            // Read/write first (charged to the commit as libc's would be), then guarded before any slot is handed out in it.
            if (!_host.Commit(from, size))
            {
                return false;
            }

            if (!_host.InstallGuards(from, size))
            {
                GuardRegionsRefused = true;
                UnsureChanges++;
                _ = _host.Decommit(from, size);
                return false;
            }

            // [read/write][inaccessible] is two entries, one when either part is empty (splits by moves come on top).
            int before = c.Frontier == 0 ? 1 : 2;
            int after = frontier == c.Size ? 1 : 2;
            c.Frontier = frontier;
            SetChunkEntries(c, c.Entries + after - before);
            return true;
        }

        /// <summary>
        /// Moves the first <paramref name="bytes"/> (host-page multiple) of one slot's pages to another's start and
        /// counts the map entries that adds. False when the host cannot, or when the source is already in
        /// <see cref="MaxMovedPieces"/> pieces (the caller copies, and the new range is one piece again).
        /// </summary>
        public bool TryMovePages(ref Slot from, ref Slot to, ulong bytes)
        {
            if (from.MovedPieces >= MaxMovedPieces || !_host.TryMovePages(from.Address, to.Address, bytes))
            {
                return false;
            }

            // The destination: the pieces it receives (the source's, plus one where the move goes past them) between the
            // two halves of the entry it lands in. The source: the kernel leaves its range in place, but a split there
            // is counted too (+2 once), as an upper bound.
            int received = bytes <= from.MovedBytes ? from.MovedPieces : from.MovedPieces + 1;
            to.MovedPieces = received;
            to.MovedBytes = bytes;
            AddSplit(ref to, received + 1);
            if (from.SplitEntries == 0)
            {
                AddSplit(ref from, 2);
            }

            return true;
        }

        /// <summary>The most map entries moving <paramref name="from"/>'s pages into another slot adds (see <see cref="TryMovePages"/>).</summary>
        public static int MoveCost(in Slot from) => from.MovedPieces + 2 + (from.SplitEntries == 0 ? 2 : 0);

        /// <summary>Pieces a range may be moved in before a moving mremap copies instead (a buffer grown again and again
        /// would otherwise take one map entry more each time).</summary>
        public const int MaxMovedPieces = 3;

        private void AddSplit(ref Slot slot, int entries)
        {
            slot.SplitEntries += entries;
            AddEntries(slot, entries);
        }

        /// <summary>The map entries that quarantining this live slot adds (negative when it frees some).</summary>
        public int QuarantineCost(in Slot slot)
        {
            if (slot.Chunk is { GuardRegions: true })
            {
                // Once the kernel has refused a guard region, a quarantine may fall back to a protection change (+2).
                return GuardRegionsRefused ? 2 : 0;
            }

            if (slot.Chunk == null || slot.Guarded)
            {
                return -2;
            }

            Chunk c = slot.Chunk;
            return Delta(LeftState(c, slot.Address), ReadWrite, Inaccessible, RightState(c, slot.Address + slot.Bytes));
        }

        /// <summary>True when evicting this quarantined slot gives map entries back (unguarded or a reservation of its own).</summary>
        public static bool EvictionFreesEntries(in Slot slot) => slot.Chunk == null || !slot.Guarded;

        /// <summary>Makes a live slot inaccessible and drops its pages (quarantine); it stays reserved.</summary>
        public bool Decommit(ref Slot slot)
        {
            if (slot.Chunk is { GuardRegions: true } c)
            {
                return QuarantineInRegions(c, ref slot);
            }

            int cost = QuarantineCost(slot);
            if (slot.Chunk != null && !slot.Guarded)
            {
                _host.PrepareToSplit(slot.Address);
            }

            if (!_host.Decommit(slot.Address, slot.Bytes))
            {
                return false;
            }

            // The in-place remap replaced moved pieces too: the range merges like any other.
            AddEntries(slot, cost - slot.SplitEntries);
            slot.SplitEntries = 0;
            if (slot.Chunk != null && !slot.Guarded)
            {
                SetAccessible(slot.Chunk, slot.Address, false);
            }

            return true;
        }

        private bool QuarantineInRegions(Chunk c, ref Slot slot)
        {
            if (slot.SplitEntries == 0 && _host.InstallGuards(slot.Address, slot.Bytes))
            {
                return true;
            }

            // Moved pieces: a fresh mapping over the range merges back into the chunk's entry, then the guard regions.
            if (slot.SplitEntries != 0 && _host.Renew(slot.Address, slot.Bytes) && _host.InstallGuards(slot.Address, slot.Bytes))
            {
                SetChunkEntries(c, c.Entries - slot.SplitEntries);
                slot.SplitEntries = 0;
                return true;
            }

            // The kernel refused the guard region (locked memory): quarantine by a protection change instead, an
            // inaccessible entry of its own (+2 on top of whatever is still counted) until the chunk is released.
            GuardRegionsRefused = true;
            UnsureChanges++;
            if (!_host.Decommit(slot.Address, slot.Bytes))
            {
                return false;
            }

            SetChunkEntries(c, c.Entries + 2);
            c.HasHoles = true;
            return true;
        }

        /// <summary>Returns an inaccessible (decommitted) slot for reuse, or its reservation to the OS.</summary>
        public void Free(in Slot slot)
        {
            if (slot.Chunk == null)
            {
                _host.Release(slot.ReservationBase, slot.ReservationSize);
                _ownReservations.Remove(slot.ReservationBase);
                _ownEntries -= 1;
                return;
            }

            Chunk c = slot.Chunk;
            if (c.Released || c.Epoch != slot.Epoch)
            {
                return;
            }

            if (!slot.Guarded)
            {
                // Read/write again (no pages: they were dropped) so that the run it sits in merges back into one entry.
                // If the host refuses, the slot stays inaccessible and is made read/write when it is reused.
                int cost = Delta(LeftState(c, slot.Address), Inaccessible, ReadWrite, RightState(c, slot.Address + slot.Bytes));
                UnsureChanges++;
                if (_host.Commit(slot.Address, slot.Bytes))
                {
                    SetChunkEntries(c, c.Entries + cost);
                    SetAccessible(c, slot.Address, true);
                }
            }

            Release(c, slot);
        }

        /// <summary>
        /// Gives a live slot back without quarantining it: its pages are dropped; an unguarded slot stays read/write so
        /// that no map entry is added (used when the map-entry budget has no room for a quarantined range).
        /// </summary>
        public bool Discard(ref Slot slot)
        {
            if (slot.Chunk is { GuardRegions: true } c && !_host.InstallGuards(slot.Address, slot.Bytes))
            {
                // Refused (locked memory) and no room for a protection change: the pages are dropped and the slot stays
                // read/write, unguarded, in a chunk that is released rather than reused once empty.
                GuardRegionsRefused = true;
                UnsureChanges++;
                if (!_host.Zero(slot.Address, slot.Bytes))
                {
                    return false;
                }

                c.HasHoles = true;
                Release(c, slot);
                return true;
            }

            if (slot.Chunk == null || slot.Guarded)
            {
                if (!Decommit(ref slot))
                {
                    return false;
                }

                Free(slot);
                return true;
            }

            if (!_host.Zero(slot.Address, slot.Bytes))
            {
                return false;
            }

            Release(slot.Chunk, slot);
            return true;
        }

        /// <summary>Live slots' pages: zero-filled again (used to undo a half-done mremap).</summary>
        public bool Zero(in Slot slot) => _host.Zero(slot.Address, slot.Bytes);

        private void Release(Chunk c, in Slot slot)
        {
            c.Used--;
            if (c.Used == 0)
            {
                ResetOrRelease(c);
                return;
            }

            Dictionary<ulong, Stack<FreeSlot>> free = slot.Guarded ? _freeGuarded : _freeUnguarded;
            if (!free.TryGetValue(slot.Bytes, out Stack<FreeSlot>? stack))
            {
                stack = new Stack<FreeSlot>();
                free.Add(slot.Bytes, stack);
            }

            stack.Push(new FreeSlot(c, c.Epoch, slot.Address));
            if (stack.Count >= 4096 && (stack.Count & (stack.Count - 1)) == 0)
            {
                // Entries of reset or released chunks are dropped lazily on pop; a size nobody asks for again
                // would keep them forever, so compact now and then (amortised O(1)).
                FreeSlot[] all = stack.ToArray();
                stack.Clear();
                for (int i = all.Length - 1; i >= 0; i--)
                {
                    if (!all[i].Chunk.Released && all[i].Chunk.Epoch == all[i].Epoch)
                    {
                        stack.Push(all[i]);
                    }
                }
            }
        }

        private bool TryReuse(ulong bytes, bool guarded, out Slot slot)
        {
            slot = default;
            Dictionary<ulong, Stack<FreeSlot>> free = guarded ? _freeGuarded : _freeUnguarded;
            if (!free.TryGetValue(bytes, out Stack<FreeSlot>? stack))
            {
                return false;
            }

            // Slots of the other guarded kind (guard regions turned off or refused since) are dropped, not reused.
            bool regions = KindOf(bytes, guarded) == ChunkKind.GuardedByRegions;
            while (stack.Count > 0)
            {
                FreeSlot f = stack.Pop();
                Chunk c = f.Chunk;
                if (c.Released || c.Epoch != f.Epoch || c.GuardRegions != regions)
                {
                    continue;
                }

                bool ok;
                int split = 0;
                if (c.GuardRegions)
                {
                    ok = RemoveGuardsOrRenew(c, f.Address, bytes, ref split);
                }
                else if (guarded)
                {
                    ok = _host.Commit(f.Address, bytes);
                    if (ok)
                    {
                        SetChunkEntries(c, c.Entries + 2);
                    }
                }
                else if (c.Cells[f.Address].Accessible)
                {
                    // Read/write already (it was evicted that way): only its pages need dropping, for zero fill.
                    ok = _host.Zero(f.Address, bytes);
                }
                else
                {
                    int cost = Delta(LeftState(c, f.Address), Inaccessible, ReadWrite, RightState(c, f.Address + bytes));
                    ok = _host.Commit(f.Address, bytes);
                    if (ok)
                    {
                        SetChunkEntries(c, c.Entries + cost);
                        SetAccessible(c, f.Address, true);
                    }
                }

                if (!ok)
                {
                    stack.Push(f);
                    return false;
                }

                c.Used++;
                slot = new Slot { Address = f.Address, Bytes = bytes, Chunk = c, Epoch = f.Epoch, Guarded = guarded, SplitEntries = split };
                return true;
            }

            return false;
        }

        private void AddEntries(in Slot slot, int delta)
        {
            if (slot.Chunk == null)
            {
                _ownEntries += delta;
            }
            else
            {
                SetChunkEntries(slot.Chunk, slot.Chunk.Entries + delta);
            }
        }

        private void SetChunkEntries(Chunk c, int entries)
        {
            _chunkEntries += entries - c.Entries;
            c.Entries = entries;
        }

        private static void SetAccessible(Chunk c, ulong start, bool accessible)
        {
            Cell cell = c.Cells[start];
            cell.Accessible = accessible;
            c.Cells[start] = cell;
        }

        private static int StateEndingAt(Chunk c, ulong end) =>
            c.StartByEnd.TryGetValue(end, out ulong start) ? (c.Cells[start].Accessible ? ReadWrite : Inaccessible) : Inaccessible;

        private static int LeftState(Chunk c, ulong start) =>
            start == c.Base ? Edge : StateEndingAt(c, start);

        private static int RightState(Chunk c, ulong end)
        {
            if (end == c.Base + c.Size)
            {
                return Edge;
            }

            return c.Cells.TryGetValue(end, out Cell next) && next.Accessible ? ReadWrite : Inaccessible;
        }

        // The change in the number of runs (map entries) when one slot between two neighbours changes state.
        private static int Delta(int left, int before, int after, int right) =>
            Differs(left, after) + Differs(after, right) - Differs(left, before) - Differs(before, right);

        private static int Differs(int a, int b) => a == Edge || b == Edge || a == b ? 0 : 1;

        private static ulong RoundUp(ulong bytes, ulong unit)
        {
            ulong rem = bytes % unit;
            if (rem == 0)
            {
                return bytes;
            }

            return bytes > ulong.MaxValue - (unit - rem) ? ulong.MaxValue : bytes + (unit - rem);
        }

        private bool Fits(Chunk c, ulong bytes, out ulong start)
        {
            ulong guard = c.Guarded ? _host.PageSize : 0;
            ulong lowest = c.Base + (c.Bump == 0 ? guard : c.Bump);
            start = (lowest + Alignment - 1) / Alignment * Alignment;
            return start - c.Base <= c.Size && c.Size - (start - c.Base) >= bytes + guard && bytes + guard >= bytes;
        }

        private Chunk? NewChunk()
        {
            ulong b = _host.Reserve(_chunkSize);
            if (b == 0)
            {
                return null;
            }

            var c = new Chunk { Base = b, Size = _chunkSize };
            _chunks.Add(c);
            _chunkEntries += c.Entries;
            return c;
        }

        private void ResetOrRelease(Chunk c)
        {
            // Every slot of an emptied guarded chunk is already inaccessible with no pages: forget them and start over.
            // An unguarded one may hold read/write evicted slots: one in-place remap makes it inaccessible again.
            bool hasReadWrite = !c.Guarded && c.Bump != 0;
            ulong used = c.Bump;
            c.Epoch++;
            c.Bump = 0;
            c.Cells.Clear();
            c.StartByEnd.Clear();
            int index = System.Array.IndexOf(_current, c);
            bool current = index >= 0;
            bool keep = (current || c == _spare || _spare == null) && !c.HasHoles;
            if (keep && hasReadWrite && !_host.Decommit(c.Base, used))
            {
                keep = false;
            }

            if (keep)
            {
                // A guard-region chunk keeps its read/write part, all guard regions again.
                SetChunkEntries(c, c.GuardRegions ? c.Entries : 1);
                if (!current)
                {
                    _spare = c;
                }

                return;
            }

            if (current)
            {
                _current[index] = null;
            }

            if (c == _spare)
            {
                _spare = null;
            }

            c.Released = true;
            _chunks.Remove(c);
            _chunkEntries -= c.Entries;
            _host.Release(c.Base, c.Size);
        }

        private bool TryAllocateOwnReservation(ulong bytes, bool guarded, out Slot slot)
        {
            slot = default;
            ulong hostPage = _host.PageSize;
            ulong guard = guarded ? hostPage : 0;
            ulong slack = Alignment > hostPage ? Alignment : 0;
            if (bytes > ulong.MaxValue / 2 || bytes + 2 * guard + slack < bytes)
            {
                return false;
            }

            ulong size = bytes + 2 * guard + slack;
            ulong b = _host.Reserve(size);
            if (b == 0)
            {
                return false;
            }

            ulong start = (b + guard + Alignment - 1) / Alignment * Alignment;
            if (!_host.Commit(start, bytes))
            {
                // The host's commit charge refused the accessible part (overcommit policy): ENOMEM, as libc's mmap.
                _host.Release(b, size);
                return false;
            }

            // Counted as [inaccessible][read/write][inaccessible] whether or not there are guards (an upper bound).
            _ownEntries += 3;
            _ownReservations[b] = size;
            slot = new Slot { Address = start, Bytes = bytes, ReservationBase = b, ReservationSize = size, Guarded = guarded };
            return true;
        }
    }
}
