using System.Runtime.InteropServices;

namespace Misuse
{
    public static class Libc
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
        public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }

    // Each misuse is marked by a comment right before the argument the analyzer must report; the tests read the
    // markers to know which rule to expect at which line and column.
    public static class MisusingAllocator
    {
        public static nint Fixed(nint at, nuint size) =>
            Libc.mmap(at, size, Libc.PROT_READ | Libc.PROT_WRITE, /*MMAP001*/Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED, -1, 0);

        public static nint SharedWithChildren(nuint size) =>
            Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, /*MMAP002*/Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, -1, 0);

        public static nint ForgotTheFd(nuint size) =>
            Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, /*MMAP003*/0, 0);

        public static nint ForJittedCode(nuint size) =>
            Libc.mmap(0, size, /*MMAP004*/Libc.PROT_READ | Libc.PROT_WRITE | Libc.PROT_EXEC, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);

        public static nint Prefaulted(nuint size) =>
            Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, /*MMAP005*/Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_POPULATE, -1, 0);

        public static nint AtAnOffset(nuint size) =>
            Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, /*MMAP006*/4096);

        public static nint Empty() =>
            Libc.mmap(0, /*MMAP007*/0, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
    }
}
