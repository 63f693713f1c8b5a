using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>A constructor that hands its parameters to mmap is judged at each creation of its type.</summary>
public class ConstructorWrapperTests
{
    private const string Region = """
        using System;
        using System.Runtime.InteropServices;

        public sealed class MappedRegion
        {
            [DllImport("libc", SetLastError = true)]
            private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            public readonly IntPtr Address;

            public MappedRegion(nuint size, int flags)
            {
                int anonymous = flags | 0x20;
                Address = mmap(IntPtr.Zero, size, 3, anonymous, -1, 0);
            }

            // Maps a fixed shape whatever its caller passes: nothing of a creation reaches mmap.
            public MappedRegion(string name)
            {
                Address = mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
            }
        }
        """;

    [Fact]
    public Task Creations_are_judged_on_the_arguments_the_constructor_hands_to_mmap() => new MmapAnalyzerTest("""
        static class Use
        {
            static void M(int unknown)
            {
                var shared = new MappedRegion(4096, {|#0:0x01|});
                var empty = new MappedRegion({|#1:0|}, 0x02);
                MappedRegion fixedAt = new(4096, {|#2:0x12|});
                var fine = new MappedRegion(4096, 0x02);
                var named = new MappedRegion("ring");
                var open = new MappedRegion(4096, unknown);
            }
        }
        """).WithSource(Region).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(1).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(MapFixedRule.Descriptor).WithLocation(2).WithArguments("are", "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS", "MAP_FIXED", ExpectedQuotes.MapFixed)).RunAsync();
}
