#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = App.Libc;
#endif
using System;

namespace App
{
    /// <summary>An allocator the analyzer has nothing to say about: every mmap is malloc-like.</summary>
    public static class PageRuns
    {
        public static nint MapRun(nuint length)
        {
            nint run = Native.mmap(0, length, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            if (run == Native.MAP_FAILED)
            {
                throw new OutOfMemoryException("mmap failed");
            }

            return run;
        }

        // The bug under test: unmaps only the first page of a run.
        public static int UnmapFirstPage(nint run) => Native.munmap(run, (nuint)Environment.SystemPageSize);
    }
}
