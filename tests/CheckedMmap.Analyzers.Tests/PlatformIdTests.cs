using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary><c>Environment.OSVersion.Platform</c> is <c>PlatformID.Unix</c> on every target (.NET reports Unix on macOS
/// too), so the branches of the old idiom that only Windows or <c>MacOSX</c> would take are dropped.</summary>
public class PlatformIdTests
{
    [Fact]
    public Task Branches_other_platforms_take_are_dropped() => new MmapAnalyzerTest("""
        using System;

        static class C
        {
            static void Ternary()
            {
                int anon = Environment.OSVersion.Platform == PlatformID.MacOSX ? 0x1000 : 0x20;
                int flags = Environment.OSVersion.Platform != PlatformID.Unix ? 0x99 : 2 | anon;
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, flags, -1, 0);
            }

            static void Switch()
            {
                int flags;
                switch (Environment.OSVersion.Platform)
                {
                    case PlatformID.Unix: flags = 0x32; break;
                    default: flags = 0x22; break;
                }

                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|#0:flags|}, -1, 0);
            }
        }
        """).WithSource(Sources.Libc).Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(CheckedMmap.Analyzers.Rules.MapFixedRule.Descriptor).WithLocation(0).WithArguments(
            "are", "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS", "MAP_FIXED", "CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument")).RunAsync();

    // .NET reports Unix on macOS too: the idiom's Unix branch runs there, and 0x20 is not macOS's MAP_ANON.
    [Fact]
    public Task On_macos_the_unix_branch_is_taken() => new MmapAnalyzerTest("""
        using System;

        static class C
        {
            static void Ternary()
            {
                int flags = Environment.OSVersion.Platform == PlatformID.MacOSX ? 0x1002 : 0x22;
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP005:flags|}, -1, 0);
            }
        }
        """).WithSource(Sources.Libc).WithEditorConfig("checkedmmap.target_os = macos").RunAsync();

    [Fact]
    public Task A_comparison_with_the_platform_id_decides_ifs_and_ternaries() => new MmapAnalyzerTest("""
        using System;

        static class C
        {
            static void M()
            {
                if (Environment.OSVersion.Platform == PlatformID.MacOSX)
                {
                    Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, 0x1002, -1, 0);
                }

                if (Environment.OSVersion.Platform == PlatformID.Unix)
                {
                    Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP005:0x1002|}, -1, 0);
                }

                if (PlatformID.Win32NT != Environment.OSVersion.Platform)
                {
                    Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP002:0x21|}, -1, 0);
                }
            }
        }
        """).WithSource(Sources.Libc).RunAsync();
}
