using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>OS checks behind one-line helpers, properties and static readonly fields; values named in the target OS's constants.</summary>
public class OsHelperTests
{
    private const string Polyfills = """
        using System;
        using System.Runtime.InteropServices;

        static class Polyfills
        {
            public static bool IsLinux() => OperatingSystem.IsLinux();

            public static bool IsMac()
            {
                return RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
            }

            public static bool IsMacOSX => IsMac();

            public static readonly bool IsFreeBsd = RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD);
        }

        static class Flags
        {
            public static int MAP_NORESERVE => Polyfills.IsMacOSX ? 0x40 : 0x4000;
        }

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }
        """;


    [Fact]
    public Task A_local_that_holds_an_os_check_picks_the_target_branch() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M()
            {
                bool mac = OperatingSystem.IsMacOS();
                int flags = 0x02;
                if (mac) flags |= 0x1000; else flags |= 0x20;
                Native.mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
                bool linux = Polyfills.IsLinux();
                Native.mmap(IntPtr.Zero, 4096, 3, {|#0:linux ? 0x4022 : 0x1002|}, -1, 0);
            }
        }
        """).WithSource(Polyfills).Expect(
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task Os_checks_joined_with_and_and_or_pick_the_target_branch() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static bool IsApple => OperatingSystem.IsMacOS() || OperatingSystem.IsIOS();

            static bool IsAndroid() => OperatingSystem.IsAndroid();

            static IntPtr M(nuint n)
            {
                Native.mmap(IntPtr.Zero, 4096, 3, IsApple ? 0x1002 : 0x22, -1, 0);
                // An Android app builds for the Linux target: there the check is undecided.
                Native.mmap(IntPtr.Zero, 4096, 3, {|#1:IsAndroid() ? 0x4022 : 0x22|}, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|#0:IsApple ? 0x1002 : 0x4022|}, -1, 0);
                if (OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS())
                {
                    return Native.mmap(IntPtr.Zero, n, 3, 0x1002, -1, 0);
                }

                return Native.mmap(IntPtr.Zero, n, 3, 0x22, -1, 0);
            }
        }
        """).WithSource(Polyfills).Expect(
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags),
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(1).WithArguments("may be", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task A_switch_on_an_os_check_picks_the_target_case() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static int NoReserve()
            {
                int r = 0x22;
                switch (OperatingSystem.IsMacOS())
                {
                    case true:
                        r |= 0x40;
                        break;
                    default:
                        r |= 0x4000;
                        break;
                }

                return r;
            }

            static void M()
            {
                Native.mmap(IntPtr.Zero, 4096, 3, {|#0:NoReserve()|}, -1, 0);
                int flags = 0x22;
                switch (OperatingSystem.IsLinux())
                {
                    case false:
                        flags |= 0x40;
                        break;
                    case true:
                        flags |= 0x4000;
                        break;
                }

                Native.mmap(IntPtr.Zero, 4096, 3, {|#1:flags|}, -1, 0);
            }
        }
        """).WithSource(Polyfills).Expect(
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags),
            Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(1).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags)).RunAsync();

    [Fact]
    public Task A_helper_that_wraps_an_os_check_picks_the_target_branch() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M()
            {
                var flags = Polyfills.IsLinux() ? 0x22 : 0x1002;
                Native.mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, Polyfills.IsMacOSX ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, Polyfills.IsFreeBsd ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|MMAP005:!Polyfills.IsLinux() ? 0x1002 : 0x4022|}, -1, 0);
            }
        }
        """).WithSource(Polyfills).RunAsync();

    [Fact]
    public Task On_macos_the_mac_branch_is_judged_with_mac_numbers() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M()
            {
                var flags = Polyfills.IsLinux() ? 0x22 : 0x1002;
                Native.mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|#0:Polyfills.IsLinux() ? 0x1002 : 0x1042|}, -1, 0);
            }
        }
        """).WithSource(Polyfills).WithEditorConfig("checkedmmap.target_os = macos")
        .Expect(Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_NORESERVE|MAP_ANONYMOUS", "MAP_NORESERVE", ExpectedQuotes.Flags))
        .RunAsync();

    [Fact]
    public Task A_value_only_another_os_can_take_is_dropped_not_named_in_linux_terms() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static void M()
            {
                Native.mmap(IntPtr.Zero, 4096, 3, {|#0:0x22 | Flags.MAP_NORESERVE|}, -1, 0);
            }
        }
        """).WithSource(Polyfills)
        .Expect(Verify.Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_NORESERVE", ExpectedQuotes.Flags))
        .RunAsync();

    [Fact]
    public Task A_helper_whose_answer_depends_on_an_unknown_stays_undecided_and_one_that_logs_first_is_run() => new MmapAnalyzerTest("""
        using System;

        static class Use
        {
            static bool Decide(int x) => x > 3 && OperatingSystem.IsLinux();

            static bool Busy()
            {
                Console.WriteLine("checking");
                return OperatingSystem.IsLinux();
            }

            static void M(int unknown)
            {
                Native.mmap(IntPtr.Zero, 4096, 3, {|MMAP005:Decide(unknown) ? 0x22 : 0x4022|}, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, Busy() ? 0x22 : 0x4022, -1, 0); // its body is run: it answers IsLinux()
            }
        }
        """).WithSource(Polyfills).RunAsync();

    [Fact]
    public Task A_static_get_only_auto_property_and_a_created_os_platform_are_followed() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Platform
        {
            public static bool IsDarwin { get; } = OperatingSystem.IsMacOS();

            public static bool IsBsd { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Create("FREEBSD"));

            public static readonly OSPlatform Mac = OSPlatform.Create("OSX");
        }

        static class Reassigned
        {
            static Reassigned() => IsDarwin = !OperatingSystem.IsMacOS();

            public static bool IsDarwin { get; } = OperatingSystem.IsMacOS();
        }

        static class Use
        {
            static void M()
            {
                Native.mmap(IntPtr.Zero, 4096, 3, Platform.IsDarwin ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, Platform.IsBsd ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, RuntimeInformation.IsOSPlatform(OSPlatform.Create("osx")) ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, RuntimeInformation.IsOSPlatform(Platform.Mac) ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|MMAP005:RuntimeInformation.IsOSPlatform(OSPlatform.Create("LINUX")) ? 0x1002 : 0x22|}, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|MMAP005:Reassigned.IsDarwin ? 0x1002 : 0x22|}, -1, 0); // a static constructor may assign it
            }
        }
        """).WithSource(Polyfills).RunAsync();

    [Fact]
    public Task A_lazily_cached_os_check_is_followed_when_nothing_else_writes_the_cache() => new MmapAnalyzerTest("""
        using System;

        static class Platform
        {
            private static bool? s_mac;
            private static bool? s_reset;

            public static bool IsMac => s_mac ??= OperatingSystem.IsMacOS();

            public static bool IsMacReset => s_reset ??= OperatingSystem.IsMacOS();

            public static void Reset() => s_reset = null;
        }

        static class Use
        {
            static void M()
            {
                Native.mmap(IntPtr.Zero, 4096, 3, Platform.IsMac ? 0x1002 : 0x22, -1, 0);
                Native.mmap(IntPtr.Zero, 4096, 3, {|MMAP005:Platform.IsMacReset ? 0x1002 : 0x22|}, -1, 0); // written elsewhere: undecided
            }
        }
        """).WithSource(Polyfills).RunAsync();
}
