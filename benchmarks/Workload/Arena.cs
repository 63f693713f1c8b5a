// A bump arena on mmap, written the way users write one, with the swap idiom of the product: this one file is
// compiled twice, into CheckedMmap.Benchmarks.Workload.Checked (CHECKED defined: CheckedMmap.Mman) and
// CheckedMmap.Benchmarks.Workload.Unchecked (its own libc P/Invokes), so the benchmark runs the same code both ways.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = CheckedMmap.Benchmarks.Workload.Libc;
#endif

namespace CheckedMmap.Benchmarks.Workload
{
#if !CHECKED
    /// <summary>The user's own libc binding (Linux numbers).</summary>
    internal static class Libc
    {
        public const int PROT_READ = 0x1;
        public const int PROT_WRITE = 0x2;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20;
        public const nint MAP_FAILED = -1;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }
#endif

    /// <summary>A bump allocator over 1 MiB chunks obtained from mmap; everything is released at once.</summary>
    public sealed unsafe class Arena : IDisposable
    {
        public const int DefaultChunkSize = 1 << 20;

        private readonly int _chunkSize;
        private readonly List<(nint Address, nuint Length)> _chunks = new();
        private byte* _next;
        private byte* _end;

        public Arena(int chunkSize = DefaultChunkSize)
        {
            if (chunkSize <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(chunkSize));
            }

            _chunkSize = chunkSize;
        }

        /// <summary>Chunks mapped so far.</summary>
        public int ChunkCount => _chunks.Count;

        public byte* Allocate(int size, int alignment = 8)
        {
            byte* aligned = (byte*)(((nint)_next + (alignment - 1)) & ~(nint)(alignment - 1));
            if (_next == null || aligned + size > _end)
            {
                NewChunk(Math.Max(_chunkSize, size + alignment));
                aligned = (byte*)(((nint)_next + (alignment - 1)) & ~(nint)(alignment - 1));
            }

            _next = aligned + size;
            return aligned;
        }

        public void Dispose()
        {
            foreach ((nint address, nuint length) in _chunks)
            {
                if (Native.munmap(address, length) != 0)
                {
                    throw new InvalidOperationException($"munmap failed: errno {Marshal.GetLastPInvokeError()}");
                }
            }

            _chunks.Clear();
            _next = _end = null;
        }

        private void NewChunk(int size)
        {
            nuint length = (nuint)size;
            nint p = Native.mmap(0, length, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            if (p == Native.MAP_FAILED)
            {
                throw new OutOfMemoryException($"mmap of {size} bytes failed: errno {Marshal.GetLastPInvokeError()}");
            }

            _chunks.Add((p, length));
            _next = (byte*)p;
            _end = _next + size;
        }
    }

    /// <summary>Request-style use of arenas: each request gets an arena, allocates many small objects (16 to 256
    /// bytes), writes them, reads them back, and frees the arena in one go.</summary>
    public static unsafe class ArenaWorkload
    {
        /// <summary>Runs <paramref name="allocations"/> allocations, <paramref name="perArena"/> per arena; returns a
        /// checksum (so nothing is optimised away) and the number of chunks mapped.</summary>
        public static (long Checksum, int Chunks) Run(int allocations, int perArena, int seed)
        {
            var random = new Random(seed);
            long checksum = 0;
            int chunks = 0;
            for (int done = 0; done < allocations;)
            {
                using var arena = new Arena();
                int n = Math.Min(perArena, allocations - done);
                for (int i = 0; i < n; i++)
                {
                    int size = 16 + (random.Next(16) * 16);
                    byte* p = arena.Allocate(size);
                    new Span<byte>(p, size).Fill((byte)i);
                    checksum += p[size - 1] + *(long*)p;
                }

                done += n;
                chunks += arena.ChunkCount;
            }

            return (checksum, chunks);
        }
    }
}
