#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = TransitiveApp.Libc;
#endif
using System;
using System.Runtime.InteropServices;

namespace TransitiveApp
{
    public static class Libc
    {
        public const int PROT_READ = 1;
        public const int PROT_WRITE = 2;
        public const int MAP_SHARED = 0x01;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }

    public static class Program
    {
        // Never called; here for the analyzer (built with CHECKED, so the direct libc call also escapes the checked runtime).
        public static nint Shared(nuint length) =>
            /*MMAP014*/Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE, /*MMAP002*/Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, -1, 0);

        public static int Main()
        {
#if CHECKED
            Console.WriteLine("mode=checked");
#else
            Console.WriteLine("mode=unchecked");
#endif
            nint run = Native.mmap(0, 2 * Lib.Pages.Size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            try
            {
                Console.WriteLine($"partial munmap returned {Native.munmap(run, Lib.Pages.Size)}");
            }
            catch (Exception error)
            {
                Console.WriteLine($"caught {error.GetType().FullName}");
                Console.WriteLine(error.ToString());
                return 3;
            }

            return 0;
        }
    }
}
