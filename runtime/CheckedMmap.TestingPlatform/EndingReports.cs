// A fault in native code ends the test host before any test result can hold its report. The runtime appends every
// report to the report file; the test host controller, which outlives the host, shows the ones that ended it, as the
// package's MSBuild target does after a VSTest run. They go to the controller's standard error, which `dotnet test`
// shows (the platform's output device of a controller does not reach it). A report the host printed on that same
// stream (the host inherits it) is already in the output: it gets a line naming it, not a second copy.
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Reports;
using CheckedMmap.Testing;
using Microsoft.Testing.Platform.Extensions.TestHostControllers;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Clears the report file (making its folder) before the test host starts and, when the host did not end
    /// normally, prints the reports that ended it.</summary>
    internal sealed class EndingReports : ExtensionIdentity, ITestHostProcessLifetimeHandler
    {
        private readonly CheckedBuild _build;

        public EndingReports(CheckedBuild build) => _build = build;

        public override string Description => "Shows the CheckedMmap reports that ended the test host.";

        public Task BeforeTestHostProcessStartAsync(CancellationToken cancellationToken)
        {
            if (_build.ReportFile is { } file)
            {
                try
                {
                    // The runtime appends to the file; its folder is the build's, which a clean build may not have made.
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                    File.Delete(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"CheckedMmap: could not clear the report file {file}: {e.Message}");
                }
            }

            return Task.CompletedTask;
        }

        public Task OnTestHostProcessStartedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task OnTestHostProcessExitedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken)
        {
            // A host that ended normally has reported through its test results (a leak at the end of the run included).
            if (testHostProcessInformation.HasExitedGracefully || _build.ReportFile is not { } file)
            {
                return Task.CompletedTask;
            }

            try
            {
                string? ownStandardError = ProcessStandardError.Identity();
                foreach (ReportFileRecord report in ReportFileRecords.Read(file, 0, endsProcessOnly: true))
                {
                    if (report.PrintedTo != null && report.PrintedTo == ownStandardError)
                    {
                        Console.Error.WriteLine($"CheckedMmap: the test host ended (exit code {testHostProcessInformation.ExitCode}) on the report above; no test result holds it. SUMMARY: CheckedMmap: {report.Summary}");
                        continue;
                    }

                    Console.Error.WriteLine($"CheckedMmap: the test host ended (exit code {testHostProcessInformation.ExitCode}) on this report; no test result holds it:");
                    Console.Error.WriteLine(report.Text);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"CheckedMmap: the test host ended (exit code {testHostProcessInformation.ExitCode}); its reports could not be read from {file}: {e.Message}");
            }

            return Task.CompletedTask;
        }
    }
}
