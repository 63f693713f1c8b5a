// The package's MSBuild target that fails a passing test run on the reports no test result holds, run on a report file
// written here: it needs no packed package, only the targets file and MSBuild.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    public sealed class EndingReportsTargetTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "checkedmmap-target-" + Guid.NewGuid().ToString("N").Substring(0, 12));

        public EndingReportsTargetTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void Each_report_that_ends_the_run_is_a_build_error_with_its_text_decoded()
        {
            // A summary with what JSON escapes (a backslash, quotes) and what MSBuild would expand or unescape.
            const string Summary = @"4096 bytes leaked in 1 mapping (alloc1), the first created in A.B.C() in C:\src\a ""q"" %41 $(X) @(Y) ;.cs:line 3, in the test T.U.V.";
            CommandResult run = ShowReports(
                """{"category":"leak","kind":"leak","headline":"leak: 1 mapping (4096 bytes) still mapped at the end of the test run","summary":"4096 bytes leaked in 1 mapping (alloc1), the first created in A.B.C() in C:\\src\\a \"q\" %41 $(X) @(Y) ;.cs:line 3, in the test T.U.V.","endsProcess":true,"tests":["T.U.V"],"report":"==CheckedMmap== ERROR: leak\n\u00e9"}""",
                """{"category":"undefined-behavior","kind":"double munmap","headline":"double munmap: alloc2","summary":"s","endsProcess":false,"expected":true,"tests":[],"report":"r"}""",
                """{"category":"fault","kind":"buffer overflow","headline":"buffer overflow: access at 0x7f0000001000","summary":"buffer overflow: access at 0x7f0000001000 in \u0041.B()","endsProcess":true,"tests":[],"report":"r"}""",
                """{"category":"fault","kind":"buffer overflow","headline":"cut short","summary":"cut""",
                """{"category":"fault","kind":"buffer overflow","headline":"native fault","summary":"buffer overflow in libc.so.6+0x16e0ba","endsProcess":true,"tests":[],"report":"==CheckedMmap== ERROR: buffer overfl""");

            Assert.True(run.ExitCode != 0, run.Output);
            MatchCollection errors = Regex.Matches(run.Output, "error : CheckedMmap: (.*) \\(no test result holds this report");
            Assert.Equal(3, errors.Count);
            Assert.Equal("leak: 1 mapping (4096 bytes) still mapped at the end of the test run. SUMMARY: " + Summary, errors[0].Groups[1].Value);
            Assert.Equal("buffer overflow: access at 0x7f0000001000. SUMMARY: buffer overflow: access at 0x7f0000001000 in A.B()", errors[1].Groups[1].Value);
            Assert.Equal("native fault. SUMMARY: buffer overflow in libc.so.6+0x16e0ba", errors[2].Groups[1].Value);
            Assert.DoesNotContain("alloc2", run.Output);
            Assert.DoesNotContain("cut short", run.Output);
        }

        [Fact]
        public void A_report_whose_exception_was_caught_in_a_passing_run_is_an_error_unless_a_test_expected_it()
        {
            CommandResult run = ShowReports(
                """{"category":"undefined-behavior","kind":"double munmap","headline":"double munmap: alloc2","summary":"double munmap: alloc2 in A.B()","endsProcess":false,"tests":["T.U.V"],"report":"r"}""",
                """{"category":"undefined-behavior","kind":"partial munmap","headline":"partial munmap: alloc3","summary":"s3","endsProcess":false,"expected":true,"tests":["T.U.W"],"report":"r"}""",
                """{"category":"leak","kind":"leak","headline":"leak: 1 mapping","summary":"s4","endsProcess":false,"tests":["T.U.X"],"report":"r"}""");
            Assert.True(run.ExitCode != 0, run.Output);
            Match error = Assert.Single(Regex.Matches(run.Output, "error : CheckedMmap: (.*)"));
            Assert.StartsWith("double munmap: alloc2. SUMMARY: double munmap: alloc2 in A.B() (no test result holds this report: the code under test caught its exception", error.Groups[1].Value);
            Assert.Contains("MmapTracker.ExpectReports()", error.Groups[1].Value);
        }

        [Fact]
        public void Reports_a_test_expected_pass()
        {
            CommandResult run = ShowReports("""{"category":"undefined-behavior","kind":"double munmap","headline":"double munmap: alloc2","summary":"s","endsProcess":false,"expected":true,"tests":[],"report":"r"}""");
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.DoesNotContain("error", run.Output);
        }

        private CommandResult ShowReports(params string[] lines)
        {
            string reports = Path.Combine(_folder, "reports.jsonl");
            File.WriteAllText(reports, string.Join("\n", lines));
            string targets = Path.Combine(PackageFixture.Metadata("CheckedMmap.RepositoryRoot"), "runtime", "CheckedMmap.Package", "buildTransitive", "CheckedMmap.targets");
            string project = Path.Combine(_folder, "run.proj");
            File.WriteAllText(project, $"""
                <Project>
                  <PropertyGroup><CheckedMmap>true</CheckedMmap><IsTestProject>true</IsTestProject></PropertyGroup>
                  <Import Project="{targets}" />
                  <Target Name="VSTest" />
                </Project>
                """);
            return Command.Run(PackageFixture.DotNetHost,
                new[] { "msbuild", project, "-t:ShowCheckedMmapReports", "-p:CheckedMmapReportFile=" + reports, "-nologo", "-nodeReuse:false", "-tl:off", "-clp:NoSummary;ForceNoAlign" },
                _folder, new Dictionary<string, string> { ["DOTNET_CLI_UI_LANGUAGE"] = "en", ["MSBUILDDISABLENODEREUSE"] = "1" }, TimeSpan.FromMinutes(3));
        }
    }
}
