using System.Runtime.InteropServices;

namespace CheckedMmap.Benchmarks.Runtime
{
    /// <summary>The baseline: libc called directly, declared the way users declare it (DllImport, SetLastError).</summary>
    internal static unsafe class RawLibc
    {
        public const int PROT_READ = 0x1;
        public const int PROT_WRITE = 0x2;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20; // Linux
        public const int MREMAP_MAYMOVE = 1;
        public const int MADV_WILLNEED = 3;
        public const nint MAP_FAILED = -1;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);

        [DllImport("libc", SetLastError = true)]
        public static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int mprotect(nint addr, nuint length, int prot);

        [DllImport("libc", SetLastError = true)]
        public static extern int madvise(nint addr, nuint length, int advice);
    }
}
