using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.LifetimeAnalyzerTest;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP009: mmap's failure checked against NULL, or the result used before any check.</summary>
public class MMAP009FailureCheckTests
{
    private const string Map = "IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);\n";

    private static DiagnosticResult Null(int marker, string line = "9") =>
        new DiagnosticResult(FailureCheckRule.NullCheck).WithLocation(marker).WithArguments("mmap", line).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private static DiagnosticResult Use(int marker, string line = "9") =>
        new DiagnosticResult(FailureCheckRule.UncheckedUse).WithLocation(marker).WithArguments("mmap", line).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    // ---- NULL comparisons ----

    [Fact]
    public Task Every_spelling_of_NULL_is_reported_when_nothing_compares_with_MAP_FAILED() => LibcAsync(
        Map + """
                if ({|#0:p == IntPtr.Zero|}) return;
                if ({|#1:p == nint.Zero|}) return;
                if ({|#2:p == 0|}) return;
                if ({|#3:p.ToInt64() == 0|}) return;
                if ({|#4:p == default|}) return;
                if ({|#5:(void*)p == null|}) return;
                if ({|#6:(void*)p == (void*)0|}) return;
                if ({|#7:p is 0|}) return;
                if ({|#8:IntPtr.Zero != p|}) return;
        """,
        Null(0), Null(1), Null(2), Null(3), Null(4), Null(5), Null(6), Null(7), Null(8));

    [Fact]
    public Task Void_pointer_results_is_null_and_direct_comparisons() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe partial class Native
        {
            [LibraryImport("libc", SetLastError = true)]
            private static partial void* {|CS8795:mmap|}(void* addr, nuint length, int prot, int flags, int fd, long offset);

            public static void* Map(nuint length)
            {
                void* p = mmap(null, length, 3, 0x22, -1, 0);
                if ({|#0:p is null|}) throw new OutOfMemoryException();
                return p;
            }

            public static bool TryMap(nuint length) => {|#1:mmap(null, length, 3, 0x22, -1, 0) != null|};
        }
        """).Expect(Null(0, "11"), Null(1, "16")).RunAsync();

    [Fact]
    public Task A_field_holding_the_result_compared_with_NULL_in_the_same_method_is_reported() => Libc(
        """
                _base = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if ({|#0:_base == IntPtr.Zero|}) throw new OutOfMemoryException();
        """, "IntPtr _base;").Expect(Null(0)).RunAsync();

    [Fact]
    public Task A_defensive_NULL_check_next_to_a_MAP_FAILED_check_is_fine() => LibcAsync(
        Map + """
                if (p == IntPtr.Zero || p == new IntPtr(-1)) return;
        """);

    [Theory]
    [InlineData("p == new IntPtr(-1)")]
    [InlineData("p == (IntPtr)(-1)")]
    [InlineData("p.ToInt64() == -1")]
    [InlineData("(ulong)p == 0xffffffff")]
    [InlineData("p == MAP_FAILED")]
    [InlineData("(long)p == MAP_FAILED_INT")]
    [InlineData("p == mapFailed")]
    [InlineData("p == -1")]
    [InlineData("p is 0 or -1")]
    [InlineData("(byte*)p == (byte*)-1")]
    [InlineData("(void*)p == (void*)(-1)")]
    [InlineData("p.ToInt64() < 0")]
    public Task Every_MAP_FAILED_spelling_counts_as_the_check(string check) => Libc(
        "IntPtr mapFailed = new IntPtr(-1);\n" + Map + $$"""
                if ({{check}}) return;
                if (p == IntPtr.Zero) return;
                *(byte*)p = 1;
        """,
        """
            static readonly IntPtr MAP_FAILED = new IntPtr(-1);
            const int MAP_FAILED_INT = -1;
        """).RunAsync();

    [Fact]
    public Task A_NULL_comparison_before_the_mapping_is_assigned_is_not_about_it() => Libc(
        """
                if (_base == IntPtr.Zero)
                {
                    _base = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (_base == new IntPtr(-1)) throw new OutOfMemoryException();
                }
        """, "IntPtr _base;").RunAsync();

    // ---- unchecked uses ----

    [Fact]
    public Task The_first_dereference_before_any_check_is_reported() => LibcAsync(
        Map + """
                {|#0:*(byte*)p|} = 1;
                *(byte*)p = 2;
        """,
        Use(0));

    [Fact]
    public Task Every_kind_of_dereference_is_a_use() => Libc(
        """
                byte* a = (byte*)mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#0:a[1]|} = 1;
                IntPtr b = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                var span = {|#1:new Span<byte>((void*)b, 4096)|};
                IntPtr c = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#2:Marshal.WriteInt32(c, 7)|};
                IntPtr d = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#3:System.Runtime.CompilerServices.Unsafe.Write((void*)d, 7)|};
                IntPtr e = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#4:Buffer.MemoryCopy((void*)e, (void*)e, 16, 16)|};
                IntPtr f = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#5:NativeMemory.Clear((void*)f, 4096)|};
                Header* g = (Header*)mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#6:g->Length|} = 0;
                IntPtr h = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                long* words = (long*)h + 2;
                {|#7:*words|} = 0;
        """, "struct Header { public long Length; }")
        .Expect(Use(0), Use(1, "11"), Use(2, "13"), Use(3, "15"), Use(4, "17"), Use(5, "19"), Use(6, "21"), Use(7, "23")).RunAsync();

    [Fact]
    public Task A_use_on_a_path_that_skipped_the_check_is_reported() => LibcAsync(
        Map + """
                if (condition)
                {
                    if (p == new IntPtr(-1)) throw new OutOfMemoryException();
                }

                {|#0:*(byte*)p|} = 1;
        """,
        Use(0));

    [Fact]
    public Task Uses_after_the_check_and_returns_or_stores_before_it_are_fine() => Libc(
        Map + """
                _base = p;
                if (p == new IntPtr(-1)) throw new OutOfMemoryException();
                *(byte*)p = 1;
                new Span<byte>((void*)p, 4096).Clear();
        """,
        """
            IntPtr Returns() => mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
            IntPtr ReturnsLocal()
            {
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                return q;
            }
            void CheckedByAHelper()
            {
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                ThrowIfFailed(q);
                *(byte*)q = 1;
            }
            static void ThrowIfFailed(IntPtr q) { if (q == new IntPtr(-1)) throw new OutOfMemoryException(); }
            IntPtr _base;
        """).RunAsync();

    [Fact]
    public Task A_checked_alias_makes_the_original_checked() => LibcAsync(
        Map + """
                byte* bytes = (byte*)p;
                if (p == new IntPtr(-1)) return;
                bytes[0] = 1;
        """);
}
