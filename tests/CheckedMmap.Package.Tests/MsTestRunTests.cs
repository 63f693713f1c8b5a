using System;
using System.Text.RegularExpressions;
using CheckedMmap.Package.Tests.Infrastructure;
using static CheckedMmap.Package.Tests.Infrastructure.OutputText;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>
    /// `dotnet test -p:CheckedMmap=true` on an MSTest project (VSTest). MSTest replaces Console.Error to capture each
    /// test's output; the reports of a test host that a fault ends must still reach the user, and MSTest's own frames are
    /// trimmed from stacks as xunit's are.
    /// </summary>
    [Collection(PackageCollection.Name)]
    public class MsTestRunTests
    {
        private readonly PackageFixture _package;

        public MsTestRunTests(PackageFixture package) => _package = package;

        [Fact]
        public void A_double_munmap_fails_its_test_with_MSTest_frames_trimmed_and_a_leak_is_shown()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            CommandResult run = _package.Test("mstests/mstests.csproj",
                "-p:CheckedMmap=true", "-p:CheckedMmapLeakCheckAtExit=true", "-p:IncludeLeakTest=true");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            Assert.Matches(new Regex(@"Failed:\s+1, Passed:\s+2, Skipped:\s+0, Total:\s+3"), output);

            string doubleRelease = Between(output, "Failed Double_release", "SUMMARY:");
            Assert.Contains("==CheckedMmap== ERROR: double munmap: alloc", doubleRelease);
            Assert.Contains("at CheckedTests.ArenaTests.Double_release()", Between(doubleRelease, "was destroyed by munmap on thread", "help:"));
            Assert.DoesNotContain("Microsoft.VisualStudio.TestTools", doubleRelease);

            string leak = Between(output, "CheckedMmap: 1 report that no test result holds", "SUMMARY:");
            Assert.Contains("==CheckedMmap== ERROR: leak: 1 mapping (12288 bytes) still mapped at the end of the test run", leak);
            Assert.Contains("at CheckedTests.LeakTests.Leaves_an_arena()", leak);
        }

        [Fact]
        public void A_fault_in_native_code_shows_its_report_although_MSTest_captures_standard_error()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // fault reports come from the Linux pre-handler
            }

            CommandResult run = _package.Test("mstests/mstests.csproj",
                "-p:CheckedMmap=true", "-p:IncludeNativeFaultTest=true", "--filter", "Name=Memset_past_the_end");
            string output = run.Output;
            Assert.True(run.ExitCode != 0, output);
            // VSTest's crash message quotes the test host's own standard error, where the report went; the package's
            // logger, which would print it from the report file otherwise, has nothing left to print.
            Assert.Contains("Test host process crashed", output);
            string crash = output.Substring(output.IndexOf("Test host process crashed", StringComparison.Ordinal));
            Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x", crash);
            Assert.Contains("the test running then: CheckedTests.NativeTests.Memset_past_the_end", crash);
            Assert.Contains("at CheckedTests.Arena..ctor(UIntPtr size)", Between(crash, "was created by mmap on thread", "SUMMARY:"));
            Assert.DoesNotContain("report that no test result holds", output);
        }
    }
}
