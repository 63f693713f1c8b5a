// Seed: classic [DllImport("libc")] bindings with const flags, a bump arena, the result-check idioms.
using System;
using System.Runtime.InteropServices;

namespace Seeds.DllImportLibc
{
    internal static unsafe class Libc
    {
        private const string LibC = "libc";
        public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
        public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
        public const int MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000;
        public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

        [DllImport(LibC, SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

        [DllImport(LibC, SetLastError = true)]
        public static extern int munmap(IntPtr addr, UIntPtr length);

        [DllImport("libc.so.6", SetLastError = true)]
        public static extern int mprotect(IntPtr addr, UIntPtr len, int prot);

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mremap(IntPtr old, UIntPtr oldSize, UIntPtr newSize, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int madvise(IntPtr addr, UIntPtr len, int advice);
    }

    public sealed unsafe class BumpArena : IDisposable
    {
        private readonly IntPtr _base;
        private readonly UIntPtr _size;
        private long _used;

        public BumpArena(long size)
        {
            _size = (UIntPtr)size;
            _base = Libc.mmap(IntPtr.Zero, _size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            if (_base == new IntPtr(-1)) throw new OutOfMemoryException("mmap failed: " + Marshal.GetLastPInvokeError());
            if (_base.ToInt64() == -1) throw new InvalidOperationException();
            if (_base == Libc.MAP_FAILED) throw new InvalidOperationException();
        }

        public byte* Allocate(int bytes)
        {
            long at = _used;
            _used += (bytes + 15) & ~15;
            if (_used > (long)_size) throw new OutOfMemoryException();
            return (byte*)_base + at;
        }

        public void Dispose()
        {
            if (Libc.munmap(_base, _size) != 0) throw new InvalidOperationException("munmap");
        }

        public static void Misuse(int fd)
        {
            IntPtr shared = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, Libc.PROT_READ, Libc.MAP_SHARED, fd, IntPtr.Zero);
            IntPtr fixedAt = Libc.mmap(new IntPtr(0x10000000), (UIntPtr)4096, 3, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED, -1, IntPtr.Zero);
            IntPtr reserve = Libc.mmap(IntPtr.Zero, (UIntPtr)(1L << 40), Libc.PROT_NONE, 0x22 | Libc.MAP_NORESERVE, -1, IntPtr.Zero);
            IntPtr zeroFd = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, 0, IntPtr.Zero);
            IntPtr offset = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, (IntPtr)4096);
            IntPtr empty = Libc.mmap(IntPtr.Zero, UIntPtr.Zero, 3, 0x22, -1, IntPtr.Zero);
            IntPtr both = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, Libc.MAP_PRIVATE | Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            IntPtr huge = Libc.mmap(IntPtr.Zero, (UIntPtr)ulong.MaxValue, 3, 0x22, -1, IntPtr.Zero);
            IntPtr rwx = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, Libc.PROT_READ | Libc.PROT_WRITE | Libc.PROT_EXEC, 0x22, -1, IntPtr.Zero);
            IntPtr noreplace = Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22 | Libc.MAP_FIXED_NOREPLACE, -1, IntPtr.Zero);
            Libc.mprotect(rwx, (UIntPtr)4096, Libc.PROT_READ | Libc.PROT_EXEC);
            Libc.madvise(rwx, (UIntPtr)4096, 4);
            Libc.mremap(rwx, (UIntPtr)4096, (UIntPtr)8192, 1 | 2);
            if (shared == IntPtr.Zero) { }
            Libc.munmap(shared, UIntPtr.Zero);
            GC.KeepAlive(new object[] { fixedAt, reserve, zeroFd, offset, empty, both, huge, noreplace });
        }
    }
}
