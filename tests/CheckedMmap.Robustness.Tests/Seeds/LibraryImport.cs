// Seed: [LibraryImport] static partial (source-generated), [GeneratedDllImport] (.NET 7 preview), #if twins.
using System;
using System.Runtime.InteropServices;

namespace System.Runtime.InteropServices
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    internal sealed class GeneratedDllImportAttribute : Attribute
    {
        public GeneratedDllImportAttribute(string dllName) { DllName = dllName; }
        public string DllName { get; }
        public string? EntryPoint { get; set; }
        public bool SetLastError { get; set; }
    }
}

namespace Seeds.LibraryImports
{
    internal static unsafe partial class Posix
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
        public const int MAP_PRIVATE = 2, MAP_SHARED = 1, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;

#if NET7_0_OR_GREATER
        [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
#else
        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
#endif

        [LibraryImport("libc", SetLastError = true)]
        public static partial int munmap(nint addr, nuint length);

        [GeneratedDllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static partial void* mmap_preview(void* addr, nuint length, int prot, int flags, int fd, long offset);

        [LibraryImport("libc", EntryPoint = "mmap")]
        public static partial nuint mmapU(nuint addr, nuint length, uint prot, uint flags, int fd, long offset);

        public static void Use(bool populate)
        {
            nint p = Mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            nint q = Mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
            void* r = mmap_preview(null, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            nuint s = mmapU(UIntPtr.Zero, 4096, 3u, 0x22u, -1, 0);
            if (p == -1 || q == -1 || r == null || s == unchecked((nuint)(-1))) return;
            munmap(p, 65536);
        }
    }
}
