using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace CheckedMmap.Tests;

/// <summary>
/// The shipped fault pre-handler (runtimes/linux-{x64,arm64}/native/libcheckedmmap_fault.so) driven by a small C
/// program that plays the runtime's part (NativeHandler/fault_driver.c), on x64 natively and on arm64 under qemu-user:
/// the arm64 build runs although this machine has no arm64 .NET runtime. Each case runs in its own process (they
/// crash on purpose). The tools come from Debian's gcc, gcc-aarch64-linux-gnu and qemu-user (.ci/run installs them).
/// </summary>
public sealed class NativeHandlerTests
{
    public static TheoryData<string> Architectures => new() { "linux-x64", "linux-arm64" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_native_overrun_into_a_watched_guard_page_is_reported_then_ends_the_process_with_SIGSEGV(string rid)
    {
        Run r = Drive(rid, "native");
        Assert.True(r.ExitCode == 139, r.ToString());
        string faulting = Field(r, @"FAULTING address=(0x[0-9a-f]+)");
        Match report = Regex.Match(r.Stderr, @"REPORT address=(0x[0-9a-f]+) signal=11 fatal_reason=2 frames=(\d+) first_libc_frame=(\S+)");
        Assert.True(report.Success, r.ToString());
        Assert.Equal(faulting, report.Groups[1].Value);
        // The native frames reach libc's memset, the code that faulted.
        Assert.True(int.Parse(report.Groups[2].Value) > 0, r.ToString());
        Assert.StartsWith("libc.so.6", report.Groups[3].Value, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT REACHED", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_fault_outside_the_watched_range_ends_exactly_as_without_the_handler(string rid)
    {
        Run r = Drive(rid, "outside");
        Assert.True(r.ExitCode == 139, r.ToString());
        Assert.Contains("FAULTING", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("REPORT", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_fault_the_runtime_takes_is_handed_on_with_its_address_and_no_report(string rid)
    {
        Run r = Drive(rid, "handled");
        Assert.True(r.ExitCode == 42, r.ToString());
        string faulting = Field(r, @"FAULTING address=(0x[0-9a-f]+)");
        Assert.Contains($"HANDLED address={faulting} last_fault={faulting}", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("REPORT", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void With_report_first_the_report_comes_before_the_runtime_takes_the_fault(string rid)
    {
        Run r = Drive(rid, "report-first");
        Assert.True(r.ExitCode == 42, r.ToString());
        int report = r.Stderr.IndexOf("REPORT address=", StringComparison.Ordinal);
        int handled = r.Stderr.IndexOf("HANDLED address=", StringComparison.Ordinal);
        Assert.True(report >= 0 && handled > report, r.ToString());
        Assert.Contains("fatal_reason=1", r.Stderr, StringComparison.Ordinal);
    }

    private sealed record Run(int ExitCode, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stderr ---\n{Stderr}";
    }

    private static string Field(Run r, string pattern)
    {
        Match m = Regex.Match(r.Stderr, pattern);
        Assert.True(m.Success, $"no match for {pattern}\n{r}");
        return m.Groups[1].Value;
    }

    private static readonly Dictionary<string, string> Drivers = new();

    private static Run Drive(string rid, string mode)
    {
        Assert.True(RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.OSArchitecture == Architecture.X64,
            "these tests build and run the Linux pre-handler from a linux-x64 host");
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", "libcheckedmmap_fault.so");
        Assert.True(File.Exists(library), $"{library} was not built (the build warns when a compiler is missing)");
        bool arm = rid == "linux-arm64";
        string driver = Build(arm ? "aarch64-linux-gnu-gcc" : "gcc", rid);
        var start = arm
            ? new ProcessStartInfo(Tool("qemu-aarch64", "qemu-user")) { ArgumentList = { "-L", "/usr/aarch64-linux-gnu", driver, library, mode } }
            : new ProcessStartInfo(driver) { ArgumentList = { library, mode } };
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        // No core files for the deliberate crashes (qemu writes one otherwise).
        start.Environment["QEMU_CORE_DUMP"] = "0";
        using Process p = Process.Start(start)!;
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "the driver did not end within a minute\n" + stderr);
        return new Run(p.ExitCode, stderr);
    }

    private static string Build(string compiler, string rid)
    {
        lock (Drivers)
        {
            if (Drivers.TryGetValue(rid, out string? built))
            {
                return built;
            }

            string source = Path.Combine(AppContext.BaseDirectory, "NativeHandler", "fault_driver.c");
            string output = Path.Combine(AppContext.BaseDirectory, "NativeHandler", $"fault_driver-{rid}");
            var start = new ProcessStartInfo(Tool(compiler, compiler == "gcc" ? "gcc" : "gcc-aarch64-linux-gnu"))
            {
                ArgumentList = { "-O1", "-Wall", "-Werror", "-o", output, source, "-ldl", "-lpthread" },
                RedirectStandardError = true,
            };
            using Process p = Process.Start(start)!;
            string errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{compiler} failed:\n{errors}");
            Drivers[rid] = output;
            return output;
        }
    }

    private static string Tool(string name, string debianPackage)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"{name} is not installed (Debian package {debianPackage}; .ci/run installs it)");
        return name;
    }
}
