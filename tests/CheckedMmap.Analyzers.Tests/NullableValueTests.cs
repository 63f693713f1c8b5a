using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Flags held in <c>int?</c> locals: a null adds no number; <c>??</c>, <c>GetValueOrDefault</c>, <c>.Value</c> and casts read the numbers.</summary>
public class NullableValueTests
{
    private static string Method(string body) => $$"""
        using System;
        using System.Runtime.InteropServices;
        static class P
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            static void M(bool huge)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public Task Numbers_in_nullable_locals_are_read_through_every_unwrapping() => new MmapAnalyzerTest(Method("""
                int? extra = null;
                if (huge) extra = 0x40000;
                mmap(IntPtr.Zero, 4096, 3, {|#0:0x22 | (extra ?? 0)|}, -1, 0);
                int? shared = 0x21;
                mmap(IntPtr.Zero, 4096, 3, {|#1:shared.Value|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|#2:(int)shared|}, -1, 0);
                int? chosen = huge ? 0x40022 : null;
                mmap(IntPtr.Zero, 4096, 3, {|#3:chosen.GetValueOrDefault(0x22)|}, -1, 0);
        """)).Expect(
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("may be", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB", "MAP_HUGETLB", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(2).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(3).WithArguments("may be", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB", "MAP_HUGETLB", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task A_default_used_only_where_the_local_is_null_is_all_there_is() => new MmapAnalyzerTest(Method("""
                int? never = null;
                mmap(IntPtr.Zero, 4096, 3, never ?? 0x22, -1, 0);
                int? maybe = huge ? 0x22 : null;
                mmap(IntPtr.Zero, 4096, 3, maybe ?? 0x22, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, maybe.GetValueOrDefault() | 0x22, -1, 0);
        """)).RunAsync();
}
