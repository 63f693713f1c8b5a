using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// A call the target OS never runs (in the branch of a platform check it does not take, after a guard that leaves on
/// it, or in a method limited to other platforms) is not judged by the target's numbers; calls it runs still are.
/// </summary>
public class OsGuardTests
{
    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;
        using System.Runtime.Versioning;

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
        }
        """;

    // 0x1002 is MAP_PRIVATE|MAP_ANON on macOS (MAP_PRIVATE|MAP_EXECUTABLE on Linux); 0x22 the reverse (MAP_RENAME on macOS).
    private const string Guarded = """
        using System;
        using System.Runtime.Versioning;

        static class Use
        {
            static nint Branches(nuint size)
            {
                if (OperatingSystem.IsMacOS())
                {
                    return Native.mmap(0, size, 3, {|#0:0x1002|}, -1, 0);
                }
                else
                {
                    return Native.mmap(0, size, 3, {|#1:0x22|}, -1, 0);
                }
            }

            static nint Guard(nuint size)
            {
                if (!OperatingSystem.IsMacOS()) throw new PlatformNotSupportedException();
                return Native.mmap(0, size, 3, {|#2:0x1002|}, -1, 0);
            }

            static nint Operand(nuint size) => OperatingSystem.IsLinux() ? Native.mmap(0, size, 3, {|#3:0x22|}, -1, 0) : 0;

            [SupportedOSPlatform("macos")]
            static nint MacOnly(nuint size) => Native.mmap(0, size, 3, {|#4:0x1002|}, -1, 0);

            [UnsupportedOSPlatform("linux")]
            static nint NotLinux(nuint size) => Native.mmap(0, size, 3, {|#5:0x1002|}, -1, 0);

            static nint Everywhere(nuint size) => Native.mmap(0, size, 3, {|#6:0x01|}, -1, 0);
        }
        """;

    [Fact]
    public Task On_linux_only_the_calls_linux_runs_are_judged() => new MmapAnalyzerTest(Guarded)
        .WithSource(Binding)
        .Expect(
            new DiagnosticResult(MapSharedRule.WithoutDescriptor).WithLocation(6).WithArguments("are", "MAP_SHARED",
                "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS"))
        .RunAsync();

    [Fact]
    public Task On_macos_the_macos_branches_are_judged_and_the_linux_ones_are_not() => new MmapAnalyzerTest(Guarded)
        .WithSource(Binding)
        .WithEditorConfig("checkedmmap.target_os = macos")
        .Expect(
            new DiagnosticResult(MapSharedRule.WithoutDescriptor).WithLocation(6).WithArguments("are", "MAP_SHARED",
                "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS"))
        .RunAsync();

    private const string Jumps = """
        using System;

        static class Use
        {
            static nint Jump(nuint size)
            {
                if (!OperatingSystem.IsMacOS()) goto linux;
                return Native.mmap(0, size, 3, 0x1002, -1, 0);
                linux:
                return Native.mmap(0, size, 3, 0x22, -1, 0);
            }

            static nint FallenInto(nuint size, bool again)
            {
                if (!OperatingSystem.IsMacOS()) goto linux;
                if (again) size *= 2;
                linux:
                return Native.mmap(0, size, 3, {|MMAP005:0x22|}, -1, 0); // also reached by falling in
            }
        }
        """;

    [Fact]
    public Task A_label_reached_only_by_gotos_the_target_never_takes_is_not_judged() => new MmapAnalyzerTest(Jumps)
        .WithSource(Binding)
        .WithEditorConfig("checkedmmap.target_os = macos")
        .RunAsync();

    [Fact]
    public Task A_check_held_in_a_local_decides_whether_a_call_runs_unless_the_local_is_written_again() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static nint Branch(nuint size)
            {
                bool mac = OperatingSystem.IsMacOS();
                if (mac) return Native.mmap(0, size, 3, 0x1002, -1, 0);
                return 0;
            }

            static nint Guard(nuint size)
            {
                bool linux = OperatingSystem.IsLinux();
                if (linux) return 0;
                return Native.mmap(0, size, 3, 0x1002, -1, 0);
            }

            static Func<nint> Lambda(nuint size)
            {
                var mac = OperatingSystem.IsMacOS() && !OperatingSystem.IsLinux();
                return mac ? () => Native.mmap(0, size, 3, 0x1002, -1, 0) : () => 0;
            }

            static nint Reassigned(nuint size, bool force)
            {
                bool mac = OperatingSystem.IsMacOS();
                if (force) mac = true;
                if (mac) return Native.mmap(0, size, 3, {|MMAP005:0x1002|}, -1, 0);
                return 0;
            }

            static nint PassedByRef(nuint size)
            {
                bool mac = OperatingSystem.IsMacOS();
                Decide(ref mac);
                if (mac) return Native.mmap(0, size, 3, {|MMAP005:0x1002|}, -1, 0);
                return 0;
            }

            static void Decide(ref bool value) => value = true;
        }
        """).WithSource(Binding).RunAsync();

    [Fact]
    public Task Guards_that_leave_a_loop_a_switch_section_or_an_iterator_and_lambdas_made_after_them_are_understood() => new MmapAnalyzerTest("""
        using System;
        using System.Collections.Generic;

        static class Use
        {
            static void Loops(nuint size, int n)
            {
                for (int i = 0; i < n; i++)
                {
                    if (!OperatingSystem.IsMacOS()) continue;
                    Native.mmap(0, size, 3, 0x1002, -1, 0);
                }

                while (true)
                {
                    if (!OperatingSystem.IsMacOS()) break;
                    Native.mmap(0, size, 3, 0x1002, -1, 0);
                }

                switch (n)
                {
                    case 1:
                        if (!OperatingSystem.IsMacOS()) break;
                        Native.mmap(0, size, 3, 0x1002, -1, 0);
                        break;
                }
            }

            static IEnumerable<nint> Iterator(nuint size)
            {
                if (!OperatingSystem.IsMacOS()) yield break;
                yield return Native.mmap(0, size, 3, 0x1002, -1, 0);
            }

            static Func<nint> Lambda(nuint size)
            {
                if (!OperatingSystem.IsMacOS()) return () => Native.mmap(0, size, 3, {|MMAP005:0x8022|}, -1, 0);
                return () => Native.mmap(0, size, 3, 0x1002, -1, 0);
            }

            static nint Jumped(nuint size, bool skip)
            {
                if (skip) goto mapped;
                if (!OperatingSystem.IsMacOS()) throw new PlatformNotSupportedException();
                mapped:
                return Native.mmap(0, size, 3, {|MMAP005:0x1002|}, -1, 0);
            }

            static nint LocalFunction(nuint size)
            {
                nint Map() => Native.mmap(0, size, 3, {|MMAP005:0x1002|}, -1, 0);
                if (!OperatingSystem.IsMacOS()) return Map();
                return 0;
            }
        }
        """).WithSource(Binding).RunAsync();

    [Fact]
    public Task A_check_the_target_passes_still_judges_its_calls() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static nint Branch(nuint size)
            {
                if (OperatingSystem.IsLinux())
                {
                    return Native.mmap(0, size, 3, {|MMAP002:0x21|}, -1, 0);
                }

                // Linux has left above: this call runs elsewhere only.
                return Native.mmap(0, size, 3, 0x1002, -1, 0);
            }

            static nint M(nuint size)
            {
                if (!OperatingSystem.IsLinux()) return 0;
                if (size == 0) return 0;
                return Native.mmap(0, size, 3, {|MMAP005:0x8022|}, -1, 0);
            }

            static nint Unknown(nuint size, bool mac) => mac ? Native.mmap(0, size, 3, {|MMAP005:0x1002|}, -1, 0) : 0;
        }
        """).WithSource(Binding).RunAsync();

    [Fact]
    public Task A_switch_section_the_target_does_not_take_is_not_judged() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static nint M(nuint size)
            {
                switch (OperatingSystem.IsMacOS())
                {
                    case true:
                        return Native.mmap(0, size, 3, 0x1002, -1, 0);
                    case false:
                        return Native.mmap(0, size, 3, {|MMAP002:0x21|}, -1, 0);
                }
            }

            static nint Default(nuint size)
            {
                switch (OperatingSystem.IsLinux())
                {
                    case false:
                        return Native.mmap(0, size, 3, 0x1002, -1, 0);
                    default:
                        return Native.mmap(0, size, 3, {|MMAP002:0x21|}, -1, 0);
                }
            }
        }
        """).WithSource(Binding).RunAsync();

    // A test's data attribute passes its values as one array argument (params object[]), which has no single Value.
    [Fact]
    public Task Attributes_with_array_arguments_are_read_without_failing() => new MmapAnalyzerTest("""
        using System;

        [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
        sealed class DataAttribute : Attribute
        {
            public DataAttribute(params object[] data) { }
        }

        [Data("linux", 1)]
        static class C
        {
            [Data(1L << 30)]
            [Data]
            static nint Map(long bytes) => Native.mmap(0, (nuint)bytes, {|MMAP004:1|}, 0x22, -1, 0);
        }
        """).WithSource(Binding).RunAsync();
}
