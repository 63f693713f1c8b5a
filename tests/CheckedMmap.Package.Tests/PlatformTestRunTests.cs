using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using CheckedMmap.Package.Tests.Infrastructure;
using static CheckedMmap.Package.Tests.Infrastructure.OutputText;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>
    /// The same user's view as <see cref="CheckedTestRunTests"/> on Microsoft.Testing.Platform (an xunit.v3 project whose
    /// global.json names that runner), which reads no VSTest run settings: the package's platform extension gives the test
    /// host its environment, fails the run on a leak at its end, and names the running test in a native fault's report.
    /// </summary>
    [Collection(PackageCollection.Name)]
    public class PlatformTestRunTests
    {
        private readonly PackageFixture _package;

        public PlatformTestRunTests(PackageFixture package) => _package = package;

        [Fact]
        public void Faults_fail_their_own_tests_and_a_leak_and_a_caught_report_fail_the_run_at_its_end()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // guard-page faults become test failures through the Linux pre-handler
            }

            CommandResult run = Test("-p:CheckedMmap=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true", "-p:IncludeCaughtTest=true");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.DoesNotContain("Exit code: 134", output);
            Assert.Matches(new Regex(@"total: 8\s+failed: 4\s+succeeded: 4"), output);

            // The double munmap a passing test's code swallowed fails the run as a test of its own; the partial munmap a
            // test provoked inside MmapTracker.ExpectReports() does not.
            string caught = Between(output, "failed CheckedMmap: reports the code under test caught", "SUMMARY:");
            Assert.Contains("1 report whose exception the code under test caught", caught);
            Assert.Contains("==CheckedMmap== ERROR: double munmap: alloc", caught);
            Assert.Contains("at CheckedTests.CaughtTests.Swallowed_double_release()", caught);
            Assert.DoesNotContain("partial munmap", caught);

            string doubleRelease = Between(output, "failed CheckedTests.ArenaTests.Double_release", "SUMMARY:");
            Assert.Contains("CheckedMmap.UndefinedBehaviorException : ==CheckedMmap== ERROR: double munmap: alloc", doubleRelease);
            Assert.Contains("at CheckedTests.Arena.Release()", Between(doubleRelease, "was destroyed by munmap on thread", "help:"));

            string overrun = Between(output, "failed CheckedTests.ArenaTests.Overrun", "SUMMARY:");
            Assert.Contains("System.AccessViolationException : ==CheckedMmap== ERROR: buffer overflow: access at 0x", overrun);
            Assert.Matches(new Regex(@"is located 16 bytes after the 4096-byte mapping alloc\d+"), overrun);

            // The leak check ran when the last test had finished and failed the run as a test of its own.
            string leak = Between(output, "failed CheckedMmap: leak check at the end of the test run", "SUMMARY:");
            Assert.Matches(new Regex(@"==CheckedMmap== ERROR: leak: \d+ mappings? \(\d+ bytes\) still mapped at the end of the test run"), leak);
            Assert.Contains("at CheckedTests.LeakTests.Leaves_an_arena()", leak);

            // The test result holds it; standard error, which the platform shows again for a failed run, does not.
            Assert.DoesNotContain("Error output: ==CheckedMmap== ERROR: leak", output);

            // Every report is in the report file the build chose.
            string reports = File.ReadAllText(_package.ConsumerPath("platformtests/obj/checkedmmap/net10.0/reports.jsonl"));
            Assert.Contains("\"kind\":\"double munmap\"", reports);
            Assert.Contains("\"kind\":\"buffer overflow\"", reports);

            // A child-process scenario runs in the test application before the framework's entry point (xunit.v3's own
            // runner would run every test and fault the same way): here one that first waits for work on another thread.
            CommandResult child = Command.Run(PackageFixture.DotNetHost,
                new[] { "exec", _package.ConsumerPath("platformtests/bin/Debug/net10.0/platformtests.dll") },
                _package.ConsumerPath("platformtests"),
                new Dictionary<string, string>(_package.ConsumerEnvironment)
                {
                    ["CHECKEDMMAP_SCENARIO"] = "CheckedTests.ArenaTests, platformtests|OverrunAfterWorkOnAnotherThread",
                    ["DOTNET_STARTUP_HOOKS"] = _package.ConsumerPath("platformtests/bin/Debug/net10.0/CheckedMmap.dll"),
                    ["DOTNET_DbgEnableMiniDump"] = "0",
                },
                TimeSpan.FromMinutes(2));
            Assert.True(child.ExitCode == 134, child.ToString());
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x", child.Output);
            Assert.Contains("at CheckedTests.ArenaTests.OverrunAfterWorkOnAnotherThread()", child.Output);
            Assert.DoesNotContain("xUnit.net", child.Output);
        }

        [Fact]
        public void Built_without_CheckedMmap_the_application_runs_on_libc_without_the_extension()
        {
            // The hook registers nothing: no CheckedMmap output, the test runs on libc.
            CommandResult run = Test("--filter-method", "CheckedTests.ArenaTests.Clean_use");
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Matches(new Regex(@"total: 1\s+failed: 0\s+succeeded: 1"), run.Output);
            Assert.DoesNotContain("CheckedMmap", run.Output);
        }

        [Fact]
        public void A_fault_in_native_code_prints_its_report_naming_the_running_test()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // fault reports come from the Linux pre-handler
            }

            CommandResult run = Test("-p:CheckedMmap=true", "-p:IncludeNativeFaultTest=true", "--filter-class", "CheckedTests.NativeTests");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x", output);
            Assert.Contains("the access was made by native code at 0x", output);
            Assert.Contains("the test running then: CheckedTests.NativeTests.Memset_past_the_end", Between(output, "the access was made by native code", "SUMMARY:"));
            // The test host controller, which outlives the host, names the report that ended it; the host printed the
            // report itself on the standard error they share, so it is there once.
            Assert.Contains("CheckedMmap: the test host ended (exit code 139) on the report above; no test result holds it. SUMMARY: CheckedMmap: buffer overflow", output);
            Assert.Single(Regex.Matches(output, "==CheckedMmap== ERROR: buffer overflow"));
        }

        /// <summary>`dotnet test` in the consumer's folder, where its global.json selects the platform (which hands options
        /// it does not know to the test application: node reuse is off through the environment).</summary>
        private CommandResult Test(params string[] options)
        {
            var arguments = new List<string> { "test", "--project", _package.ConsumerPath("platformtests/platformtests.csproj") };
            arguments.AddRange(options);
            return Command.Run(PackageFixture.DotNetHost, arguments.ToArray(), _package.ConsumerPath("platformtests"),
                new Dictionary<string, string>(_package.ConsumerEnvironment), TimeSpan.FromMinutes(5));
        }
    }
}
