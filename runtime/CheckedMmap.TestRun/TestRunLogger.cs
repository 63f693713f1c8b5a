// Leaks found at the end of a run belong to no test, so no test result can show them. After a run whose tests all
// passed, the package's MSBuild target prints them as build errors; after a run with failures MSBuild skips that
// target, and the leaks would be left in the report file. This logger runs in vstest.console (the package's run
// settings name it) and prints them when the run completes, whatever its outcome, in full. So it does the reports
// whose exception the code under test caught (a catch-all around a double munmap): their tests passed, and no result
// shows them either. The report of a fault that
// ended the test host is printed only when no message of the run held it: VSTest's crash message shows the host's
// standard error, where the runtime wrote the report, unless something else kept it from the console.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CheckedMmap.Testing;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;

namespace CheckedMmap.TestRun
{
    /// <summary>
    /// A VSTest logger that prints the CheckedMmap reports no test result holds when the run completes: leaks found at the
    /// end of the run, faults that ended a test host, and reports whose exception the code under test caught. It reads them from the report file named by its <c>ReportFile</c> parameter.
    /// </summary>
    [FriendlyName(FriendlyName)]
    [ExtensionUri(ExtensionUri)]
    public sealed class TestRunLogger : ITestLoggerWithParameters
    {
        /// <summary>The logger's friendly name in run settings and on the command line.</summary>
        public const string FriendlyName = "CheckedMmap";

        /// <summary>The logger's URI.</summary>
        public const string ExtensionUri = "logger://CheckedMmap/TestRun/1.0";

        /// <summary>The parameter naming the report file (CHECKEDMMAP_REPORT_FILE of the test host).</summary>
        public const string ReportFileParameter = "ReportFile";

        /// <summary>The parameter that says vstest.console's output goes through MSBuild's task for it ("true"): under the
        /// terminal logger, that task keeps plain output lines out of sight, so the reports are handed to it as warnings.</summary>
        public const string MSBuildOutputParameter = "MSBuildOutput";

        /// <summary>What every CheckedMmap report's first line starts with.</summary>
        private const string ReportMarker = "==CheckedMmap== ERROR: ";

        private readonly TextWriter _output;
        private readonly List<string> _messagesHoldingReports = new List<string>();
        private readonly TestNames _failedTests = new TestNames();

        // Every test with a result, whatever its outcome: after a crash, a report none of whose tests has one may have
        // lost its result with the host.
        private readonly TestNames _testsWithResults = new TestNames();
        private int _passed, _failed, _other;
        private string? _reportFile;
        private bool _msbuildOutput;
        private long _reportFileStart;

        /// <summary>A logger that prints to the console.</summary>
        public TestRunLogger()
            : this(Console.Out)
        {
        }

        /// <summary>A logger that prints to <paramref name="output"/>.</summary>
        /// <param name="output">Where the reports go.</param>
        /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
        public TestRunLogger(TextWriter output) => _output = output ?? throw new ArgumentNullException(nameof(output));

        /// <summary>Called by VSTest when no parameters are given: the logger then has no report file and prints nothing.</summary>
        /// <param name="events">The run's events.</param>
        /// <param name="testRunDirectory">The results directory (not used).</param>
        /// <exception cref="ArgumentNullException"><paramref name="events"/> is null.</exception>
        public void Initialize(TestLoggerEvents events, string testRunDirectory) => Initialize(events, new Dictionary<string, string?>());

        /// <summary>Called by VSTest with the logger's configuration from the run settings.</summary>
        /// <param name="events">The run's events.</param>
        /// <param name="parameters">The configuration: <see cref="ReportFileParameter"/> names the report file,
        /// <see cref="MSBuildOutputParameter"/> says how vstest.console's output reaches the user.</param>
        /// <exception cref="ArgumentNullException"><paramref name="events"/> or <paramref name="parameters"/> is null.</exception>
        public void Initialize(TestLoggerEvents events, Dictionary<string, string?> parameters)
        {
            if (events is null)
            {
                throw new ArgumentNullException(nameof(events));
            }

            if (parameters is null)
            {
                throw new ArgumentNullException(nameof(parameters));
            }

            _reportFile = parameters.TryGetValue(ReportFileParameter, out string? file) && !string.IsNullOrWhiteSpace(file) ? file : null;
            _msbuildOutput = parameters.TryGetValue(MSBuildOutputParameter, out string? msbuild) && string.Equals(msbuild, "true", StringComparison.OrdinalIgnoreCase);
            events.TestRunStart += (_, _) => _reportFileStart = ReportFileLength();
            events.TestRunMessage += (_, e) => KeepMessageHoldingReport(e?.Message);
            events.TestResult += (_, e) => KeepResult(e?.Result);
            events.TestRunComplete += (_, e) =>
            {
                bool aborted = e is { IsAborted: true };
                if (aborted)
                {
                    PrintCountsOfAbortedRun();
                }

                PrintEndOfRunReports(aborted);
            };
        }

        /// <summary>Where this run's reports begin: a file that was not cleared before the run (an IDE's run, vstest.console
        /// started directly) still holds earlier runs' reports.</summary>
        private long ReportFileLength()
        {
            try
            {
                return _reportFile is { } file && File.Exists(file) ? new FileInfo(file).Length : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }

        /// <summary>Keeps a run message that holds a CheckedMmap report (VSTest's crash message quotes the host's output).</summary>
        private void KeepMessageHoldingReport(string? message)
        {
            if (message != null && message.Contains(ReportMarker))
            {
                lock (_messagesHoldingReports)
                {
                    _messagesHoldingReports.Add(message);
                }
            }
        }

        /// <summary>Counts a result, and keeps the name of a test that failed: its result shows the reports made in it.</summary>
        private void KeepResult(TestResult? result)
        {
            if (result is null)
            {
                return;
            }

            string? name = result.TestCase?.FullyQualifiedName;
            if (name is not null)
            {
                _testsWithResults.Add(name);
            }

            switch (result.Outcome)
            {
                case TestOutcome.Passed:
                    System.Threading.Interlocked.Increment(ref _passed);
                    break;
                case TestOutcome.Failed:
                    System.Threading.Interlocked.Increment(ref _failed);
                    if (name is not null)
                    {
                        _failedTests.Add(name);
                    }

                    break;
                default:
                    System.Threading.Interlocked.Increment(ref _other);
                    break;
            }
        }

        /// <summary>
        /// VSTest's console says only "Test Run Aborted." when a fault in native code ended the test host: the results that
        /// came in before it are counted here.
        /// </summary>
        private void PrintCountsOfAbortedRun()
        {
            // The run has completed: no result comes in any more.
            int passed = System.Threading.Volatile.Read(ref _passed), failed = System.Threading.Volatile.Read(ref _failed), other = System.Threading.Volatile.Read(ref _other);

            if (!_msbuildOutput)
            {
                _output.WriteLine();
            }

            Print($"CheckedMmap: the test run was aborted after {passed + failed + other} test results: {passed} passed, {failed} failed, {other} skipped or not run (a test that was running when the host ended has none).");
        }

        /// <summary>Whether a message of the run held the whole report: its last line (SUMMARY) is in one. VSTest quotes
        /// the start of a crashed host's output, so a report whose end is there was quoted in full.</summary>
        private bool WasShownInFull(ReportFileRecord report)
        {
            string[] lines = report.Text.TrimEnd().Split('\n');
            string last = lines[lines.Length - 1].TrimEnd('\r');
            lock (_messagesHoldingReports)
            {
                return last.Length > 0 && _messagesHoldingReports.Exists(m => m.Contains(last));
            }
        }

        /// <param name="aborted">Whether the test host ended before the run did: a report raised as an exception then may
        /// have ended the host (an exception no code handled, on a thread of the test's) or lost its test's result in the
        /// crash, so that a report without a failed test was not necessarily caught.</param>
        private void PrintEndOfRunReports(bool aborted)
        {
            if (_reportFile is not { } file)
            {
                return;
            }

            List<ReportFileRecord> reports;
            try
            {
                reports = ReportFileRecords.Read(file, _reportFileStart, endsProcessOnly: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Print($"CheckedMmap: the reports of this run could not be read from {file}: {e.Message}");
                return;
            }

            List<ReportFileRecord> unshown = reports.FindAll(r => r.EndsProcess && !(r.Category == "fault" && WasShownInFull(r)));
            List<ReportFileRecord> unfailed = reports.FindAll(r => r.MustFailItsTest && !_failedTests.Show(r));
            List<ReportFileRecord> lost = aborted ? unfailed.FindAll(r => !_testsWithResults.Show(r)) : new List<ReportFileRecord>();
            List<ReportFileRecord> caught = unfailed.FindAll(r => !lost.Contains(r));
            bool separated = false;
            if (unshown.Count > 0)
            {
                PrintReports(unshown.Count == 1
                    ? $"CheckedMmap: 1 report that no test result holds (also in {file}):"
                    : $"CheckedMmap: {unshown.Count} reports that no test result holds (also in {file}):", unshown, ref separated);
            }

            if (lost.Count > 0)
            {
                string which = lost.Count == 1 ? "1 report" : $"{lost.Count} reports";
                PrintReports($"CheckedMmap: {which} that no test result shows: the test host ended with the run unfinished, so " +
                    $"{(lost.Count == 1 ? "its exception" : "their exceptions")} may have ended it (unhandled on a thread the test started) " +
                    $"or {(lost.Count == 1 ? "its test's result was" : "their tests' results were")} lost with it, if the code under test did not catch {(lost.Count == 1 ? "it" : "them")} (also in {file}; " +
                    "a test that provokes a report on purpose wraps it in MmapTracker.ExpectReports()):", lost, ref separated);
            }

            if (caught.Count > 0)
            {
                string which = caught.Count == 1 ? "1 report whose exception" : $"{caught.Count} reports whose exceptions";
                PrintReports($"CheckedMmap: {which} the code under test caught, so that no failed test shows {(caught.Count == 1 ? "it" : "them")} " +
                    $"(also in {file}; a test that provokes a report on purpose wraps it in MmapTracker.ExpectReports()):", caught, ref separated);
            }
        }

        private void PrintReports(string heading, List<ReportFileRecord> reports, ref bool separated)
        {
            var text = new StringBuilder(heading);
            foreach (ReportFileRecord report in reports)
            {
                text.Append('\n').Append(report.Text.TrimEnd());
            }

            if (!_msbuildOutput && !separated)
            {
                _output.WriteLine();
                separated = true;
            }

            Print(text.ToString());
        }

        /// <summary>Prints to the console, or, when MSBuild's test task reads vstest.console's output, as one warning line of
        /// that task's protocol (fields after "||||", line breaks as "!!!!" and "~~~~").</summary>
        private void Print(string text)
        {
            if (_msbuildOutput)
            {
                _output.WriteLine("||||output-warning||||" + text.Replace("\r", "~~~~").Replace("\n", "!!!!"));
            }
            else
            {
                _output.WriteLine(text.Replace("\n", Environment.NewLine));
            }

            _output.Flush();
        }
    }
}
