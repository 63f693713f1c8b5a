using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Flags converted by a helper method in source: the helper's body is run on each call site's values.</summary>
public class HelperEvaluationTests
{
    private const string Wrapper = """
        using System;
        using System.Runtime.InteropServices;

        [Flags] public enum MapFlags { None = 0, Shared = 1, Private = 2, Anonymous = 4, Fixed = 8, NoReserve = 16 }

        public static class Memory
        {
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
            private static extern IntPtr Internal_mmap(IntPtr address, ulong length, int prot, int flags, int fd, long offset);

            public static IntPtr Map(IntPtr address, ulong length, MapFlags flags, int fd = -1)
                => Internal_mmap(address, length, 3, ToNative(flags), fd, 0);

            // An abstract enum mapped to libc's numbers, per OS, with if and |=.
            private static int ToNative(MapFlags flags)
            {
                int result = 0;
                if (flags.HasFlag(MapFlags.Shared)) result |= 0x01;
                if ((flags & MapFlags.Private) != 0) result |= 0x02;
                if (flags.HasFlag(MapFlags.Anonymous)) result |= OperatingSystem.IsMacOS() ? 0x1000 : 0x20;
                if (flags.HasFlag(MapFlags.Fixed)) result |= 0x10;
                if (flags.HasFlag(MapFlags.NoReserve))
                {
                    result |= OperatingSystem.IsMacOS() ? 0x40 : 0x4000;
                }

                return result;
            }

            public static int Switched(MapFlags flags)
            {
                switch (flags)
                {
                    case MapFlags.Shared: return 0x01;
                    case MapFlags.Private | MapFlags.Anonymous: return 0x22;
                    default: return 0x02;
                }
            }
        }
        """;

    [Fact]
    public Task Call_sites_of_a_wrapper_whose_flags_go_through_a_helper_are_judged() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M(MapFlags unknown)
            {
                Memory.Map(IntPtr.Zero, 4096, {|#0:MapFlags.Shared|});
                Memory.Map(IntPtr.Zero, 4096, {|#1:MapFlags.Fixed | MapFlags.Shared|});
                Memory.Map(IntPtr.Zero, 4096, {|#2:MapFlags.Fixed | MapFlags.Private | MapFlags.NoReserve|});
                Memory.Map(IntPtr.Zero, 4096, MapFlags.Private | MapFlags.Anonymous);
                Memory.Map(IntPtr.Zero, 4096, unknown);
            }
        }
        """).WithSource(Wrapper).Expect(
            Verify.Diagnostic(MapSharedRule.WithoutDescriptor).WithLocation(0).WithArguments("are", "MAP_SHARED", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapFixedRule.Descriptor).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_FIXED", "MAP_FIXED", ExpectedQuotes.MapFixed),
            Verify.Diagnostic(MapSharedRule.WithoutDescriptor).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_FIXED", ExpectedQuotes.Flags),
            Verify.Diagnostic(MapFixedRule.Descriptor).WithLocation(2).WithArguments("are", "MAP_PRIVATE|MAP_FIXED|MAP_NORESERVE", "MAP_FIXED", ExpectedQuotes.MapFixed),
            Verify.Diagnostic(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(2).WithArguments("are", "MAP_PRIVATE|MAP_FIXED|MAP_NORESERVE", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task A_member_of_the_authors_own_enum_named_Anonymous_is_the_number_it_is_declared_with() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum Opt { Private = 1, Shared = 2, Anonymous = 4, Populate = 32 }

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static int ToNative(Opt o)
            {
                int f = 0x22;
                if (o.HasFlag(Opt.Populate)) f |= 0x8000;
                return f;
            }

            static void M()
            {
                mmap(IntPtr.Zero, 4096, 3, ToNative(Opt.Private | Opt.Anonymous), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP005:ToNative(Opt.Private | Opt.Populate)|}, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_switch_in_a_helper_called_directly_is_followed() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void M(MapFlags unknown)
            {
                mmap(IntPtr.Zero, 4096, 3, {|MMAP002:Memory.Switched(MapFlags.Shared)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, Memory.Switched(MapFlags.Private | MapFlags.Anonymous), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, Memory.Switched(unknown), -1, 0);
            }
        }
        """).WithSource(Wrapper).RunAsync();

    [Fact]
    public Task A_loop_in_a_helper_runs_as_often_as_it_does_at_run_time() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum Opt { Private = 1, Shared = 2, Fixed = 4, Anonymous = 16 }

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            // One bit per flag, over an array literal.
            static int OverArray(Opt flags)
            {
                int r = 0;
                foreach (var f in new[] { Opt.Private, Opt.Shared, Opt.Fixed, Opt.Anonymous })
                {
                    if ((flags & f) == 0) continue;
                    r |= f switch { Opt.Private => 0x02, Opt.Shared => 0x01, Opt.Fixed => 0x10, Opt.Anonymous => 0x20, _ => 0 };
                }

                return r;
            }

            // The same over the enum's members.
            static int OverMembers(Opt flags)
            {
                int r = 0;
                foreach (Opt f in Enum.GetValues(typeof(Opt)))
                {
                    if (flags.HasFlag(f))
                    {
                        r |= f == Opt.Private ? 0x02 : f == Opt.Shared ? 0x01 : f == Opt.Fixed ? 0x10 : 0x20;
                    }
                }

                return r;
            }

            // A counted loop that always runs.
            static int Repeat(int f)
            {
                int r = 0;
                for (int i = 0; i < 3; i++) r |= f;
                return r;
            }

            static void M(Opt unknown)
            {
                mmap(IntPtr.Zero, 4096, 3, OverArray(Opt.Private | Opt.Anonymous), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP002:OverArray(Opt.Shared | Opt.Anonymous)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP001:OverArray(Opt.Private | Opt.Anonymous | Opt.Fixed)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, OverMembers(Opt.Private | Opt.Anonymous), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP005:OverMembers(Opt.Private)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, Repeat(0x02) | 0x20, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP002:Repeat(0x01) | 0x20|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, OverArray(unknown), -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_helper_loop_that_runs_too_long_or_cannot_be_decided_keeps_the_join_of_its_paths() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static int Long(int f)
            {
                int r = 0;
                for (int i = 0; i < 100000; i++) r |= f;
                return r;
            }

            static int Caught(int f)
            {
                try { return f | Environment.ProcessorCount; }
                catch (InvalidOperationException) { return 0x01; }
            }

            static void M()
            {
                // Too long to run: the dataflow's join says the loop may not run (flags 0).
                mmap(IntPtr.Zero, 4096, 3, {|MMAP007:Long(0x22)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, Caught(0x22), -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_switch_expression_in_a_helper_takes_the_arm_of_the_argument() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        enum Access { None, Read, ReadWrite, ReadWriteExecute }

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static int P(int k) => k switch { 0 => 1, 1 => 1 | 2, _ => 7 };

            static int ToProt(Access access) => access switch
            {
                Access.None => 0,
                Access.Read => 1,
                Access.ReadWrite => 3,
                not Access.ReadWriteExecute => 1,
                _ => 7,
            };

            static IntPtr Map(nuint size, Access access) => mmap(IntPtr.Zero, size, ToProt(access), 0x22, -1, 0);

            static void M(int unknown)
            {
                mmap(IntPtr.Zero, 4096, P(1), 0x22, -1, 0);
                mmap(IntPtr.Zero, 4096, {|MMAP004:P(2)|}, 0x22, -1, 0);
                mmap(IntPtr.Zero, 4096, P(unknown), 0x22, -1, 0); // an unknown argument: the helper is not run
                Map(4096, Access.ReadWrite);
                Map(4096, {|MMAP004:Access.ReadWriteExecute|});
            }
        }
        """).RunAsync();

    [Fact]
    public Task Recursive_and_large_helpers_stay_unknown() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Use
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static int Forever(int flags) => Forever(flags + 1);

            static int Virtualish(int flags) => flags > 0 ? Forever(flags) : 1;

            static void M()
            {
                mmap(IntPtr.Zero, 4096, 3, Forever(1), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, Virtualish(1), -1, 0);
            }
        }
        """).RunAsync();

    private const string WrapperThroughLocals = """
        using System;
        using System.Runtime.InteropServices;

        public static class Native
        {
            [DllImport("libc", SetLastError = true)]
            private static extern IntPtr mmap(IntPtr address, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            // The converted flags and the length sit in locals before the call.
            public static IntPtr Reserve(ulong size, MapFlags flags)
            {
                int native = Memory.Switched(flags);
                int withAnonymous = native | 0x20;
                var length = (UIntPtr)size;
                return mmap(IntPtr.Zero, length, 3, withAnonymous, -1, IntPtr.Zero);
            }

            // A local written again after its declaration holds more than its initializer: not followed.
            public static IntPtr Rewritten(MapFlags flags, bool shared)
            {
                int native = Memory.Switched(flags);
                if (shared)
                {
                    native = 0x22;
                }

                return mmap(IntPtr.Zero, (UIntPtr)4096, 3, native, -1, IntPtr.Zero);
            }
        }
        """;

    [Fact]
    public Task Locals_of_a_wrapper_that_read_earlier_ones_are_evaluated_once_each_in_declaration_order()
    {
        // Thirty locals, each reading the two before it: followed read by read, a chain this long doubles at every
        // local; evaluated once each, in declaration order, the last one is known.
        var locals = new System.Text.StringBuilder("        int f0 = flags;\n        int f1 = flags;\n");
        for (int i = 2; i < 30; i++)
        {
            locals.Append("        int f").Append(i).Append(" = flags | f").Append(i - 1).Append(" | f").Append(i - 2).Append(";\n");
        }

        return new MmapAnalyzerTest($$"""
            using System;
            using System.Runtime.InteropServices;

            static class Woven
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                static IntPtr Map(int flags)
                {
            {{locals}}
                    return mmap(IntPtr.Zero, 4096, 3, f29 | 0x20, -1, 0);
                }

                static void Use() => Map({|#0:0x01|});
            }
            """).Expect(Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags)).RunAsync();
    }

    [Fact]
    public Task A_wrapper_that_converts_its_arguments_into_locals_first_is_judged_at_its_call_sites() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M()
            {
                Native.Reserve(4096, {|#0:MapFlags.Shared|});
                Native.Reserve({|#1:0|}, MapFlags.Private);
                Native.Reserve(4096, MapFlags.Private);
                Native.Rewritten(MapFlags.Shared, true);
            }
        }
        """).WithSource(Wrapper).WithSource(WrapperThroughLocals).Expect(
            Verify.Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithArguments("are", "MAP_SHARED|MAP_ANONYMOUS", ExpectedQuotes.Flags),
            Verify.Diagnostic(AlwaysEinvalRule.ZeroLength).WithLocation(1).WithArguments("always fails", "the length is 0")).RunAsync();

    [Fact]
    public Task A_helper_that_takes_its_argument_by_in_is_run_on_the_value_passed() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static int ToNative(in bool shared) => (shared ? 0x01 : 0x02) | 0x20;

            static void Use()
            {
                mmap(IntPtr.Zero, 4096, 3, {|MMAP002:ToNative(true)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, ToNative(false), -1, 0);
            }
        }
        """).RunAsync();
}

public class GenericHelperTests
{
    [Fact]
    public Task A_generic_helper_passes_its_argument_through() => Verify.Libc("""
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP001:Generic.Id(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)|}, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, Generic.Id(MAP_PRIVATE | MAP_ANONYMOUS), -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, Generic.Larger(MAP_PRIVATE | MAP_ANONYMOUS, MAP_FIXED), -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, Generic.Compared(MAP_PRIVATE | MAP_ANONYMOUS, MAP_FIXED), -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, Numbers<int>.Larger(MAP_PRIVATE | MAP_ANONYMOUS, MAP_FIXED), -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP001:Numbers<int>.Same(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)|}, -1, IntPtr.Zero);
        """).WithSource("""
        static class Generic
        {
            public static T Id<T>(T value) => value;

            public static T Larger<T>(T a, T b) where T : System.Numerics.INumber<T> => a > b ? a : b;

            public static T Compared<T>(T a, T b) => System.Collections.Generic.Comparer<T>.Default.Compare(a, b) > 0 ? a : b;
        }

        static class Numbers<T> where T : System.Numerics.INumber<T>
        {
            public static T Larger(T a, T b) => a > b ? a : b;

            public static T Same(T a) => a;
        }
        """).RunAsync();
}

/// <summary>Arguments that throw before mmap runs carry no value.</summary>
public class ThrowingArgumentTests
{
    [Fact]
    public Task Unboxing_null_throws_before_the_call_and_is_not_judged() => Verify.LibcAsync(
        Verify.Call(flags: "(int)(object)null"));

    [Theory]
    [InlineData("(int)(long?)null")]
    [InlineData("(int)(object)default(int?)")]
    [InlineData("(int)(object)(int?)null")]
    [InlineData("(int)(int?)null")]
    public Task A_null_nullable_throws_before_the_call_and_is_not_judged(string flags) => Verify.LibcAsync(
        Verify.Call(flags: flags));

    [Fact]
    public Task A_nullable_with_a_value_is_that_value() => Verify.LibcAsync(
        Verify.Call(flags: "{|MMAP007:(int)(int?)0|}") + Verify.Call(flags: "{|MMAP002:(int)(long?)0x21|}"));

    [Fact]
    public Task Null_into_a_pointer_is_zero() => Verify.LibcAsync(
        Verify.Call(length: "{|MMAP007:(UIntPtr)(void*)null|}"));

    [Fact]
    public Task Unboxing_a_boxed_zero_is_zero() => Verify.LibcAsync(
        Verify.Call(flags: "{|MMAP007:(int)(object)0|}"));

    [Fact]
    public Task A_checked_conversion_that_overflows_throws_before_the_call_and_is_not_judged() => Verify.LibcAsync("""
                long minusOne = -1;
                mmap(IntPtr.Zero, checked((UIntPtr)minusOne), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                uint allBits = 4294967295u;
                ulong pastLong = (ulong)long.MaxValue + 1;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, checked((int)allBits), IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, checked((IntPtr)pastLong));
        """);

    [Fact]
    public Task A_shift_count_is_taken_modulo_the_width_of_the_shifted_type() => Verify.LibcAsync("""
                int s = 33;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | (0x08 << s)|}, -1, IntPtr.Zero);
                long wide = 0x08;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, (int)(MAP_PRIVATE | MAP_ANONYMOUS | (wide << s)), -1, IntPtr.Zero);
        """);

    [Fact]
    public Task A_checked_conversion_in_range_keeps_its_value() => Verify.LibcAsync("""
                long minusOne = -1;
                ulong big = 0xFFFF_FFFF_FFFF_F000;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, {|MMAP003:checked((int)(minusOne + 4))|}, IntPtr.Zero);
                mmap(IntPtr.Zero, {|MMAP007:unchecked((UIntPtr)minusOne)|}, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, {|MMAP007:checked((UIntPtr)big)|}, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
        """);
}
