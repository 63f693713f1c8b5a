// Guard-page and quarantine faults, leak-at-exit and environment handling, each in a child process.
using System;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace CheckedMmap.Tests;

public class FaultTests
{
    private const string Fatal = "Fatal error.";
    private const string Ave = "System.AccessViolationException";
    private const string Legacy = "DOTNET_legacyCorruptedStateExceptionsPolicy";

    private static bool ReportsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>
    /// With no environment set: the ==CheckedMmap== report (kind, where the address lies, both histories, SUMMARY)
    /// comes first, then the runtime's own text; the same exit code three runs in a row.
    /// </summary>
    private static void AssertFaultReport(string scenario, int exitCode, string reachedLine, params string[] expected)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // exit codes and texts below are the Unix runtime's
        }

        for (int run = 0; run < 3; run++)
        {
            ChildProcess.Result r = ChildProcess.Run(scenario);
            Assert.True(r.ExitCode == exitCode, r.ToString());
            Assert.Contains(reachedLine, r.Stdout);
            Assert.DoesNotContain("NOT REACHED", r.Stdout);
            if (exitCode == 134)
            {
                Assert.Contains(Fatal, r.Stderr);
                Assert.Contains(Ave, r.Stderr);
                Assert.Contains("ChildScenarios.", r.Stderr.Substring(r.Stderr.IndexOf(Fatal, StringComparison.Ordinal)));
            }

            if (!ReportsSupported)
            {
                continue;
            }

            int report = r.Stderr.IndexOf("==CheckedMmap== ERROR: ", StringComparison.Ordinal);
            Assert.True(report >= 0, r.ToString());
            if (exitCode == 134)
            {
                Assert.True(report < r.Stderr.IndexOf(Fatal, StringComparison.Ordinal), "the report comes before the runtime's text\n" + r);
            }

            foreach (string text in expected)
            {
                Assert.True(r.Stderr.Contains(text, StringComparison.Ordinal), "expected \"" + text + "\" in\n" + r);
            }

            Assert.Contains("SUMMARY: CheckedMmap: ", r.Stderr);
        }
    }

    [Fact]
    public void Child_harness_runs_a_healthy_scenario()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.Healthy));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("in bounds ok 3", r.Stdout);
        Assert.DoesNotContain("==CheckedMmap==", r.Stderr);
    }

    [Theory]
    [InlineData(nameof(ChildScenarios.WriteOneByteBeforeStart), "thread 1")]
    [InlineData(nameof(ChildScenarios.WriteOneByteBeforeStartOnWorkerThread), "thread 4 \"worker\"")]
    public void Underflow_into_the_guard_page_is_reported_with_where_the_mapping_was_created(string scenario, string creator) =>
        AssertFaultReport(scenario, 134, "about to underflow",
            "==CheckedMmap== ERROR: buffer underflow: access at 0x", "1 byte before the start of alloc1 on OS thread ",
            "is located 1 byte before the 4096-byte mapping alloc1 [0x", "), live",
            "the access was made by managed code at 0x",
            "alloc1 was created by mmap on " + creator + " here:", "ChildScenarios.WriteOneByteBeforeStart()");

    [Theory]
    [InlineData(nameof(ChildScenarios.WriteOnePastRoundedEnd), "thread 1")]
    [InlineData(nameof(ChildScenarios.WriteOnePastRoundedEndOnWorkerThread), "thread 4 \"worker\"")]
    public void Overflow_into_the_guard_page_is_reported_with_where_the_mapping_was_created(string scenario, string creator) =>
        AssertFaultReport(scenario, 134, "about to overflow",
            "==CheckedMmap== ERROR: buffer overflow: access at 0x", "0 bytes after the end of alloc1 on OS thread ",
            "is located 0 bytes after the 4096-byte mapping alloc1 [0x",
            "alloc1 was created by mmap on " + creator + " here:", "mmap called at ", "ChildScenarios.WriteOnePastRoundedEnd()");

    [Fact]
    public void M26_use_after_munmap_is_reported_with_both_stacks() =>
        AssertFaultReport(nameof(ChildScenarios.ReadAfterMunmap), 134, "about to read freed memory",
            "==CheckedMmap== ERROR: use after munmap: access at 0x", " inside alloc1 on OS thread ",
            "is located 5000 bytes inside the 8192-byte mapping alloc1 [0x", "), unmapped by munmap (quarantined)",
            "alloc1 was created by mmap on thread 1 here:", "alloc1 was destroyed by munmap on thread 1 here:",
            "#1 at CheckedMmap.Tests.ChildScenarios.ReadAfterMunmap()");

    [Fact]
    public void Use_after_munmap_on_a_worker_thread_is_reported() =>
        AssertFaultReport(nameof(ChildScenarios.UseAfterMunmapOnWorkerThread), 134, "about to write freed memory on a worker",
            "==CheckedMmap== ERROR: use after munmap: access at 0x", "is located 0 bytes inside the 4096-byte mapping alloc1",
            "alloc1 was destroyed by munmap on thread 1 here:", "ChildScenarios.UseAfterMunmapOnWorkerThread()");

    [Theory]
    [InlineData(nameof(ChildScenarios.WriteAfterMremapMove), "thread 1")]
    [InlineData(nameof(ChildScenarios.WriteAfterMremapMoveOnWorkerThread), "thread 4 \"worker\"")]
    public void R15_use_after_a_moving_mremap_is_reported_with_both_stacks(string scenario, string thread) =>
        AssertFaultReport(scenario, 134, "about to write through the old pointer",
            "==CheckedMmap== ERROR: use after mremap: access at 0x", "), moved by mremap (quarantined)",
            "alloc1 was created by mmap on " + thread + " here:", "alloc1 was destroyed by mremap on " + thread + " here:",
            "mremap called at ", "ChildScenarios.WriteAfterMremapMove()");

    [Fact]
    public void A_fault_in_native_code_past_the_end_prints_the_report_before_the_process_ends() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetPastEnd), 139, "about to memset past the end",
            "==CheckedMmap== ERROR: buffer overflow: access at 0x", "is located 0 bytes after the 4096-byte mapping alloc1",
            "the access was made by native code at 0x", "libc.so.6", "alloc1 was created by mmap on thread 1 here:",
            "ChildScenarios.NativeMemsetPastEnd()", "a fault in native code is never handed to managed code (SIGSEGV, exit code 139)");

    [Fact]
    public void A_fault_in_native_code_names_the_tests_a_test_platform_says_are_running() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetPastEndDuringTests), 139, "about to memset past the end",
            "==CheckedMmap== ERROR: buffer overflow: access at 0x",
            "\nthe test platform had reported these tests running (one of them, or one it had not reported yet, made the access): Suite.First, Suite.Second\nalloc1 was created by mmap");

    [Fact]
    public void A_fault_in_native_code_names_the_running_test_that_made_the_mapping() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetPastEndInATest), 139, "about to memset past the end",
            "\nthe test running then: CheckedMmap.Tests.ChildScenarios.NativeMemsetPastEndInATest (it made alloc1)\nalloc1 was created by mmap");

    [Fact]
    public void A_fault_in_native_code_names_the_test_that_made_the_mapping_before_the_platform_reports_it() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetPastEndInATestNotYetReported), 139, "about to memset past the end",
            "\nalloc1 was made by the test CheckedMmap.Tests.ChildScenarios.NativeMemsetPastEndInATestNotYetReported; the test platform had reported this test running: Suite.Finished\n");

    [Fact]
    public void A_fault_report_says_nothing_of_tests_where_no_test_platform_reported_any()
    {
        if (!ReportsSupported)
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.NativeMemsetPastEnd));
        Assert.Contains("==CheckedMmap== ERROR: buffer overflow", r.Stderr);
        Assert.DoesNotContain("running then", r.Stderr);
        Assert.DoesNotContain("no test was running", r.Stderr);
    }

    [Fact]
    public void A_fault_in_native_code_after_munmap_prints_both_stacks_before_the_process_ends() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetAfterMunmap), 139, "about to memset freed memory",
            "==CheckedMmap== ERROR: use after munmap: access at 0x", "is located 0 bytes inside the 8192-byte mapping alloc1",
            "alloc1 was destroyed by munmap on thread 1 here:", "ChildScenarios.NativeMemsetAfterMunmap()");

    [Fact]
    public void A_fault_in_native_code_before_the_start_is_an_underflow() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetBeforeStart), 139, "about to memset before the start",
            "==CheckedMmap== ERROR: buffer underflow: access at 0x", " bytes before the start of alloc1",
            "bytes before the 4096-byte mapping alloc1 [0x", "the access was made by native code at 0x", "libc.so.6",
            "alloc1 was created by mmap on thread 1 here:", "ChildScenarios.NativeMemsetBeforeStart()");

    [Fact]
    public void A_fault_in_native_code_after_a_moving_mremap_names_both_stacks() =>
        AssertFaultReport(nameof(ChildScenarios.NativeMemsetAfterMremapMove), 139, "about to memset through the old pointer",
            "==CheckedMmap== ERROR: use after mremap: access at 0x", "), moved by mremap (quarantined)",
            "alloc1 was created by mmap on thread 1 here:", "alloc1 was destroyed by mremap on thread 1 here:",
            "ChildScenarios.NativeMemsetAfterMremapMove()", "libc.so.6");

    [Fact]
    public void A_vectorised_clear_far_past_the_guard_page_is_still_named() =>
        AssertFaultReport(nameof(ChildScenarios.LargeClearFarPastEnd), 139, "about to clear past the end",
            "==CheckedMmap== ERROR: buffer overflow: access at 0x", " bytes after the end of alloc1",
            "bytes after the 4096-byte mapping alloc1 [0x", "the access was made by native code at 0x",
            "alloc1 was created by mmap on thread 1 here:", "ChildScenarios.LargeClearFarPastEnd()");

    [Fact]
    public void With_the_legacy_policy_a_managed_fault_is_an_exception_carrying_the_report_and_the_process_goes_on()
    {
        if (!ReportsSupported)
        {
            return;
        }

        for (int run = 0; run < 3; run++)
        {
            ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.CatchOverflow), (Legacy, "1"));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("caught: ==CheckedMmap== ERROR: buffer overflow: access at 0x", r.Stdout);
            Assert.Contains("16 bytes after the end of alloc1 on thread 1", r.Stdout);
            Assert.Contains("is located 16 bytes after the 4096-byte mapping alloc1 [0x", r.Stdout);
            Assert.Contains("access stack:", r.Stdout);
            Assert.Contains("ChildScenarios.CatchOverflow() in ", r.Stdout);
            Assert.Contains("alloc1 was created by mmap on thread 1 here:", r.Stdout);
            Assert.Contains("SUMMARY: CheckedMmap: buffer overflow: access at 0x", r.Stdout);
            Assert.Contains("null stays NullReferenceException", r.Stdout);
            Assert.Contains("went on", r.Stdout);
            Assert.DoesNotContain("==CheckedMmap==", r.Stderr);
        }
    }

    [Fact]
    public void With_the_legacy_policy_an_unhandled_fault_on_a_worker_prints_the_report_as_the_exception_message()
    {
        if (!ReportsSupported)
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.WriteAfterMremapMoveOnWorkerThread), (Legacy, "1"));
        Assert.True(r.ExitCode == 134, r.ToString());
        Assert.Contains("Unhandled exception. System.AccessViolationException: ==CheckedMmap== ERROR: use after mremap: access at 0x", r.Stderr);
        Assert.Contains("alloc1 was destroyed by mremap on thread 4 \"worker\" here:", r.Stderr);
    }

    [Fact]
    public void Fault_reports_are_on_by_default_and_can_be_turned_off()
    {
        Assert.Contains("fault reports active: " + ReportsSupported, ChildProcess.Run(nameof(ChildScenarios.ReportActive)).Stdout);
        Assert.Contains("fault reports active: False", ChildProcess.Run(nameof(ChildScenarios.ReportActive), (CheckedMmapOptions.FaultReportsVariable, "0")).Stdout);
        ChildProcess.Result off = ChildProcess.Run(nameof(ChildScenarios.WriteOnePastRoundedEnd), (CheckedMmapOptions.FaultReportsVariable, "0"));
        Assert.True(off.ExitCode == 134, off.ToString());
        Assert.DoesNotContain("==CheckedMmap==", off.Stderr);
        Assert.Contains(Fatal, off.Stderr);
    }

    [Fact]
    public void Uncaught_undefined_behavior_prints_the_full_report()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.UncaughtPartialMunmap));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Unhandled exception. CheckedMmap.UndefinedBehaviorException: ==CheckedMmap== ERROR: partial munmap: 4096 of the 8192 bytes of alloc1 on thread 1", r.Stderr);
        Assert.Contains("Undefined Behavior: incorrect layout on deallocation: alloc1 has size 8192 and alignment 4096, but gave size 4096 and alignment 4096", r.Stderr);
        Assert.Contains("is located 0 bytes inside the 8192-byte mapping alloc1 [0x", r.Stderr);
        Assert.Contains("alloc1 was created by mmap on thread 1 here:", r.Stderr);
        Assert.Contains("ChildScenarios.UncaughtPartialMunmap()", r.Stderr);
        Assert.Contains("SUMMARY: CheckedMmap: partial munmap: 4096 of the 8192 bytes of alloc1 in CheckedMmap.Tests.ChildScenarios.UncaughtPartialMunmap()", r.Stderr);
    }

    [Fact]
    public void M24_live_mappings_at_exit_are_not_reported_by_default()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakOneMapping));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("==CheckedMmap==", r.Stderr);
    }

    [Fact]
    public void Leak_check_at_exit_reports_and_fails_the_exit_code_when_asked()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakOneMapping), (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("==CheckedMmap== ERROR: leak: 1 mapping (12288 bytes) still mapped at process exit", r.Stderr);
        Assert.Contains("12288-byte mapping alloc1 [0x", r.Stderr);
        Assert.Contains("alloc1 was created by mmap on thread 1 here:", r.Stderr);
        Assert.Contains("ChildScenarios.LeakOneMapping()", r.Stderr);
        Assert.Contains("SUMMARY: CheckedMmap: 12288 bytes leaked in 1 mapping (alloc1), the first created in CheckedMmap.Tests.ChildScenarios.LeakOneMapping() in ", r.Stderr);
    }

    [Fact]
    public void The_exit_leak_check_runs_once_when_a_test_run_asks_for_it_early()
    {
        // The package's test-run collector calls it when the last test has finished: the report names that moment,
        // a second call and the process exit report nothing more, and the exit code still says there were leaks.
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakThenEndTestRun), (CheckedMmapOptions.LeakCheckAtExitVariable, "1"));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("first check: True", r.Stdout);
        Assert.Contains("second check: False", r.Stdout);
        Assert.Contains("==CheckedMmap== ERROR: leak: 1 mapping (12288 bytes) still mapped at the end of the test run", r.Stderr);
        Assert.Single(Regex.Matches(r.Stderr, "ERROR: leak"));
    }

    [Fact]
    public void The_exit_leak_check_asked_for_early_does_nothing_when_it_is_off()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LeakThenEndTestRun));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("first check: False", r.Stdout);
        Assert.DoesNotContain("==CheckedMmap==", r.Stderr);
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
