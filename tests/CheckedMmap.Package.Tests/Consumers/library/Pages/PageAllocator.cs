#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = Pages.Libc;
#endif
using System;
using System.Runtime.InteropServices;

namespace Pages
{
    public static class Libc
    {
        public const int PROT_READ = 0x1;
        public const int PROT_WRITE = 0x2;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20;

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(IntPtr addr, UIntPtr length);
    }

    public static class PageAllocator
    {
        public const string Mode =
#if CHECKED
            "checked";
#else
            "libc";
#endif

        public static IntPtr Map(ulong length) =>
            Native.mmap(IntPtr.Zero, (UIntPtr)length, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);

        public static int Unmap(IntPtr start, ulong length) => Native.munmap(start, (UIntPtr)length);
    }
}
