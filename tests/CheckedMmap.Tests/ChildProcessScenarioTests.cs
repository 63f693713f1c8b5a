// The package's child-process helper (CheckedMmap.Testing), run against this assembly's own scenarios.
using System;
using System.Runtime.InteropServices;
using CheckedMmap.Testing;
using Xunit;

namespace CheckedMmap.Tests;

public class ChildProcessScenarioTests
{
    private static bool ReportsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    [Fact]
    public void A_scenario_that_returns_exits_0_with_its_output()
    {
        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.Healthy);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("in bounds ok 3", r.StandardOutput);
        Assert.Empty(r.Reports);
        Assert.Null(r.Report);

        // Expecting a report from a child that wrote none says what most often causes it.
        var e = Assert.Throws<ChildProcessAssertionException>(() => r.AssertReport(134, "buffer overflow"));
        Assert.StartsWith("expected exit code 134, got 0 (no CheckedMmap report at all: a project built without -p:CheckedMmap=true runs the scenario on libc)", e.Message);
    }

    [Fact]
    public void A_fault_gives_the_exit_code_and_the_structured_report()
    {
        if (!ReportsSupported)
        {
            return;
        }

        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.ReadAfterMunmap)
            .AssertReport(134, "use after munmap", "alloc1 was destroyed by munmap on thread 1 here:", "ChildScenarios.ReadAfterMunmap()");
        ChildProcessReport report = r.Report!;
        Assert.Equal("fault", report.Category);
        Assert.True(report.EndsProcess);
        Assert.StartsWith("use after munmap: access at 0x", report.Summary);
        Assert.Contains(report.Text, r.StandardError);
        Assert.DoesNotContain("StartupHookProvider", report.Text); // the hook that runs the scenario is plumbing, not the user's

        var e = Assert.Throws<ChildProcessAssertionException>(() => r.AssertReport(134, "buffer overflow"));
        Assert.StartsWith("expected a buffer overflow report, got use after munmap", e.Message);
        Assert.Contains("--- standard error ---", e.Message);
        Assert.Same(r, e.Result);
        Assert.Throws<ChildProcessAssertionException>(() => r.AssertReport(139, "use after munmap"));
        Assert.Throws<ChildProcessAssertionException>(() => r.AssertReport(134, "use after munmap", "not in the report"));
    }

    [Fact]
    public void A_native_fault_exits_139_after_its_report()
    {
        if (!ReportsSupported)
        {
            return;
        }

        ChildProcessScenario.Run(ChildScenarios.NativeMemsetPastEnd)
            .AssertReport(139, "buffer overflow", "0 bytes after the 4096-byte mapping alloc1", "libc.so.6");
    }

    [Fact]
    public void Undefined_behavior_reports_reach_the_parent_and_lambdas_without_captures_run()
    {
        ChildProcessResult r = ChildProcessScenario.Run(() => ChildScenarios.UncaughtPartialMunmap());
        Assert.Equal(134, r.ExitCode);
        Assert.Equal("undefined-behavior", r.Report!.Category);
        Assert.Equal("partial munmap", r.Report.Kind);
        Assert.False(r.Report.EndsProcess);
        Assert.StartsWith("partial munmap: 4096 of the 8192 bytes of alloc1 in CheckedMmap.Tests.ChildScenarios.UncaughtPartialMunmap()", r.Report.Summary);
    }

    [Fact]
    public void Leaks_at_exit_and_environment_reach_the_child()
    {
        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.LeakOneMapping, (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        r.AssertReport(1, "leak", "12288-byte mapping alloc1");
        Assert.True(r.Report!.EndsProcess);
        Assert.Empty(r.Report.Tests);
        Assert.DoesNotContain("in the test", r.Report.Text);
    }

    [Fact]
    public void A_leak_at_exit_names_the_test_that_made_the_mapping()
    {
        const string Test = "CheckedMmap.Tests.ChildScenarios.LeakOneMappingInATest";
        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.LeakOneMappingInATest, (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        r.AssertReport(1, "leak", "12288-byte mapping alloc1 [0x", "), live, in the test " + Test + Environment.NewLine);
        Assert.EndsWith(", in the test " + Test + ".", r.Report!.Summary);
        Assert.Equal(new[] { Test }, r.Report.Tests);
    }

    [Fact]
    public void A_report_records_the_test_on_its_stack()
    {
        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.UncaughtPartialMunmapInATest);
        Assert.Equal("partial munmap", r.Report!.Kind);
        Assert.Equal(new[] { "CheckedMmap.Tests.ChildScenarios.UncaughtPartialMunmapInATest" }, r.Report.Tests);
        Assert.Empty(ChildProcessScenario.Run(() => ChildScenarios.UncaughtPartialMunmap()).Report!.Tests);
    }

    [Fact]
    public void A_report_printed_on_a_writer_of_the_programs_own_names_no_standard_error()
    {
        ChildProcessResult r = ChildProcessScenario.Run(ChildScenarios.LeakOneMappingToOwnWriter, (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        r.AssertReport(1, "leak", "12288-byte mapping alloc1");
        Assert.Null(r.Report!.PrintedTo);
        Assert.DoesNotContain("==CheckedMmap== ERROR: leak", r.StandardError);
    }

    [Fact]
    public void Reports_that_end_the_process_reach_its_standard_error_when_a_framework_captures_Console_Error()
    {
        ChildProcessResult leak = ChildProcessScenario.Run(ChildScenarios.LeakOneMappingWithConsoleErrorCaptured, (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        leak.AssertReport(1, "leak", "12288-byte mapping alloc1");
        Assert.Contains("==CheckedMmap== ERROR: leak", leak.StandardError);
        if (OperatingSystem.IsLinux())
        {
            // The parent reads the child's standard error through a pipe: the record names it, so that a process
            // sharing that pipe knows the report is already in the output.
            Assert.StartsWith("pipe:[", leak.Report!.PrintedTo);
        }

        if (ReportsSupported)
        {
            ChildProcessResult fault = ChildProcessScenario.Run(ChildScenarios.NativeMemsetPastEndWithConsoleErrorCaptured);
            fault.AssertReport(139, "buffer overflow", "0 bytes after the 4096-byte mapping alloc1");
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow", fault.StandardError);
        }
    }

    [Fact]
    public void Scenarios_that_capture_state_are_refused()
    {
        int captured = 3;
        var e = Assert.Throws<ArgumentException>(() => ChildProcessScenario.Run(() => Console.WriteLine(captured)));
        Assert.Contains("captures variables", e.Message);
        Assert.Throws<ArgumentNullException>(() => ChildProcessScenario.Run(null!));
    }
}
