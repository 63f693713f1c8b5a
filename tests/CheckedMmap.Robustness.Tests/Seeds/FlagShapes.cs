// Seed: const / enum / static readonly / static property flags, const locals (enum-typed too), |= across branches,
// ternaries, compound assignment as argument, named arguments in any order, user-defined conversions.
using System;
using System.Runtime.InteropServices;
using static Seeds.FlagShapes.Sys;

namespace Seeds.FlagShapes
{
    [Flags] public enum MemoryProtection { None = 0, Read = 1, Write = 2, Execute = 4, ReadWrite = Read | Write, ReadWriteExecute = 7 }
    [Flags] public enum MemoryMappedFlags { Shared = 1, Private = 2, Fixed = 0x10, Anonymous = 0x20, NoReserve = 0x4000, Stack = 0x20000, FixedNoReplace = 0x100000 }

    public readonly struct off_t
    {
        private readonly long _v;
        private off_t(long v) { _v = v; }
        public static implicit operator off_t(long v) => new off_t(v);
        public static explicit operator long(off_t v) => v._v;
    }

    public static class PerPlatformValues
    {
        public static readonly MemoryMappedFlags MAP_ANONYMOUS = OperatingSystem.IsMacOS() ? (MemoryMappedFlags)0x1000 : MemoryMappedFlags.Anonymous;
        public static readonly int MAP_PRIVATE = 2;
        public static readonly int PROT_RW = 3;
    }

    public static unsafe class Sys
    {
        public static int MAP_SHARED => 0x01;
        public static int MAP_PRIVATE => 0x02;
        public static int MAP_ANONYMOUS => 0x20;
        public static int MAP_HUGETLB { get { return 0x40000; } }
        public static int PROT_READ => 1;
        public static int PROT_WRITE => 2;
        public static void* MAP_FAILED => (void*)-1;

        [DllImport("libc", SetLastError = true)]
        public static extern void* mmap(void* addr, nuint length, int prot, int flags, int fd, off_t offset);

        [DllImport("libc", SetLastError = true, EntryPoint = "mmap")]
        public static extern IntPtr mmap_e(IntPtr addr, IntPtr length, MemoryProtection prot, MemoryMappedFlags flags, int fd, IntPtr offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(void* addr, nuint length);
    }

    public static unsafe class Users
    {
        private const int RW = (int)MemoryProtection.ReadWrite;

        public static void Branches(bool huge, bool shared, bool reserve, int fd, long off)
        {
            const MemoryMappedFlags baseFlags = MemoryMappedFlags.Private | MemoryMappedFlags.Anonymous;
            const int localRw = 3;
            int flags = MAP_PRIVATE;
            if (huge) flags |= MAP_HUGETLB; else flags |= MAP_ANONYMOUS;
            int mapFlags = 0x22;
            var prot = MemoryProtection.Read;
            prot |= MemoryProtection.Write;
            switch (fd)
            {
                case 0: prot |= MemoryProtection.Execute; break;
                case 1: flags = shared ? MAP_SHARED : MAP_PRIVATE; break;
                default: break;
            }
            for (int i = 0; i < 3; i++) { mapFlags ^= 0x4000; }
            void* a = mmap(null, 4096, localRw, flags, -1, 0L);
            void* b = mmap(null, 4096, (int)prot, mapFlags ^= MAP_HUGETLB, -1, 0);
            void* c = mmap(offset: off, fd: -1, flags: (int)baseFlags, prot: RW, length: 4096, addr: null);
            void* d = mmap(length: 8192, addr: null, prot: PROT_READ | PROT_WRITE, flags: shared ? MAP_SHARED : MAP_PRIVATE, fd: fd, offset: 0);
            IntPtr e = mmap_e(IntPtr.Zero, (IntPtr)4096, MemoryProtection.ReadWrite, PerPlatformValues.MAP_ANONYMOUS | (MemoryMappedFlags)PerPlatformValues.MAP_PRIVATE, -1, IntPtr.Zero);
            IntPtr f = mmap_e(IntPtr.Zero, (IntPtr)4096, reserve ? MemoryProtection.None : MemoryProtection.ReadWrite, baseFlags | (reserve ? MemoryMappedFlags.NoReserve : 0), -1, IntPtr.Zero);
            IntPtr g = mmap_e(IntPtr.Zero, (IntPtr)4096, MemoryProtection.ReadWriteExecute & ~MemoryProtection.Execute, (MemoryMappedFlags)(~0 & 0x22), -1, IntPtr.Zero);
            int flagsGoto = MAP_PRIVATE;
        again:
            flagsGoto |= MAP_ANONYMOUS;
            if (flagsGoto == 0) goto again;
            void* h = mmap(null, 4096, PerPlatformValues.PROT_RW, flagsGoto, -1, 0);
            if (a == MAP_FAILED || b == MAP_FAILED || c == MAP_FAILED || d == (void*)-1 || h == null) return;
            munmap(a, 4096);
            GC.KeepAlive(new object[] { e, f, g });
        }
    }
}
