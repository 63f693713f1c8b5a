using System;
using Allocators;

namespace Allocators.Demo
{
    /// <summary>
    /// A day in the life of the sample arena: small allocations, one large buffer, then Dispose. Dispose unmaps the
    /// large buffer's chunk with the ordinary chunk size (the sample's deliberate bug). On libc nothing visible
    /// happens; on CheckedMmap the partial munmap is reported with the stack that mapped the chunk.
    /// </summary>
    internal static unsafe class Program
    {
        private static int Main()
        {
#if CHECKED
            Console.WriteLine("Binding: CheckedMmap.Mman (built with -p:CheckedMmap=true, so CHECKED is defined)");
#else
            Console.WriteLine("Binding: libc (Allocators.Libc, plain [DllImport] calls)");
#endif
            var arena = new Arena(64 * 1024);
            for (int i = 0; i < 1000; i++)
            {
                *(int*)arena.Allocate(sizeof(int)) = i;
            }

            byte* frame = (byte*)arena.Allocate(1024 * 1024); // a large request: it gets a 1 MiB chunk of its own
            frame[1024 * 1024 - 1] = 42;
            ArenaChunk large = arena.Chunks[arena.Chunks.Count - 1];
            Console.WriteLine($"Arena mapped {arena.Chunks.Count} chunks, {arena.BytesMapped} bytes; the large one is {large.Length} bytes at 0x{large.Address:x}.");

            try
            {
                arena.Dispose();
            }
#if CHECKED
            catch (CheckedMmap.UndefinedBehaviorException error)
            {
                Console.WriteLine("arena.Dispose() threw CheckedMmap.UndefinedBehaviorException:");
                Console.WriteLine();
                Console.WriteLine(error.Report);
                Console.WriteLine($"The fix: Arena.ReleaseChunk must unmap chunk.Length ({large.Length}), not the chunk size ({arena.ChunkSize}).");
                return 0;
            }
#endif
            finally
            {
                Console.Out.Flush();
            }

#if CHECKED
            Console.Error.WriteLine("CheckedMmap did not report the partial munmap: the checked runtime is broken.");
            return 1;
#else
            Console.WriteLine("arena.Dispose() returned normally: libc's munmap returned 0 for every chunk.");
            Console.WriteLine($"Yet only {arena.ChunkSize} of the large chunk's {large.Length} bytes were unmapped: the rest stays mapped, leaked, and nothing said so.");
            Console.WriteLine("Build with -p:CheckedMmap=true to run the same code on CheckedMmap.Mman.");
            return 0;
#endif
        }
    }
}
