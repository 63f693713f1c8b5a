using System;
using System.Runtime.InteropServices;
#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = CheckedTests.Libc;
#endif

namespace CheckedTests
{
    internal static class Libc
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }

    /// <summary>A bump arena on one mapping.</summary>
    public sealed unsafe class Arena
    {
        private readonly nint _base;
        private readonly nuint _size;

        public Arena(nuint size)
        {
            _size = size;
            _base = Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
        }

        public byte* At(nuint offset) => (byte*)_base + offset;

        public void Release() => Native.munmap(_base, _size);
    }
}
