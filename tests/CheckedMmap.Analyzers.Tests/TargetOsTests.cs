using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Flag numbers depend on the OS: .editorconfig, then CheckedMmapTargetOS, then RuntimeIdentifier, then Linux.</summary>
public class TargetOsTests
{
    private const string Quote = "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS";

    /// <summary>Literal flags: 0x22 is private|anonymous on Linux, private|MAP_RENAME on macOS and FreeBSD; 0x1002 the reverse.</summary>
    private const string LiteralCalls = """
        using System;
        using System.Runtime.InteropServices;

        static class Posix
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void Linux() => mmap(IntPtr.Zero, 4096, 3, {|#0:0x22|}, -1, 0);
            static void Bsd() => mmap(IntPtr.Zero, 4096, 3, {|#1:0x1002|}, -1, 0);
        }
        """;

    private static DiagnosticResult[] LinuxVerdict() => new[]
    {
        new DiagnosticResult(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(1).WithArguments("are", "MAP_PRIVATE|MAP_EXECUTABLE", Quote),
    };

    private static DiagnosticResult[] BsdVerdict() => new[]
    {
        new DiagnosticResult(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_RENAME", Quote),
    };

    [Fact]
    public Task Linux_is_the_default() => new MmapAnalyzerTest(LiteralCalls).Expect(LinuxVerdict()).RunAsync();

    [Fact]
    public Task Editorconfig_selects_macos() =>
        new MmapAnalyzerTest(LiteralCalls).WithEditorConfig("checkedmmap.target_os = macos").Expect(BsdVerdict()).RunAsync();

    [Fact]
    public Task Editorconfig_selects_freebsd() =>
        new MmapAnalyzerTest(LiteralCalls).WithEditorConfig("checkedmmap.target_os = FreeBSD").Expect(BsdVerdict()).RunAsync();

    [Fact]
    public Task Editorconfig_selects_linux_over_a_macos_runtime_identifier() =>
        new MmapAnalyzerTest(LiteralCalls).WithEditorConfig("checkedmmap.target_os = linux")
            .WithGlobalConfig("build_property.RuntimeIdentifier = osx-arm64").Expect(LinuxVerdict()).RunAsync();

    [Fact]
    public Task Msbuild_property_selects_the_target() =>
        new MmapAnalyzerTest(LiteralCalls).WithGlobalConfig("build_property.CheckedMmapTargetOS = darwin").Expect(BsdVerdict()).RunAsync();

    [Fact]
    public Task Msbuild_property_wins_over_the_runtime_identifier() =>
        new MmapAnalyzerTest(LiteralCalls).WithGlobalConfig("build_property.CheckedMmapTargetOS = linux\nbuild_property.RuntimeIdentifier = freebsd-x64").Expect(LinuxVerdict()).RunAsync();

    [Fact]
    public Task Runtime_identifier_selects_the_target() =>
        new MmapAnalyzerTest(LiteralCalls).WithGlobalConfig("build_property.RuntimeIdentifier = osx-x64").Expect(BsdVerdict()).RunAsync();

    [Fact]
    public Task Windows_runtime_identifier_and_unknown_values_fall_back_to_linux() =>
        new MmapAnalyzerTest(LiteralCalls).WithEditorConfig("checkedmmap.target_os = solaris")
            .WithGlobalConfig("build_property.RuntimeIdentifier = win-x64").Expect(LinuxVerdict()).RunAsync();

    [Fact]
    public Task Editorconfig_applies_per_file() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        static partial class Posix
        {
            [DllImport("libc")] internal static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            static void Linux() => mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
        }
        """)
    {
        TestState =
        {
            Sources = { ("/mac/Mac.cs", "static class Mac { static void M() => Posix.mmap(System.IntPtr.Zero, 4096, 3, 0x1002, -1, 0); }") },
            AnalyzerConfigFiles = { ("/mac/.editorconfig", "[*.cs]\ncheckedmmap.target_os = macos\n") },
        },
    }.RunAsync();

    [Fact]
    public Task Names_mean_anonymous_whatever_their_number() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Posix
        {
            // Written with Linux numbers, built for macOS: the names say what the author meant.
            const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_ANON = 0x20;
            enum MemoryFlags { Private = 2, Anonymous = 0x20 }
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void M()
            {
                mmap(IntPtr.Zero, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, MAP_PRIVATE | MAP_ANON, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, (int)(MemoryFlags.Private | MemoryFlags.Anonymous), -1, 0);
                const int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
                mmap(IntPtr.Zero, 4096, 3, {|MMAP005:0x22|}, -1, 0);
            }
        }
        """).WithEditorConfig("checkedmmap.target_os = macos").RunAsync();

    [Theory]
    [InlineData("0x3002", "MAP_RESILIENT_CODESIGN")]
    [InlineData("0x5002", "MAP_RESILIENT_MEDIA")]
    [InlineData("0x9002", "MAP_32BIT")]
    [InlineData("0x21002", "MAP_TRANSLATED_ALLOW_EXECUTE")]
    public Task Darwin_flags_above_map_anon_have_their_macos_names(string flags, string name) => new MmapAnalyzerTest($$"""
        using System;
        using System.Runtime.InteropServices;
        static class Posix
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            static void Map() => mmap(IntPtr.Zero, 16384, 3, {|#0:{{flags}}|}, -1, 0);
        }
        """).WithEditorConfig("checkedmmap.target_os = macos")
        .Expect(new DiagnosticResult(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|" + name, name, Quote)).RunAsync();

    [Fact]
    public Task Macos_only_flags_are_named_on_macos() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        static class Posix
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            static void Jit() => mmap(IntPtr.Zero, 4096, {|MMAP004:7|}, {|#0:0x1802|}, -1, 0);
        }
        """).WithEditorConfig("checkedmmap.target_os = macos")
        .Expect(new DiagnosticResult(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_JIT|MAP_ANONYMOUS", "MAP_JIT", Quote)).RunAsync();

    [Fact]
    public Task On_freebsd_MAP_STACK_maps_anonymous_memory_so_fd_minus_one_is_no_EBADF() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Posix
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void Stacks()
            {
                mmap(IntPtr.Zero, 65536, 3, {|#0:0x402|}, -1, 0);
                mmap(IntPtr.Zero, 65536, 3, {|#1:0x401|}, -1, 0);
            }
        }
        """).WithEditorConfig("checkedmmap.target_os = FreeBSD").Expect(
            new DiagnosticResult(FlagsRule.MissingAnonymous).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_STACK", Quote),
            new DiagnosticResult(MapSharedRule.Descriptor).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_STACK", Quote),
            new DiagnosticResult(FlagsRule.ExtraBitsBesidesMappingType).WithLocation(1).WithArguments("are", "MAP_SHARED|MAP_STACK", "MAP_STACK", Quote)).RunAsync();
}
