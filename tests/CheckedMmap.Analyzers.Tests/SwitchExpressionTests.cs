using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Switch expressions choose a value per arm, as a conditional does: an argument or a local's value is the union
/// of the arms that may be taken, and a known governing value takes its arm alone.</summary>
public class SwitchExpressionTests
{
    [Fact]
    public Task A_local_set_by_a_switch_expression_may_be_any_arm() => new MmapAnalyzerTest("""
        using System;

        static class C
        {
            static void Bool()
            {
                var flags = Environment.Is64BitProcess switch { true => Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, false => Libc.MAP_SHARED | Libc.MAP_ANONYMOUS };
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP002:flags|}, -1, 0);
            }

            static void Int()
            {
                int k = Environment.ProcessorCount;
                var flags = k switch { 1 => Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, _ => Libc.MAP_SHARED | Libc.MAP_ANONYMOUS };
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP002:flags|}, -1, 0);
            }

            static void Argument() =>
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|MMAP002:Environment.ProcessorCount switch { 1 => Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, _ => Libc.MAP_SHARED | Libc.MAP_ANONYMOUS }|}, -1, 0);
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task Every_arm_malloc_like_is_silent() => new MmapAnalyzerTest("""
        using System;

        static class C
        {
            static void Arms(int n)
            {
                var flags = n switch { 0 => Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, > 4 when n < 9 => 0x22, _ => Libc.MAP_ANONYMOUS | Libc.MAP_PRIVATE };
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, flags, -1, 0);
            }

            // The governing value is known: only its arm is taken, the others never reach mmap.
            static void Known()
            {
                const int mode = 1;
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, mode switch { 0 => Libc.MAP_SHARED, 1 => 0x22, _ => 0x11 }, -1, 0);
            }

            // On a Linux target the macOS arm (0x1002 is MAP_PRIVATE|MAP_ANON there) is never taken.
            static void PerOs() =>
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, OperatingSystem.IsMacOS() switch { true => 0x1002, false => 0x22 }, -1, 0);

            static void FalseGuard() =>
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Environment.ProcessorCount switch { _ when OperatingSystem.IsWindows() => Libc.MAP_SHARED, _ => 0x22 }, -1, 0);

            // An arm of unknown value leaves the whole expression unknown: nothing is claimed.
            static void UnknownArm(int other) =>
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Environment.ProcessorCount switch { 1 => Libc.MAP_SHARED, _ => other }, -1, 0);
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task A_known_governing_value_makes_the_verdict_definite() => new MmapAnalyzerTest("""
        static class C
        {
            static void Known()
            {
                const int mode = 0;
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|#0:mode switch { 0 => Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, _ => 0x22 }|}, -1, 0);
            }

            static void Unknown(int mode) =>
                Libc.mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, {|#1:mode switch { 0 => Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, _ => 0x22 }|}, -1, 0);
        }
        """).WithSource(Sources.Libc).Expect(
            Shared(0, "are"), Shared(1, "may be")).RunAsync();

    private static DiagnosticResult Shared(int location, string verb) =>
        new DiagnosticResult(MapSharedRule.Descriptor).WithLocation(location).WithMessage(
            $"mmap flags {verb} MAP_SHARED|MAP_ANONYMOUS, a shared mapping; the checked runtime and Miri support only private anonymous mappings: " +
            "\"CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS\"");
}
