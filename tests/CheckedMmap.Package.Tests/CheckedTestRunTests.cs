using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CheckedMmap.Package.Tests.Infrastructure;
using static CheckedMmap.Package.Tests.Infrastructure.OutputText;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>
    /// What a user sees in `dotnet test -p:CheckedMmap=true` on an xunit project, with no other setting: a double munmap
    /// and a guard-page overrun each fail their own test with the whole report; the clean test passes; all three count.
    /// </summary>
    [Collection(PackageCollection.Name)]
    public class CheckedTestRunTests
    {
        private readonly PackageFixture _package;

        public CheckedTestRunTests(PackageFixture package) => _package = package;

        [Fact]
        public void Dotnet_test_fails_the_two_faulty_tests_with_their_reports_and_passes_the_clean_one()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // guard-page faults become test failures through the Linux pre-handler
            }

            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Matches(new Regex(@"Failed:\s+2, Passed:\s+1, Skipped:\s+0, Total:\s+3"), output);
            Assert.DoesNotContain("Test Run Aborted", output);

            // The double munmap: plain words first, Miri's text, where it was created and where it was destroyed.
            string doubleRelease = Between(output, "Failed CheckedTests.ArenaTests.Double_release", "Stack Trace:");
            Assert.Contains("CheckedMmap.UndefinedBehaviorException : ==CheckedMmap== ERROR: double munmap: alloc", doubleRelease);
            Assert.Contains("Undefined Behavior: memory access failed: alloc", doubleRelease);
            Assert.Contains("-byte mapping alloc", doubleRelease);
            Assert.Contains("at CheckedTests.ArenaTests.ReleaseAgain(Arena arena) in ", doubleRelease);
            string created = Between(doubleRelease, "was created by mmap on thread", "was destroyed by munmap");
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", created);
            Assert.Contains("at CheckedTests.ArenaTests.Double_release()", created);
            string destroyed = Between(doubleRelease, "was destroyed by munmap on thread", "SUMMARY:");
            Assert.Contains("munmap called at ", destroyed);
            Assert.Contains("at CheckedTests.Arena.Release()", destroyed);
            Assert.Contains("at CheckedTests.ArenaTests.Double_release()", destroyed);
            Assert.Contains("SUMMARY: CheckedMmap: double munmap: alloc", doubleRelease);
            Assert.DoesNotContain("Xunit.", doubleRelease.Substring(0, doubleRelease.IndexOf("SUMMARY:", StringComparison.Ordinal)));

            // The overrun: the AccessViolationException's message is the report.
            string overrun = Between(output, "Failed CheckedTests.ArenaTests.Overrun", "Stack Trace:");
            Assert.Contains("System.AccessViolationException : ==CheckedMmap== ERROR: buffer overflow: access at 0x", overrun);
            Assert.Matches(new Regex(@"is located 16 bytes after the 4096-byte mapping alloc\d+ \[0x[0-9a-f]+, 0x[0-9a-f]+\), live"), overrun);
            Assert.Contains("at CheckedTests.ArenaTests.WritePastTheEnd(Arena arena) in ", overrun);
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", Between(overrun, "was created by mmap on thread", "SUMMARY:"));

            // The package wrote the run settings and every report as a JSON line.
            string reports = File.ReadAllText(_package.ConsumerPath("checkedtests/obj/checkedmmap/net10.0/reports.jsonl"));
            string[] lines = reports.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(lines, l => l.Contains("\"kind\":\"double munmap\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"kind\":\"buffer overflow\"", StringComparison.Ordinal) && l.Contains("\"endsProcess\":false", StringComparison.Ordinal));

            // The package gave the test assembly an entry point for child-process scenarios: the overrun, run as one
            // outside the test host (no legacy policy there), prints its report and ends with the runtime's exit code.
            CommandResult child = Command.Run(PackageFixture.DotNetHost,
                new[] { "exec", _package.ConsumerPath("checkedtests/bin/Debug/net10.0/checkedtests.dll") },
                _package.Consumers,
                new Dictionary<string, string> { ["CHECKEDMMAP_SCENARIO"] = "CheckedTests.ArenaTests, checkedtests|Overrun", ["DOTNET_DbgEnableMiniDump"] = "0" },
                TimeSpan.FromMinutes(2));
            Assert.True(child.ExitCode == 134, child.ToString());
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x", child.Output);
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", child.Output);
        }

        // A report file given on the command line, relative, is read from the project's folder by every part of the run
        // (the test host runs in bin/): the leak still fails the run.
        [Theory]
        [InlineData("")]
        [InlineData("reports/leak.jsonl")]
        public void A_leak_at_exit_fails_dotnet_test_with_the_report_named(string reportFile)
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            string[] fileOption = reportFile.Length == 0 ? Array.Empty<string>() : new[] { "-p:CheckedMmapReportFile=" + reportFile };
            CommandResult run = _package.Test("checkedtests/checkedtests.csproj", new[]
            {
                "-p:CheckedMmap=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true", "--filter", "FullyQualifiedName~Clean_use|FullyQualifiedName~Leaves_an_arena",
            }.Concat(fileOption).ToArray());
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+2"), output);
            Assert.Contains("error : CheckedMmap: leak: 1 mapping (12288 bytes) still mapped at the end of the test run. SUMMARY: 12288 bytes leaked in 1 mapping (alloc", output);
            Assert.Contains("the first created in CheckedTests.Arena..ctor(UIntPtr size)", output);
            Assert.Contains(", in the test CheckedTests.LeakTests.Leaves_an_arena. (no test result holds this report", output);
            Assert.Contains(reportFile.Length == 0 ? "reports.jsonl" : "leak.jsonl", output);

            // The package's logger printed the whole report, stacks included.
            AssertLeakReportPrinted(output);
        }

        [Fact]
        public void A_report_the_code_under_test_caught_fails_the_run_and_one_provoked_on_purpose_does_not()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "-p:IncludeCaughtTest=true", "--filter", "FullyQualifiedName~CaughtTests|FullyQualifiedName~Clean_use");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+3"), output);

            // The build error names the swallowed report; the logger printed it whole, with where the mapping was destroyed.
            Assert.Single(Regex.Matches(output, "error : CheckedMmap: double munmap: alloc"));
            Assert.Contains("the code under test caught its exception and the test passed", output);
            Assert.Contains("CheckedMmap: 1 report whose exception the code under test caught", output);
            Assert.Contains("at CheckedTests.CaughtTests.Swallowed_double_release()", Between(output, "was destroyed by munmap on thread", "SUMMARY:"));
            Assert.DoesNotContain("error : CheckedMmap: partial munmap", output);
        }

        [Fact]
        public void A_leak_at_exit_is_shown_in_full_when_tests_fail_too()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            // MSBuild skips the targets after a failed test run, so the build error of the run above is not made here:
            // the logger, which VSTest runs whatever the outcome, prints the report.
            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true", "--filter", "FullyQualifiedName~Double_release|FullyQualifiedName~Leaves_an_arena");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Matches(new Regex(@"Failed:\s+1, Passed:\s+1, Skipped:\s+0, Total:\s+2"), output);
            Assert.Contains("==CheckedMmap== ERROR: double munmap: alloc", output);
            AssertLeakReportPrinted(output);

            // Under the terminal logger, MSBuild's test task reads vstest.console's output and hides plain lines: the
            // logger hands the report to it as a warning.
            CommandResult terminal = _package.DotNet("test", _package.ConsumerPath("checkedtests/checkedtests.csproj"),
                "-p:CheckedMmap=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true", "--filter", "FullyQualifiedName~Double_release|FullyQualifiedName~Leaves_an_arena",
                "-nodeReuse:false", "-tl:on");
            Assert.True(terminal.ExitCode != 0, terminal.Output);
            AssertLeakReportPrinted(terminal.Output);
        }

        [Fact]
        public void A_projects_own_run_settings_are_kept_with_the_packages_merged_in()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "-p:UseOwnRunSettings=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true",
                "--filter", "FullyQualifiedName~Overrun|FullyQualifiedName~Sees_the_projects|FullyQualifiedName~Leaves_an_arena");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);

            // The project's variable reached the test host, the overrun failed alone, and the leak was printed.
            Assert.Matches(new Regex(@"Failed:\s+1, Passed:\s+2, Skipped:\s+0, Total:\s+3"), output);
            Assert.Contains("System.AccessViolationException : ==CheckedMmap== ERROR: buffer overflow", Between(output, "Failed CheckedTests.ArenaTests.Overrun", "Stack Trace:"));
            Assert.Contains("at CheckedTests.LeakTests.Leaves_an_arena()", Between(output, "CheckedMmap: 1 report that no test result holds", "SUMMARY:"));

            // The copy reads the project's relative results folder from where the project's file is.
            string merged = File.ReadAllText(_package.ConsumerPath("checkedtests/obj/checkedmmap/net10.0/checkedmmap.runsettings"));
            Assert.Contains("<ResultsDirectory>" + _package.ConsumerPath("checkedtests/own-results") + "</ResultsDirectory>", merged);
            Assert.Contains("<CHECKEDTESTS_FROM_PROJECT>yes</CHECKEDTESTS_FROM_PROJECT>", merged);
            Assert.Contains("<BatchSize>1</BatchSize>", merged);

            // A file given on the command line replaces the package's: the build says so.
            CommandResult replaced = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "--settings", _package.ConsumerPath("checkedtests/own.runsettings"), "--filter", "FullyQualifiedName~Clean_use");
            Assert.True(replaced.ExitCode == 0, replaced.Output);
            Assert.Contains("warning : CheckedMmap: this test run uses the run settings file " + _package.ConsumerPath("checkedtests/own.runsettings") + " instead of the one the package writes", replaced.Output);
        }

        [Fact]
        public void A_fault_in_native_code_ends_the_run_with_the_report_naming_the_running_test()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // fault reports come from the Linux pre-handler
            }

            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "-p:IncludeNativeFaultTest=true", "--filter", "FullyQualifiedName~Memset_past_the_end");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Contains("Test host process crashed", output);
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x", output);
            Assert.Contains("the access was made by native code at 0x", output);
            Assert.Contains("the test running then: CheckedTests.NativeTests.Memset_past_the_end", output);
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", Between(output, "was created by mmap on thread", "SUMMARY:"));

            // VSTest's crash message showed it: the package's logger does not print it again.
            Assert.Single(Regex.Matches(output, Regex.Escape("==CheckedMmap== ERROR: buffer overflow")));

            // VSTest says only "Test Run Aborted.": the package's logger counts the results that came in before the crash.
            Assert.Contains("CheckedMmap: the test run was aborted after 0 test results: 0 passed, 0 failed", output);

            // Results reach vstest.console one by one: those of tests that failed before a crash are not lost with it.
            Assert.Contains("<BatchSize>1</BatchSize>", File.ReadAllText(_package.ConsumerPath("checkedtests/obj/checkedmmap/net10.0/checkedmmap.runsettings")));
        }

        [Fact]
        public void A_report_whose_exception_ended_the_host_is_not_said_to_be_caught()
        {
            CommandResult run = _package.Test("checkedtests/checkedtests.csproj",
                "-p:CheckedMmap=true", "-p:IncludeNativeFaultTest=true", "--filter", "FullyQualifiedName~Overrun_on_a_thread_it_starts");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Contains("CheckedMmap: the test run was aborted after 0 test results", output);
            Assert.Contains("CheckedMmap: 1 report that no test result shows: the test host ended with the run unfinished", output);
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow", output);
            Assert.DoesNotContain("the code under test caught", output);
        }

        /// <summary>The package's logger printed the one leak report of LeakTests in full, its creation stack included.</summary>
        private static void AssertLeakReportPrinted(string output)
        {
            string report = Between(output, "CheckedMmap: 1 report that no test result holds", "SUMMARY:");
            Assert.Contains("==CheckedMmap== ERROR: leak: 1 mapping (12288 bytes) still mapped at the end of the test run", report);
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", report);
            Assert.Contains("at CheckedTests.LeakTests.Leaves_an_arena()", report);
        }
    }
}
