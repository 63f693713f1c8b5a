using System.Runtime.InteropServices;

namespace App
{
    public static class Libc
    {
        public const int PROT_READ = 1;
        public const int PROT_WRITE = 2;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_ANONYMOUS = 0x20;
        public const nint MAP_FAILED = -1;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint addr, nuint length);
    }
}
