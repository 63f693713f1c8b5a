using System;
using System.Runtime.InteropServices;

namespace Allocators
{
    /// <summary>
    /// The allocator's own binding to libc's <c>&lt;sys/mman.h&gt;</c>, as such code is usually written: raw
    /// <c>[DllImport]</c> declarations and Linux's numbers. Its members carry libc's names, the same names as
    /// <c>CheckedMmap.Mman</c>, so that under <c>#if CHECKED</c> one <c>using Native = …</c> line swaps it for the
    /// checked implementation.
    /// </summary>
    public static class Libc
    {
        public const int PROT_NONE = 0;
        public const int PROT_READ = 1;
        public const int PROT_WRITE = 2;

        public const int MAP_SHARED = 0x01;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20;  // Linux; 0x1000 on macOS and FreeBSD
        public const int MAP_NORESERVE = 0x4000; // Linux: do not reserve swap for the mapping
        public const int MAP_POPULATE = 0x8000;  // Linux: fault every page in now

        public const int MADV_DONTNEED = 4;

        public static readonly nint MAP_FAILED = -1;

        public static nuint PageSize => (nuint)Environment.SystemPageSize;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);

        [DllImport("libc", SetLastError = true)]
        public static extern int madvise(nint addr, nuint length, int advice);
    }
}
