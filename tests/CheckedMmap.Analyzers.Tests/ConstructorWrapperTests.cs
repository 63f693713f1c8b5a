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

    [Fact]
    public Task This_and_base_initializers_are_judged_like_creations() => new MmapAnalyzerTest("""
        public sealed class SharedRegion
        {
            private readonly MappedRegion _region;

            public SharedRegion(nuint size) : this(new MappedRegion(size, {|#0:0x01|})) { }

            private SharedRegion(MappedRegion region) => _region = region;
        }

        public class Region
        {
            public readonly System.IntPtr Address;

            public Region(nuint size, int flags) => Address = MappedRegionFactory.Map(size, flags);

            public Region(nuint size) : this(size, 0x02) { }

            protected Region(int fixedFlags) : this(4096, {|#1:fixedFlags|}) { }
        }

        public sealed class Page : MappedRegion
        {
            public Page() : base(4096, {|#2:0x01|}) { }

            public Page(nuint size) : base(size, 0x02) { }

            public Page(string name) : base(name) { }
        }
        """).WithSource(Region.Replace("public sealed class MappedRegion", "public class MappedRegion")).WithSource("""
        public static class MappedRegionFactory
        {
            [System.Runtime.InteropServices.DllImport("libc")]
            private static extern System.IntPtr mmap(System.IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            public static System.IntPtr Map(nuint size, int flags) => mmap(System.IntPtr.Zero, size, 3, flags | 0x20, -1, 0);
        }
        """).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(2).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags)).RunAsync();

    private const string Ring = """
        using System;
        using System.Linq;
        using System.Runtime.InteropServices;

        static class Libc
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }

        // A primary constructor runs its type's instance initializers: they hand its parameters to mmap.
        public class Ring(nuint size, in int flags)
        {
            public readonly IntPtr Address = Libc.mmap(IntPtr.Zero, size, 3, flags | 0x20, -1, 0);

            public nuint Size { get; } = size;
        }

        public class Holder(IntPtr address)
        {
            public IntPtr Address { get; } = address;
        }

        // Maps in its base's arguments, which its primary constructor runs.
        public sealed class MappedHolder(nuint size, int flags) : Holder(Libc.mmap(IntPtr.Zero, size, 3, flags, -1, 0));

        public record struct Slab(nuint Length)
        {
            public IntPtr Address { get; } = Libc.mmap(IntPtr.Zero, Length, 3, 0x22, -1, 0);
        }

        // Its parameters reach mmap only in a method, which runs later: creations hand nothing to mmap.
        public sealed class Lazy(nuint size, int flags)
        {
            public IntPtr Map() => Libc.mmap(IntPtr.Zero, size, 3, flags, -1, 0);

            private readonly Func<IntPtr> _later = () => Libc.mmap(IntPtr.Zero, size, 3, flags, -1, 0);

            private readonly System.Collections.Generic.IEnumerable<IntPtr> _query = from page in new[] { 1 } select Libc.mmap(IntPtr.Zero, size * (nuint)page, 3, flags, -1, 0);
        }
        """;

    [Fact]
    public Task Primary_constructors_are_judged_at_each_creation_and_base() => new MmapAnalyzerTest("""
        public sealed class SharedRing(nuint size) : Ring(size, {|#0:0x01|});

        static class Use
        {
            static void M(int unknown)
            {
                var shared = new Ring(4096, {|#1:0x01|});
                Ring empty = new({|#2:0|}, 0x02);
                var fine = new Ring(4096, 0x02);
                var open = new Ring(4096, unknown);
                var slab = new Slab({|#3:0|});
                var lazy = new Lazy(0, 0x01);
                var held = new MappedHolder(4096, {|#4:0x21|});
                var fine2 = new MappedHolder(4096, 0x22);
            }
        }
        """).WithSource(Ring).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(2).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(3).WithArguments("always fails", "the length is 0"),
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(4).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags)).RunAsync();
}
