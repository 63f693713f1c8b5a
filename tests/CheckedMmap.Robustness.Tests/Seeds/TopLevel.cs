// Seed: top-level statements, using static, local functions and a local P/Invoke-free wrapper.
using System;
using System.Runtime.InteropServices;
using static Seeds.Top.Native;

const int Rw = PROT_READ | PROT_WRITE;
int flags = MAP_PRIVATE;
if (args.Length > 0) flags |= MAP_ANONYMOUS; else flags |= MAP_ANONYMOUS | MAP_NORESERVE;
nint p = mmap(0, 4096, Rw, flags, -1, 0);
nint q = mmap(0, 4096, Rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
if (p == -1 || q == -1) return 1;
Console.WriteLine(Map(args.Length));
munmap(q, 4096);
return munmap(p, 4096);

static nint Map(int n) => mmap(0, (nuint)n, Rw, n > 1 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

namespace Seeds.Top
{
    internal static class Native
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
        [DllImport("libc", SetLastError = true)] public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
        [DllImport("libc", SetLastError = true)] public static extern int munmap(nint addr, nuint length);
    }
}
