#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = Allocators.Libc;
#endif
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Allocators
{
    /// <summary>How an <see cref="Arena"/> maps its chunks.</summary>
    [Flags]
    public enum ArenaOptions
    {
        None = 0,

        /// <summary>Fault every page of a new chunk in at mmap time (MAP_POPULATE), so the hot path never page-faults.</summary>
        Prefault = 1,

        /// <summary>Map chunks without reserving swap for them (MAP_NORESERVE), for large, sparsely used arenas.</summary>
        NoReserve = 2,
    }

    /// <summary>One region an <see cref="Arena"/> obtained from a single mmap call.</summary>
    public readonly struct ArenaChunk
    {
        public ArenaChunk(nint address, nuint length)
        {
            Address = address;
            Length = length;
        }

        public nint Address { get; }

        public nuint Length { get; }
    }

    /// <summary>
    /// A bump allocator: memory comes from chunks mapped with mmap, allocations advance a cursor through the
    /// current chunk, a full chunk is followed by a new one, and nothing is freed individually. <see cref="Reset"/>
    /// rewinds to the first chunk and unmaps the others; <see cref="Dispose"/> unmaps everything.
    /// </summary>
    public sealed unsafe class Arena : IDisposable
    {
        public const uint DefaultChunkSize = 64 * 1024;

        private readonly nuint _chunkSize;
        private readonly ArenaOptions _options;
        private readonly List<ArenaChunk> _chunks = new List<ArenaChunk>();
        private nuint _used; // bytes used in the last chunk
        private bool _disposed;

        public Arena(nuint chunkSize = DefaultChunkSize, ArenaOptions options = ArenaOptions.None)
        {
            nuint page = PageSize;
            if (chunkSize == 0 || chunkSize % page != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"The chunk size must be a positive multiple of the page size ({page}).");
            }

            _chunkSize = chunkSize;
            _options = options;
        }

        /// <summary>The size of an ordinary chunk; a larger allocation gets a chunk of its own size.</summary>
        public nuint ChunkSize => _chunkSize;

        /// <summary>The chunks currently mapped, oldest first.</summary>
        public IReadOnlyList<ArenaChunk> Chunks => _chunks;

        /// <summary>Bytes currently mapped by this arena.</summary>
        public nuint BytesMapped
        {
            get
            {
                nuint total = 0;
                foreach (ArenaChunk chunk in _chunks)
                {
                    total += chunk.Length;
                }

                return total;
            }
        }

        private static nuint PageSize => (nuint)Native.PageSize;

        /// <summary>Allocates <paramref name="size"/> zero-initialised bytes aligned to <paramref name="alignment"/> (a power of two, at most a page).</summary>
        public void* Allocate(nuint size, nuint alignment = 16)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(Arena));
            }

            if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > PageSize)
            {
                throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two no larger than a page.");
            }

            if (size == 0)
            {
                size = 1;
            }

            if (_chunks.Count > 0)
            {
                ArenaChunk current = _chunks[_chunks.Count - 1];
                nuint start = (_used + alignment - 1) & ~(alignment - 1);
                if (start <= current.Length && size <= current.Length - start)
                {
                    _used = start + size;
                    return (void*)(current.Address + (nint)start);
                }
            }

            ArenaChunk chunk = MapChunk(size);
            _used = size;
            return (void*)chunk.Address;
        }

        /// <summary>Allocates room for <paramref name="count"/> values of <typeparamref name="T"/>, zero-initialised.</summary>
        public Span<T> Allocate<T>(int count)
            where T : unmanaged
        {
            if (count < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            nuint alignment = (nuint)Math.Min(sizeof(T), 16);
            alignment = (alignment & (alignment - 1)) == 0 ? alignment : 16;
            void* memory = Allocate((nuint)count * (nuint)sizeof(T), alignment);
            return new Span<T>(memory, count);
        }

        /// <summary>Forgets every allocation: keeps the first chunk for reuse (zeroing what was used of it) and unmaps the rest.</summary>
        public void Reset()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(Arena));
            }

            while (_chunks.Count > 1)
            {
                ReleaseChunk(_chunks[_chunks.Count - 1]);
                _chunks.RemoveAt(_chunks.Count - 1);
            }

            if (_chunks.Count == 1)
            {
                // Callers rely on fresh memory being zero, as it is straight from mmap.
                ArenaChunk first = _chunks[0];
                new Span<byte>((void*)first.Address, (int)Math.Min((ulong)first.Length, int.MaxValue)).Clear();
            }

            _used = 0;
        }

        /// <summary>Unmaps every chunk. Newest first, and a chunk leaves <see cref="Chunks"/> only once it is unmapped.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            while (_chunks.Count > 0)
            {
                ReleaseChunk(_chunks[_chunks.Count - 1]);
                _chunks.RemoveAt(_chunks.Count - 1);
            }

            _disposed = true;
        }

        private ArenaChunk MapChunk(nuint minimumLength)
        {
            nuint page = PageSize;
            if (minimumLength > nuint.MaxValue - page)
            {
                throw new OutOfMemoryException($"Arena: an allocation of {minimumLength} bytes cannot be mapped.");
            }

            nuint length = minimumLength <= _chunkSize ? _chunkSize : (minimumLength + page - 1) & ~(page - 1);

            int flags = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;
            if ((_options & ArenaOptions.Prefault) != 0)
            {
                flags |= Libc.MAP_POPULATE;
            }

            if ((_options & ArenaOptions.NoReserve) != 0)
            {
                flags |= Libc.MAP_NORESERVE;
            }

            nint address = Native.mmap(0, length, Native.PROT_READ | Native.PROT_WRITE, flags, -1, 0);
            if (address == Native.MAP_FAILED)
            {
                throw new OutOfMemoryException($"Arena: mmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            var chunk = new ArenaChunk(address, length);
            _chunks.Add(chunk);
            return chunk;
        }

        private void ReleaseChunk(ArenaChunk chunk)
        {
            // THE DELIBERATE BUG of this sample: every chunk is unmapped with the arena's chunk size, but a chunk
            // mapped for a large allocation (see MapChunk) is longer. libc accepts the partial munmap, returns 0 and
            // leaks the chunk's tail; CheckedMmap reports Undefined Behavior and shows where the chunk was mapped.
            // The fix: Native.munmap(chunk.Address, chunk.Length).
            if (Native.munmap(chunk.Address, _chunkSize) != 0)
            {
                throw new InvalidOperationException($"Arena: munmap failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }
}
