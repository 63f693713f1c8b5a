using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Wrappers of wrappers, three levels deep: each call site is judged on the values that reach mmap through every level.</summary>
public class NestedWrapperTests
{
    private const string Layers = """
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MapKind { Private = 1, Shared = 2, Fixed = 4 }

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            // One level: the allocator's own enum, converted by a helper.
            public static IntPtr Map(nuint length, int prot, MapKind kind) => mmap(IntPtr.Zero, length, prot, ToFlags(kind), -1, 0);

            private static int ToFlags(MapKind kind)
            {
                int flags = 0x20;
                flags |= (kind & MapKind.Shared) != 0 ? 0x01 : 0x02;
                if ((kind & MapKind.Fixed) != 0)
                {
                    flags |= 0x10;
                }

                return flags;
            }
        }

        static class Memory
        {
            // Two levels: the length straight, the kind through the helper, the protection fixed here.
            public static IntPtr Reserve(nuint size, MapKind kind) => Native.Map(size, 3, kind);

            // Two levels, the length computed on the way.
            public static IntPtr Pages(int count) => Native.Map((nuint)count * 4096, 3, MapKind.Private);

            // Three levels; the kind is this method's own choice, judged here.
            public static IntPtr ReserveShared(nuint size) => Reserve(size, {|#9:MapKind.Shared|});

            // Four levels: not followed, whether the length is computed on the way or handed on straight.
            public static IntPtr ReserveSharedTwice(nuint size) => ReserveShared(size * 2);

            public static IntPtr PageLevel1(nuint size) => Native.Map(size, 3, MapKind.Private);

            public static IntPtr PageLevel2(nuint size) => PageLevel1(size);

            public static IntPtr MmapPageLevel3(nuint size) => PageLevel2(size); // named so that the text search finds it anyway
        }
        """;

    [Fact]
    public Task Call_sites_are_judged_through_every_level() => new MmapAnalyzerTest("""
        static class Use
        {
            static void M(int unknown)
            {
                Memory.Reserve(4096, {|#0:MapKind.Shared|});
                Memory.Reserve({|#1:0|}, MapKind.Private);
                Memory.Reserve(4096, {|#2:MapKind.Fixed | MapKind.Private|});
                Memory.Pages({|#3:0|});
                Memory.ReserveShared({|#4:0|});
                Memory.PageLevel2({|#5:0|});
            }
        }
        """).WithSource(Layers).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(1).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(MapFixedRule.Descriptor).WithLocation(2).WithArguments("are", "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS", "MAP_FIXED", ExpectedQuotes.MapFixed),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(3).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(4).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(5).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(9).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task Good_and_unknown_values_and_a_fourth_level_are_silent() => new MmapAnalyzerTest("""
        static class Use
        {
            static void M(int unknown, nuint size)
            {
                Memory.Reserve(4096, MapKind.Private);
                Memory.Reserve(size, (MapKind)unknown);
                Memory.Pages(unknown);
                Memory.Pages(16);
                Memory.ReserveSharedTwice(0);
                Memory.MmapPageLevel3(0);
            }
        }
        """).WithSource(Layers).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(9).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task Wrappers_that_call_each_other_are_followed_without_end() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Cycle
        {
            [DllImport("libc")]
            private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            public static IntPtr A(nuint size, int depth) => depth > 0 ? B(size, depth - 1) : mmap(IntPtr.Zero, size, 3, 0x22, -1, 0);

            public static IntPtr B(nuint size, int depth) => A(size, depth);

            static void Use() => B({|#0:0|}, 3);
        }
        """).Expect(Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(0).WithArguments("always fails", "the length is 0")).RunAsync();

    [Fact]
    public async Task Declarations_still_without_a_name_among_many_wrappers_cost_no_exception()
    {
        var wrappers = new System.Text.StringBuilder();
        for (int i = 0; i < 12; i++)
        {
            wrappers.AppendLine($"    public static IntPtr Map{i}(nuint size) => mmap(IntPtr.Zero, size, 3, 0x22, -1, 0);");
            wrappers.AppendLine($"    public static IntPtr Outer{i}(nuint size) => Map{i}(size);");
        }

        var test = new MmapAnalyzerTest("""
            using System;
            using System.Runtime.InteropServices;

            static class Half
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                public static IntPtr (nuint size) => mmap(IntPtr.Zero, size, 3, 0x22, -1, 0);
                public static IntPtr (nuint size, int flags) => Map0(size);
            """ + wrappers + """
            }

            class (int flags)
            {
                readonly IntPtr _p = Half.Map1(4096);
            }
            """);
        test.CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None;
        await test.RunAsync();
    }
}
