using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>What an mmap argument can be, as real code writes it.</summary>
public class ValueTests
{
    [Fact]
    public Task A_checked_sum_that_overflows_throws_before_the_call_and_one_that_fits_is_judged() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Checked
        {
            static readonly int Zero = 0;

            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

            static void M()
            {
                mmap(IntPtr.Zero, 4096, 3, checked(int.MaxValue + Zero + 1), -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP007:unchecked(int.MaxValue + Zero + 1)|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP002:checked(0x20 + Zero + 1)|}, -1, 0);
                int flags = int.MaxValue + Zero;
                checked { flags += 1; }
                mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public async Task Graph_building_time_is_counted_for_the_benchmarks()
    {
        long before = CheckedMmap.Analyzers.Values.ControlFlowGraphs.BuildTicks;
        await new MmapAnalyzerTest("""
            using System;
            using System.Runtime.InteropServices;

            static class L
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

                static void M(bool shared)
                {
                    int flags = 0x22;
                    if (shared) flags = 0x21;
                    mmap(IntPtr.Zero, 4096, 3, {|MMAP002:flags|}, -1, 0);
                }
            }
            """).RunAsync();
        Assert.True(CheckedMmap.Analyzers.Values.ControlFlowGraphs.BuildTicks > before);
    }

    [Fact]
    public Task Const_fields_nested_in_another_class() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class LinuxIORing { public const int MAP_POPULATE = 0x8000; }
        static class MmapConstants { public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20; }

        static class L
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

            static void M()
            {
                mmap(IntPtr.Zero, 4096, 3, {|MMAP005:MmapConstants.MAP_PRIVATE | MmapConstants.MAP_ANONYMOUS | LinuxIORing.MAP_POPULATE|}, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, (MmapConstants.MAP_PRIVATE | (MmapConstants.MAP_ANONYMOUS)), -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Const_locals_including_enum_typed_ones() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MmapProtectionType : uint { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }
        [Flags] enum MmapFlags : uint { MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20 }

        static class SharpDetect
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, UIntPtr l, MmapProtectionType p, MmapFlags f, int fd, UIntPtr o);

            static void M()
            {
                const MmapProtectionType protection = MmapProtectionType.PROT_READ | MmapProtectionType.PROT_WRITE | MmapProtectionType.PROT_EXEC;
                const MmapFlags flags = MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS;
                const int fd = 0;
                mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:protection|}, flags, {|MMAP003:fd|}, UIntPtr.Zero);
                const MmapProtectionType rw = MmapProtectionType.PROT_READ | MmapProtectionType.PROT_WRITE;
                mmap(IntPtr.Zero, (UIntPtr)4096, rw, flags, -1, UIntPtr.Zero);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Static_readonly_fields_and_expression_bodied_properties_from_source() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        enum MmapFlags { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000 }

        static class PerPlatformValues
        {
            public static readonly MmapFlags MAP_PRIVATE = MmapFlags.MAP_PRIVATE;
            public static readonly MmapFlags MAP_ANONYMOUS = MmapFlags.MAP_ANONYMOUS;
            public static readonly MmapFlags MAP_NORESERVE = MmapFlags.MAP_NORESERVE;
            public static int PROT_RW => 3;
            public static int PROT_RX { get { return 5; } }
            public static int Mutable { get; set; } = 7;
            public static readonly int FromEnvironment = Environment.ProcessorCount;
        }

        static class L
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, MmapFlags f, int fd, long o);

            static void M()
            {
                mmap(IntPtr.Zero, 4096, PerPlatformValues.PROT_RW, PerPlatformValues.MAP_PRIVATE | PerPlatformValues.MAP_ANONYMOUS, -1, 0);
                mmap(IntPtr.Zero, 4096, {|MMAP004:PerPlatformValues.PROT_RX|}, {|MMAP005:PerPlatformValues.MAP_PRIVATE | PerPlatformValues.MAP_ANONYMOUS | PerPlatformValues.MAP_NORESERVE|}, -1, 0);
                mmap(IntPtr.Zero, 4096, PerPlatformValues.Mutable, PerPlatformValues.MAP_PRIVATE | PerPlatformValues.MAP_ANONYMOUS, PerPlatformValues.FromEnvironment, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Static_readonly_fields_a_static_constructor_may_reassign_are_unknown() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class PerPlatformValues
        {
            public static readonly int MAP_ANON_FLAGS = 0x1002;
            static PerPlatformValues()
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) MAP_ANON_FLAGS = 0x22;
            }
        }

        static class L
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);
            static void M() => mmap(IntPtr.Zero, 4096, 3, PerPlatformValues.MAP_ANON_FLAGS, -1, 0);
        }
        """).RunAsync();

    [Fact]
    public Task Or_chains_over_several_branches_produce_sets() => LibcAsync("""
                int prot = PROT_READ;
                if (condition)
                {
                    prot |= PROT_WRITE;
                }
                else if (unknown > 3)
                {
                    prot |= PROT_WRITE | PROT_EXEC;
                }
                else
                {
                    prot = PROT_READ | PROT_WRITE;
                }

                mmap(IntPtr.Zero, (UIntPtr)4096, {|#0:prot|}, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
        """, Diagnostic(ProtectionRule.Executable).WithLocation(0).WithArguments("may be", "PROT_READ|PROT_WRITE|PROT_EXEC",
            "CheckedMmap does not support calls to mmap/mprotect with protections other than PROT_READ|PROT_WRITE"));

    [Fact]
    public Task A_local_reassigned_on_every_path_to_good_values_is_not_reported() => LibcAsync("""
                int flags = MAP_SHARED;
                flags = condition ? MAP_PRIVATE : MAP_PRIVATE;
                flags |= MAP_ANONYMOUS;
                int fd;
                fd = -1;
        """ + Call(flags: "flags", fd: "fd"));

    [Fact]
    public Task Ryujinx_style_flags_built_in_a_switch() => LibcAsync("""
                int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                switch (unknown)
                {
                    case 0:
                        flags |= MAP_NORESERVE;
                        break;
                    case 1:
                        flags |= MAP_FIXED;
                        break;
                }

                mmap(address, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP001:{|MMAP005:flags|}|}, -1, IntPtr.Zero);
        """);

    [Fact]
    public Task A_loop_that_grows_the_set_past_its_bound_ends_unknown() => LibcAsync("""
                int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                for (int i = 0; i < unknown; i++)
                {
                    flags += 0x100;
                }

        """ + Call(flags: "flags"));

    [Fact]
    public Task A_loop_with_a_bounded_set_still_decides() => LibcAsync("""
                int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                while (unknown-- > 0)
                {
                    flags |= MAP_POPULATE;
                }

        """ + Call(flags: "{|MMAP005:flags|}"));

    [Fact]
    public Task Unknown_definitions_make_the_local_unknown() => LibcAsync("""
                int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                if (condition)
                {
                    flags = unknown;
                }

                int viaOut;
                Produce(out viaOut);
                int aliased = MAP_SHARED;
                ref int alias = ref aliased;
                alias = MAP_PRIVATE | MAP_ANONYMOUS;
                int captured = MAP_SHARED;
                Action a = () => captured = MAP_PRIVATE | MAP_ANONYMOUS;
                a();
        """ + Call(flags: "flags") + Call(flags: "viaOut") + Call(flags: "aliased") + Call(flags: "captured") + """

            }
            static void Produce(out int value) => value = MAP_PRIVATE | MAP_ANONYMOUS;
            void N()
            {
        """);

    [Fact]
    public Task A_local_never_written_after_its_initializer_is_read_without_a_flow_graph_even_in_a_lambda() => LibcAsync("""
                int shared = condition ? MAP_SHARED : MAP_PRIVATE;
                int flags = shared | MAP_ANONYMOUS;
                Func<IntPtr> later = () => mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:flags|}, -1, IntPtr.Zero);
                int rewritten = MAP_PRIVATE | MAP_ANONYMOUS;
                Action reset = () => rewritten++;
        """ + Call(flags: "rewritten"));

    [Fact]
    public Task Locals_inside_lambdas_and_local_functions_are_analysed_in_their_own_body() => LibcAsync("""
                Func<IntPtr> lambda = () =>
                {
                    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK;
                    return mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP005:flags|}, -1, IntPtr.Zero);
                };
                Local();

                void Local()
                {
                    int prot = PROT_NONE;
                    mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:prot|}, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                }
        """);

    [Fact]
    public Task Casts_and_conversions_of_every_kind() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        struct off_t { public long Value; public static implicit operator off_t(long v) => new off_t { Value = v }; }
        struct size_t { public ulong Value; public static implicit operator size_t(ulong v) => new size_t { Value = v }; }

        static unsafe class L
        {
            [DllImport("libc")] static extern void* mmap(void* a, size_t l, uint p, uint f, IntPtr fd, off_t o);

            static void M(int srcOffset)
            {
                mmap(null, 4096UL, 3u, 0x22u, new IntPtr(-1), 0L);
                mmap((void*)0, (ulong)(4 * 4096), (uint)3, unchecked((uint)0x22), (IntPtr)(-1), (long)0);
                mmap(null, 4096UL, 3u, 0x22u, new IntPtr(-1), {|MMAP006:(long)0x8000000|});
                mmap(null, {|MMAP007:0UL|}, 3u, 0x22u, new IntPtr(-1), (long)srcOffset);
                mmap(null, 4096UL, {|MMAP004:~0u & 7u|}, {|MMAP005:0x22u ^ 0x4000u|}, {|MMAP003:(IntPtr)3|}, 0L);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Os_checks_pick_the_branch_of_the_target() => LibcAsync(
        Call(flags: "OperatingSystem.IsLinux() ? 0x22 : 0x1002")
        + Call(flags: "System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX) ? 0x1002 : MAP_PRIVATE | MAP_ANONYMOUS")
        + Call(flags: "{|MMAP005:!OperatingSystem.IsLinux() ? 0x22 : 0x1002|}")
        + """

                int flags = MAP_PRIVATE;
                if (OperatingSystem.IsMacOS()) flags |= 0x1000; else flags |= MAP_ANONYMOUS;
        """ + Call(flags: "flags"));

    [Fact]
    public Task Helper_results_and_parameters_are_unknown() => LibcAsync(
        Call(flags: "FlagsFor(condition)", prot: "unknown", fd: "address.ToInt32()", offset: "address") + """

            }
            static int FlagsFor(bool shared) => shared ? MAP_SHARED : MAP_PRIVATE;
            void N()
            {
        """);

    [Fact]
    public Task Too_many_combinations_become_unknown() => LibcAsync("""
                int a = condition ? 1 : 2, b = unknown > 0 ? 4 : 8, c = unknown > 1 ? 16 : 32, d = unknown > 2 ? 64 : 128, e = unknown > 3 ? 256 : 512, g = unknown > 4 ? 1024 : 2048;
        """ + Call(prot: "a | b | c | d | e | g"));

    [Fact]
    public Task A_compound_assignment_argument_is_evaluated_where_it_stands() => LibcAsync("""
                int flags = MAP_PRIVATE;
        """ + Call(flags: "flags |= MAP_ANONYMOUS") + Call(flags: "flags") + Call(flags: "{|MMAP005:flags |= MAP_POPULATE|}"));
}
