// Seed: the swap idiom; under CHECKED the calls go to CheckedMmap.Mman (a known binding).
#define CHECKED
using System;
#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = Seeds.Swap.Libc;
#endif

namespace Seeds.Swap
{
    internal static unsafe class Libc
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }

    public sealed unsafe class Slab
    {
        private readonly nint _block;
        private readonly nuint _size;
        private int _next;

        public Slab(nuint size)
        {
            _size = size;
            _block = Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            if (_block == -1) throw new OutOfMemoryException();
        }

        public void* Rent(int slot) { _next = slot; return (byte*)_block + slot * 64; }

        public void Release()
        {
            // Deliberate: a partial unmap (UB under the checked runtime).
            Native.munmap(_block, _size / 2);
            Native.munmap((void*)_block, _size);
            _ = Native.mmap((void*)null, 4096, Native.PROT_READ, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            _ = Native.mmap(0, 4096, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED | Native.MAP_ANONYMOUS, -1, 0);
            _ = Native.mprotect(_block, _size, Native.PROT_READ);
            _ = Native.mremap(_block, _size, _size * 2, 1);
            _ = Native.madvise(_block, _size, 4);
        }
    }
}
