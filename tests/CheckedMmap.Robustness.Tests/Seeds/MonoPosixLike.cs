// Seed: a Mono.Posix-shaped binding (name-based rule: its data says Mono.Unix / Mono_Posix_Syscall_mmap).
using System;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Mono.Unix.Native
{
    [Flags] public enum MmapProts : int { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_NONE = 0, PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000 }
    [Flags] public enum MmapFlags : int { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_TYPE = 0xf, MAP_FIXED = 0x10, MAP_FILE = 0, MAP_ANONYMOUS = 0x20, MAP_ANON = 0x20, MAP_GROWSDOWN = 0x100, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000 }
    [Flags] public enum MremapFlags : ulong { MREMAP_MAYMOVE = 1 }

    public static class Syscall
    {
        internal const string LIBC = "libc";
        internal const string MPH = "MonoPosixHelper";
        public static readonly IntPtr MAP_FAILED = unchecked((IntPtr)(-1));

        [DllImport(MPH, SetLastError = true, EntryPoint = "Mono_Posix_Syscall_mmap")]
        public static extern IntPtr mmap(IntPtr start, ulong length, MmapProts prot, MmapFlags flags, int fd, long offset);

        [DllImport(LIBC, SetLastError = true)]
        public static extern int munmap(IntPtr start, ulong length);

        [DllImport(MPH, SetLastError = true, EntryPoint = "Mono_Posix_Syscall_mremap")]
        public static extern IntPtr mremap(IntPtr old_address, ulong old_size, ulong new_size, MremapFlags flags);

        [DllImport(MPH, SetLastError = true, EntryPoint = "Mono_Posix_Syscall_mprotect")]
        public static extern int mprotect(IntPtr start, ulong len, MmapProts prot);
    }
}

namespace Seeds.MonoPosix
{
    public static class Use
    {
        public static void Run(int fd)
        {
            IntPtr ok = Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
            IntPtr file = Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ, MmapFlags.MAP_SHARED, fd, 0);
            IntPtr anon = Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANON | MmapFlags.MAP_POPULATE, -1, 0);
            if (ok == Syscall.MAP_FAILED || file == Syscall.MAP_FAILED || anon == Syscall.MAP_FAILED) return;
            IntPtr grown = Syscall.mremap(ok, 4096, 8192, MremapFlags.MREMAP_MAYMOVE);
            Syscall.mprotect(grown, 8192, MmapProts.PROT_READ | MmapProts.PROT_EXEC);
            Syscall.munmap(grown, 8192);
        }
    }
}
