using System.Runtime.InteropServices;

namespace OsDependent
{
    public static class LinuxNumbers
    {
        [DllImport("libc", SetLastError = true)]
        private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        // 0x20 is MAP_ANONYMOUS on Linux, so this is malloc-like there. On macOS (and FreeBSD) 0x20 is MAP_RENAME and
        // MAP_ANONYMOUS is missing: the analyzer must say MMAP005 when the target is macOS, and nothing on Linux.
        public static nint Map(nuint length) => mmap(0, length, 1 | 2, /*macos:MMAP005*/0x02 | 0x20, -1, 0);
    }
}
