// Where checked mappings live. Small and medium mappings are carved out of large inaccessible reservations
// ("chunks", 1 GiB of address space, no memory) as [guard][data][guard][data]...: neighbours share one guard
// page, so a mapping costs one mprotect to create and one in-place PROT_NONE remap to quarantine (the same two
// syscalls as raw mmap+munmap), and a quarantined slot merges with the guards around it into one VMA.
// Evicted slots are reused for the next mapping of the same size; an emptied chunk is reset or released.
// Large mappings get a reservation of their own with a guard page on each side.
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

        /// <summary>For a reservation of its own: the whole reservation, guards included.</summary>
        public ulong ReservationBase;

        public ulong ReservationSize;
    }

    internal sealed class SlotAllocator
    {
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
        private readonly Dictionary<ulong, Stack<FreeSlot>> _free = new Dictionary<ulong, Stack<FreeSlot>>();
        private readonly List<Chunk> _chunks = new List<Chunk>();
        private Chunk? _current;
        private Chunk? _spare;

        public SlotAllocator(HostMemory host)
        {
            _host = host;
            _chunkSize = System.IntPtr.Size == 8 ? 1UL << 30 : 64UL << 20;
            _ownReservationThreshold = _chunkSize / 16;
        }

        /// <summary>Guard bytes between slots: one host page, or 0 when guard pages are off.</summary>
        public ulong Guard { get; private set; }

        /// <summary>Slot alignment: the emulated page size or the host page, whichever is larger.</summary>
        public ulong Alignment { get; private set; }

        public int ChunkCount => _chunks.Count;

        public ulong HostPage => _host.PageSize;

        /// <summary>Changes layout parameters. Only call when no slot is in use (no live or quarantined mapping).</summary>
        public void Configure(ulong emulatedPageSize, bool guardPages)
        {
            ulong hostPage = _host.PageSize;
            Guard = guardPages ? hostPage : 0;
            Alignment = emulatedPageSize > hostPage ? emulatedPageSize : hostPage;
            _free.Clear();
            foreach (Chunk c in _chunks)
            {
                c.Epoch++;
                c.Bump = 0;
            }
        }

        /// <summary>Rounds up to a host page. A size that cannot be rounded saturates to ulong.MaxValue, which no
        /// reservation can satisfy (TryAllocate then fails with ENOMEM) instead of wrapping to a 0-byte slot.</summary>
        public ulong RoundToHostPage(ulong bytes)
        {
            ulong p = _host.PageSize;
            ulong rem = bytes % p;
            if (rem == 0)
            {
                return bytes;
            }

            return bytes > ulong.MaxValue - (p - rem) ? ulong.MaxValue : bytes + (p - rem);
        }

        /// <summary>Finds room for <paramref name="bytes"/> (host-page rounded) and makes it read/write (zero-filled). False when the host refuses.</summary>
        public bool TryAllocate(ulong bytes, out Slot slot)
        {
            slot = default;
            if (bytes > _ownReservationThreshold)
            {
                return TryAllocateOwnReservation(bytes, out slot);
            }

            if (_free.TryGetValue(bytes, out Stack<FreeSlot>? stack))
            {
                while (stack.Count > 0)
                {
                    FreeSlot f = stack.Pop();
                    if (f.Chunk.Released || f.Chunk.Epoch != f.Epoch)
                    {
                        continue;
                    }

                    if (!_host.Commit(f.Address, bytes))
                    {
                        stack.Push(f);
                        return false;
                    }

                    f.Chunk.Used++;
                    slot = new Slot { Address = f.Address, Bytes = bytes, Chunk = f.Chunk, Epoch = f.Epoch };
                    return true;
                }
            }

            Chunk? chunk = _current;
            if (chunk == null || !Fits(chunk, bytes, out _))
            {
                chunk = _spare ?? NewChunk();
                if (chunk == null)
                {
                    return false;
                }

                if (chunk == _spare)
                {
                    _spare = null;
                }

                Chunk? previous = _current;
                _current = chunk;
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
            if (!_host.Commit(start, bytes))
            {
                return false;
            }

            chunk.Bump = start + bytes + Guard - chunk.Base;
            chunk.Used++;
            slot = new Slot { Address = start, Bytes = bytes, Chunk = chunk, Epoch = chunk.Epoch };
            return true;
        }

        /// <summary>Moves the first <paramref name="bytes"/> (host-page multiple) of one slot's pages to another's start.</summary>
        public bool TryMovePages(in Slot from, in Slot to, ulong bytes) => _host.TryMovePages(from.Address, to.Address, bytes);

        /// <summary>Makes a slot inaccessible and drops its pages (quarantine); it stays reserved.</summary>
        public bool Decommit(in Slot slot) => _host.Decommit(slot.Address, slot.Bytes);

        /// <summary>Returns an inaccessible (decommitted) slot for reuse, or its reservation to the OS.</summary>
        public void Free(in Slot slot)
        {
            if (slot.Chunk == null)
            {
                _host.Release(slot.ReservationBase, slot.ReservationSize);
                return;
            }

            Chunk c = slot.Chunk;
            if (c.Released || c.Epoch != slot.Epoch)
            {
                return;
            }

            c.Used--;
            if (c.Used == 0)
            {
                ResetOrRelease(c);
                return;
            }

            if (!_free.TryGetValue(slot.Bytes, out Stack<FreeSlot>? stack))
            {
                stack = new Stack<FreeSlot>();
                _free.Add(slot.Bytes, stack);
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

        private bool Fits(Chunk c, ulong bytes, out ulong start)
        {
            ulong lowest = c.Base + (c.Bump == 0 ? Guard : c.Bump);
            start = (lowest + Alignment - 1) / Alignment * Alignment;
            return start - c.Base <= c.Size && c.Size - (start - c.Base) >= bytes + Guard;
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
            return c;
        }

        private void ResetOrRelease(Chunk c)
        {
            // Every slot of an emptied chunk is already inaccessible with no pages: forget them and start over.
            c.Epoch++;
            c.Bump = 0;
            if (c == _current || c == _spare)
            {
                return;
            }

            if (_spare == null)
            {
                _spare = c;
                return;
            }

            c.Released = true;
            _chunks.Remove(c);
            _host.Release(c.Base, c.Size);
        }

        private bool TryAllocateOwnReservation(ulong bytes, out Slot slot)
        {
            slot = default;
            ulong hostPage = _host.PageSize;
            ulong guard = Guard;
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
                _host.Release(b, size);
                return false;
            }

            slot = new Slot { Address = start, Bytes = bytes, ReservationBase = b, ReservationSize = size };
            return true;
        }
    }
}
