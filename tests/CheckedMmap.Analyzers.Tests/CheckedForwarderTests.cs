using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Lifetime;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// A checked build of code MMAP014's fix adopted: each binding became a method that forwards to CheckedMmap.Mman under
/// #if CHECKED. The forwarders stand for their libc functions there, as the P/Invokes do in the other build: their calls
/// are judged, a wrapper of them is a wrapper of the function, and they are neither escapes nor declarations libc reads.
/// </summary>
public class CheckedForwarderTests
{
    private const string Adopted = """
        using System;
        using System.ComponentModel;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;

        enum Protection { None = 0, Read = 1, Write = 2, ReadWrite = 3, Execute = 4 }

        static unsafe class Libc
        {
            public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
            public static readonly IntPtr MAP_FAILED = new IntPtr(-1);
        #if CHECKED
            public static IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, IntPtr offset, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.mmap(addr, length, prot, flags, fd, (long)offset, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static void* MapRaw(void* addr, nuint length, Protection prot, int flags, int fd, long offset, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                (void*)global::CheckedMmap.Mman.mmap((nint)addr, length, (int)prot, flags, fd, offset, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static int munmap(IntPtr addr, nuint length, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.munmap(addr, length, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static int mprotect(IntPtr addr, nuint len, int prot, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.mprotect(addr, len, prot, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static IntPtr mremap(IntPtr oldAddress, nuint oldSize, nuint newSize, int flags, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.mremap(oldAddress, oldSize, newSize, flags, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
        #else
            [DllImport("libc", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)] public static extern void* MapRaw(void* addr, nuint length, Protection prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] public static extern int munmap(IntPtr addr, nuint length);
            [DllImport("libc", SetLastError = true)] public static extern int mprotect(IntPtr addr, nuint len, int prot);
            [DllImport("libc", SetLastError = true)] public static extern IntPtr mremap(IntPtr oldAddress, nuint oldSize, nuint newSize, int flags);
        #endif

            // Not forwarders: a value of its own, parameters out of order.
            public static IntPtr Scratch(nuint length) => global::CheckedMmap.Mman.mmap(IntPtr.Zero, length, 3, 0x22, -1, 0);
            public static int Swapped(nuint length, IntPtr addr) => global::CheckedMmap.Mman.munmap(addr, length);
        }

        static class PosixMemory
        {
            public static IntPtr MapRegion(nuint length, int flags, int fd = -1, long offset = 0) => Libc.mmap(IntPtr.Zero, length, Libc.PROT_READ | Libc.PROT_WRITE, flags, fd, (IntPtr)offset);
            public static void Release(IntPtr region, nuint length) => Libc.munmap(region, length);
        }
        """;

    [Fact]
    public Task Calls_of_a_forwarder_and_of_its_wrappers_are_judged_as_mmap() => new HermeticAnalyzerTest<MmapAnalyzer>(Adopted + """

        static class Use
        {
            static void M()
            {
                Libc.mmap(IntPtr.Zero, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, {|MMAP006:(IntPtr)4096|});
                PosixMemory.MapRegion(4096, {|MMAP001:Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED|});
                PosixMemory.MapRegion(4096, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, {|MMAP006:8192|});
                PosixMemory.MapRegion(4096, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS);
                unsafe { Libc.MapRaw(null, 4096, {|MMAP004:Protection.ReadWrite | Protection.Execute|}, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0); }
            }
        }
        """).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED").RunAsync();

    [Fact]
    public Task Forwarders_of_mprotect_and_mremap_are_judged() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>(Adopted + """

        static class Use
        {
            static void M(IntPtr p)
            {
                Libc.mprotect(p, 4096, {|MMAP011:Libc.PROT_NONE|});
                Libc.mprotect(p, 4096, Libc.PROT_READ | Libc.PROT_WRITE);
                Libc.mremap(p, 4096, 8192, {|MMAP013:0|});
            }
        }
        """).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED").RunAsync();

    [Fact]
    public Task A_partial_munmap_through_forwarders_and_wrappers_is_reported() => new HermeticAnalyzerTest<MmapLifetimeAnalyzer>(Adopted + """

        static class Use
        {
            static void M()
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, 8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == Libc.MAP_FAILED) return;
                {|MMAP008:PosixMemory.Release(p, 4096)|};
            }
        }
        """).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED").RunAsync();

    [Fact]
    public Task Forwarders_are_neither_escapes_nor_declarations_libc_reads() => new HermeticAnalyzerTest<EscapeAnalyzer>(Adopted + """

        static class Use
        {
            static void M()
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == Libc.MAP_FAILED) throw new Win32Exception(Marshal.GetLastPInvokeError());
                Libc.munmap(p, 4096);
            }
        }
        """).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED").RunAsync();

    [Fact]
    public Task Forwarders_are_not_declarations_libc_reads_and_set_errno() => new HermeticAnalyzerTest<DeclarationAnalyzer>(Adopted + """

        static class Use
        {
            static void M()
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == Libc.MAP_FAILED) throw new Win32Exception(Marshal.GetLastPInvokeError());
                if (Libc.munmap(p, 4096) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
            }
        }
        """).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED").RunAsync();

    private const string RenamedAdopted = """
        using System;
        using CheckedMmap;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;

        static partial class Sys
        {
        #if CHECKED
            public static nint Map(nint addr, nuint length, int prot, int flags, int fd, long offset, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.mmap(addr, length, prot, flags, fd, offset, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static int Unmap(nint addr, nuint length, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                global::CheckedMmap.Mman.munmap(addr, length, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
            public static int Protect(nint addr, nuint length, int prot, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
                Mman.mprotect(addr, length, prot, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
        #else
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
            public static extern nint Map(nint addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
            public static extern int Unmap(nint addr, nuint length);
            [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
            public static extern int Protect(nint addr, nuint length, int prot);
        #endif
        }
        """;

    private const string RenamedUse = """

        sealed class Pool : IDisposable
        {
            private readonly nint _base;

            public Pool()
            {
                _base = Sys.Map(0, 8192, 3, 0x22, -1, 0);
                if (_base == -1) throw new OutOfMemoryException();
                Sys.Protect(_base, 8192, {|MMAP011:7|});
            }

            public void Dispose()
            {
                Sys.Unmap(_base, 8192);
                {|MMAP008:Sys.Unmap(_base, 8192)|};
            }
        }
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Forwarders_renamed_from_libc_are_judged_in_both_builds(bool checkedBuild)
    {
        string[] symbols = checkedBuild ? new[] { "CHECKED" } : System.Array.Empty<string>();
        await new HermeticAnalyzerTest<LibcArgumentAnalyzer>(RenamedAdopted + RenamedUse.Replace("{|MMAP008:Sys.Unmap(_base, 8192)|}", "Sys.Unmap(_base, 8192)"))
            .WithCheckedMmapRuntime().WithPreprocessorSymbols(symbols).RunAsync();
        await new HermeticAnalyzerTest<MmapLifetimeAnalyzer>(RenamedAdopted + RenamedUse.Replace("{|MMAP011:7|}", "7"))
            .WithCheckedMmapRuntime().WithPreprocessorSymbols(symbols).RunAsync();
    }
}
