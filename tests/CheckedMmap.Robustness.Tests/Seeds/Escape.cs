// Seed: a CHECKED build that still calls libc directly next to the swap idiom (MMAP014), with a declaration that
// does not match libc (MMAP010).
#define CHECKED
using System;
using System.Runtime.InteropServices;
#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = Seeds.Escape.Libc;
#endif

namespace Seeds.Escape
{
    internal static class Libc
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc")]
        public static extern IntPtr munmap(nint addr, nuint length);

        [DllImport("libc", EntryPoint = "madvise")]
        public static extern int Advise(nint addr, nuint length, int advice);
    }

    internal static class Pool
    {
        public static void Swapped()
        {
            nint p = Native.mmap(0, 4096, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            Native.munmap(p, 4096);
        }

        public static void Escapes()
        {
            nint p = Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
            Libc.Advise(p, 4096, 4);
            if (Libc.munmap(p, 4096) != IntPtr.Zero) throw new InvalidOperationException("errno " + Marshal.GetLastWin32Error());
        }
    }
}
