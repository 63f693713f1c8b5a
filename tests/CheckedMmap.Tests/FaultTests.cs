// Guard-page and quarantine faults, leak-at-exit and environment handling, each in a child process.
using System;
using System.Runtime.InteropServices;
using Xunit;

namespace CheckedMmap.Tests;

public class FaultTests
{
    private const string Fatal = "Fatal error.";
    private const string Ave = "System.AccessViolationException";

    private static void AssertDeterministicFault(string scenario, string reachedLine, string faultingFrame)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // exit codes and texts below are the Unix runtime's
        }

        for (int run = 0; run < 3; run++)
        {
            ChildProcess.Result r = ChildProcess.Run(scenario);
            Assert.True(r.ExitCode == 134, r.ToString());
            Assert.Contains(reachedLine, r.Stdout);
            Assert.DoesNotContain("NOT REACHED", r.Stdout);
            Assert.Contains(Fatal, r.Stderr);
            Assert.Contains(Ave, r.Stderr);
            Assert.Contains(faultingFrame, r.Stderr);
        }
    }

    [Fact]
    public void Child_harness_runs_a_healthy_scenario()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.Healthy));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("in bounds ok 3", r.Stdout);
    }

    [Fact]
    public void Guard_page_before_start_faults_every_time() =>
        AssertDeterministicFault(nameof(ChildScenarios.WriteOneByteBeforeStart), "about to underflow", "ChildScenarios.WriteOneByteBeforeStart");

    [Fact]
    public void Guard_page_past_rounded_end_faults_every_time() =>
        AssertDeterministicFault(nameof(ChildScenarios.WriteOnePastRoundedEnd), "about to overflow", "ChildScenarios.WriteOnePastRoundedEnd");

    [Fact]
    public void M26_use_after_munmap_faults_every_time() =>
        AssertDeterministicFault(nameof(ChildScenarios.ReadAfterMunmap), "about to read freed memory", "ChildScenarios.");

    [Fact]
    public void R15_use_after_mremap_move_faults_every_time() =>
        AssertDeterministicFault(nameof(ChildScenarios.WriteAfterMremapMove), "about to write through the old pointer", "ChildScenarios.");

    [Fact]
    public void Use_after_munmap_on_a_worker_thread_faults() =>
        AssertDeterministicFault(nameof(ChildScenarios.UseAfterMunmapOnWorkerThread), "about to write freed memory on a worker", "ChildScenarios");

    private const string Legacy = "DOTNET_legacyCorruptedStateExceptionsPolicy";

    [Theory]
    [InlineData(nameof(ChildScenarios.ReadAfterMunmap), "==CheckedMmap== ERROR: use after munmap: access at 0x", "bytes into alloc1", "alloc1 was destroyed here:")]
    [InlineData(nameof(ChildScenarios.WriteAfterMremapMove), "==CheckedMmap== ERROR: use after mremap: access at 0x", "0 bytes into alloc1", "destroyed by mremap on thread")]
    [InlineData(nameof(ChildScenarios.WriteOnePastRoundedEnd), "==CheckedMmap== ERROR: access past the end: access at 0x", "0 bytes after the page-rounded end of alloc1", "alloc1 was created here:")]
    [InlineData(nameof(ChildScenarios.WriteOneByteBeforeStart), "==CheckedMmap== ERROR: access before the start: access at 0x", "1 bytes before alloc1", "alloc1 was created here:")]
    [InlineData(nameof(ChildScenarios.UseAfterMunmapOnWorkerThread), "==CheckedMmap== ERROR: use after munmap: access at 0x", "0 bytes into alloc1", "alloc1 was destroyed here:")]
    public void Fault_reports_name_the_mapping_with_the_legacy_switch(string scenario, string header, string where, string history)
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;
        }

        for (int run = 0; run < 2; run++)
        {
            ChildProcess.Result r = ChildProcess.Run(scenario, (Legacy, "1"));
            Assert.True(r.ExitCode == 134, r.ToString());
            Assert.Contains(header, r.Stderr);
            Assert.Contains(where, r.Stderr);
            Assert.Contains(history, r.Stderr);
            Assert.Contains("access stack:", r.Stderr);
            Assert.Contains("ChildScenarios." + scenario, r.Stderr);
            Assert.Contains("SUMMARY: CheckedMmap: ", r.Stderr);
            Assert.DoesNotContain("NOT REACHED", r.Stdout);
        }
    }

    [Fact]
    public void Fault_reports_are_off_without_the_legacy_switch_or_when_disabled()
    {
        Assert.Contains("fault reports active: False", ChildProcess.Run(nameof(ChildScenarios.ReportActive)).Stdout);
        Assert.Contains("fault reports active: False", ChildProcess.Run(nameof(ChildScenarios.ReportActive), (Legacy, "1"), (CheckedMmapOptions.FaultReportsVariable, "0")).Stdout);
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Contains("fault reports active: True", ChildProcess.Run(nameof(ChildScenarios.ReportActive), (Legacy, "1")).Stdout);
        }
    }

    [Fact]
    public void Uncaught_undefined_behavior_prints_the_full_report()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.UncaughtPartialMunmap));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("CheckedMmap.UndefinedBehaviorException", r.Stderr);
        Assert.Contains("==CheckedMmap== ERROR: Undefined Behavior: incorrect layout on deallocation: alloc1 has size 8192 and alignment 4096, but gave size 4096 and alignment 4096", r.Stderr);
        Assert.Contains("alloc1 was created here:", r.Stderr);
        Assert.Contains("created by mmap on thread 1", r.Stderr);
        Assert.Contains("ChildScenarios.UncaughtPartialMunmap()", r.Stderr);
    }

    [Fact]
    public void M24_live_mappings_at_exit_are_not_reported_by_default()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakOneMapping));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("LeakCheck", r.Stderr);
    }

    [Fact]
    public void Leak_check_at_exit_reports_and_fails_the_exit_code_when_asked()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakOneMapping), (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("==CheckedMmap== ERROR: LeakCheck: 1 mapping(s) (12288 bytes) still mapped", r.Stderr);
        Assert.Contains("alloc1: 12288 bytes at 0x", r.Stderr);
        Assert.Contains("ChildScenarios.LeakOneMapping()", r.Stderr);
        Assert.Contains("SUMMARY: CheckedMmap: 12288 bytes leaked in 1 mapping(s).", r.Stderr);
    }

    [Fact]
    public void Environment_page_size_is_applied_at_first_use()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.FirstCallWithEnvironment), (CheckedMmapOptions.PageSizeVariable, "16"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("mapped; page size 16384", r.Stdout);
    }

    [Fact]
    public void Environment_target_applies_to_constants_read_before_any_call()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.PrintTargetConstants), (CheckedMmapOptions.TargetVariable, "macos"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("MAP_ANONYMOUS=1000 _SC_PAGESIZE=29", r.Stdout);
    }

    [Fact]
    public void Bad_environment_value_fails_every_call_naming_the_variable()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.FirstCallWithEnvironment), (CheckedMmapOptions.PageSizeVariable, "3"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("config error: CHECKEDMMAP_PAGE_SIZE_KIB requires a power of 2: 3", r.Stdout);
        Assert.Contains("again: CHECKEDMMAP_PAGE_SIZE_KIB requires a power of 2: 3", r.Stdout);

        r = ChildProcess.Run(nameof(ChildScenarios.FirstCallWithEnvironment), (CheckedMmapOptions.TargetVariable, "windows"));
        Assert.Contains("config error: Invalid value 'windows' for environment variable CHECKEDMMAP_TARGET: expected linux, macos or freebsd.", r.Stdout);
    }

    [Fact]
    public void Thirty_thousand_live_guarded_mappings_fit_under_the_map_count_limit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.ThirtyThousandLiveMappings));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("live peak 30000", r.Stdout);
        Assert.Contains("live now 0", r.Stdout);
    }
}
