// The workload driver over the package's sample allocator (samples/Allocators, the swap idiom
// `#if CHECKED using Native = CheckedMmap.Mman; #else using Native = Allocators.Libc; #endif`). This file and the
// sample's sources are compiled twice: into CheckedMmap.Benchmarks.Workload.Checked (CHECKED defined) and
// CheckedMmap.Benchmarks.Workload.Unchecked, so the benchmark runs the same code both ways in one process.
using System;
using Allocators;

namespace CheckedMmap.Benchmarks.Workload
{
    /// <summary>Request-style use of arenas: each request gets its own <see cref="Arena"/> (default 64 KiB chunks),
    /// allocates many small objects (16 to 256 bytes), writes them in full, reads them back, and disposes the arena.</summary>
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
                    byte* p = (byte*)arena.Allocate((nuint)size);
                    new Span<byte>(p, size).Fill((byte)i);
                    checksum += p[size - 1] + *(long*)p;
                }

                done += n;
                chunks += arena.Chunks.Count;
            }

            return (checksum, chunks);
        }

        /// <summary>The sample's default chunk size, for the report.</summary>
        public static uint ChunkSize => Arena.DefaultChunkSize;
    }
}
