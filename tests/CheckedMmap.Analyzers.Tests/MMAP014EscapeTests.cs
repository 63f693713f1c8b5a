using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP014: in a CHECKED build, libc calls that escape the checked runtime; silent without CHECKED.</summary>
public class MMAP014EscapeTests
{
    private const string Code = """
        using System;
        using System.Runtime.InteropServices;
        #if CHECKED
        using Native = CheckedMmap.Mman;
        #else
        using Native = Libc;
        #endif

        static class Libc
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
            [DllImport("libc", SetLastError = true)] public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] public static extern int munmap(nint addr, nuint length);
            [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)] public static extern int Protect(nint addr, nuint length, int prot);
        }

        static class Arena
        {
            static void Swapped()
            {
                nint p = Native.mmap(0, 4096, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
                Native.munmap(p, 4096);
            }

            static void Direct()
            {
                nint p = {|#0:Libc.mmap(0, 4096, 3, 0x22, -1, 0)|};
                {|#1:Libc.Protect(p, 4096, 3)|};
                {|#2:Libc.munmap(p, 4096)|};
            }
        }
        """;

    private static DiagnosticResult At(int marker, string call, string function) =>
        new DiagnosticResult(EscapeRule.Descriptor).WithLocation(marker).WithArguments(call, function);

    [Fact]
    public Task Direct_libc_calls_escape_in_a_CHECKED_build_and_the_swap_idiom_does_not() =>
        new HermeticAnalyzerTest<EscapeAnalyzer>(Code).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED")
            .Expect(At(0, "Libc.mmap", "mmap"), At(1, "Libc.Protect", "mprotect"), At(2, "Libc.munmap", "munmap")).RunAsync();

    [Fact]
    public Task Nothing_is_reported_without_CHECKED() =>
        new HermeticAnalyzerTest<EscapeAnalyzer>(Code.Replace("{|#0:", "").Replace("{|#1:", "").Replace("{|#2:", "").Replace(")|}", ")"))
            .WithCheckedMmapRuntime().RunAsync();

    [Fact]
    public Task Known_bindings_escape_too() => new HermeticAnalyzerTest<EscapeAnalyzer>("""
        using System;
        using Mono.Unix.Native;

        unsafe class C
        {
            void M(IntPtr p)
            {
                {|#0:Syscall.munmap(p, 4096)|};
                {|#1:Tmds.Linux.LibC.madvise((void*)p, 4096, 0)|};
                CheckedMmap.Mman.munmap(p, 4096);
            }
        }
        """).WithMonoPosix().WithTmdsLibC().WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED")
        .Expect(At(0, "Syscall.munmap", "munmap"), At(1, "LibC.madvise", "madvise")).RunAsync();
}

/// <summary>MMAP014 also applies to a file that defines CHECKED itself.</summary>
public class MMAP014DefineTests
{
    [Fact]
    public Task A_file_own_define_counts_and_an_undef_ends_it() => new HermeticAnalyzerTest<EscapeAnalyzer>("""
        #define CHECKED
        using System.Runtime.InteropServices;

        static class Libc
        {
            [DllImport("libc", SetLastError = true)] public static extern int munmap(nint addr, nuint length);
            static void M(nint p) => {|#0:munmap(p, 4096)|};
        }
        """).WithSource("""
        #define CHECKED
        #undef CHECKED
        static class Other
        {
            static void M(nint p) => Libc.munmap(p, 4096);
        }
        """).Expect(new DiagnosticResult(EscapeRule.Descriptor).WithLocation(0).WithArguments("Libc.munmap", "munmap")).RunAsync();
}
