// Leaks found at the end of a run belong to no test, so no test result can show them. After a run whose tests all
// passed, the package's MSBuild target prints them as build errors; after a run with failures MSBuild skips that
// target, and the leaks would be left in the report file. This logger runs in vstest.console (the package's run
// settings name it) and prints them when the run completes, whatever its outcome, in full. The report of a fault that
// ended the test host is printed only when no message of the run held it: VSTest's crash message shows the host's
// standard error, where the runtime wrote the report, unless something else kept it from the console.
using System;
using System.Collections.Generic;
using System.IO;
using CheckedMmap.Testing;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;

namespace CheckedMmap.TestRun
{
    /// <summary>
    /// A VSTest logger that prints the CheckedMmap reports no test result holds (leaks found at the end of the run) when
    /// the run completes. It reads them from the report file named by its <c>ReportFile</c> parameter.
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

        private readonly TextWriter _output;
        private readonly List<string> _messages = new List<string>();
        private string? _reportFile;

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
        /// <param name="parameters">The configuration; <see cref="ReportFileParameter"/> names the report file.</param>
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
            events.TestRunMessage += (_, e) => Heard(e?.Message);
            events.TestRunComplete += (_, _) => PrintEndOfRunReports();
        }

        /// <summary>Keeps a run message that holds a CheckedMmap report (VSTest's crash message quotes the host's output).</summary>
        private void Heard(string? message)
        {
            if (message != null && message.Contains("==CheckedMmap== ERROR: "))
            {
                lock (_messages)
                {
                    _messages.Add(message);
                }
            }
        }

        /// <summary>Whether a message of the run held the report (its first line is enough: it names the address).</summary>
        private bool WasShown(ReportFileRecord report)
        {
            string first = report.Text.Split('\n')[0].TrimEnd('\r');
            lock (_messages)
            {
                return first.Length > 0 && _messages.Exists(m => m.Contains(first));
            }
        }

        /// <summary>Prints the reports of the end of the run; returns how many it printed.</summary>
        private int PrintEndOfRunReports()
        {
            if (_reportFile is not { } file)
            {
                return 0;
            }

            List<ReportFileRecord> reports;
            try
            {
                reports = ReportFileRecords.Read(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _output.WriteLine($"CheckedMmap: the reports of this run could not be read from {file}: {e.Message}");
                return 0;
            }

            List<ReportFileRecord> shown = reports.FindAll(r => r.EndsProcess && !(r.Category == "fault" && WasShown(r)));
            if (shown.Count == 0)
            {
                return 0;
            }

            _output.WriteLine();
            _output.WriteLine(shown.Count == 1
                ? $"CheckedMmap: 1 report that no test result holds (also in {file}):"
                : $"CheckedMmap: {shown.Count} reports that no test result holds (also in {file}):");
            foreach (ReportFileRecord report in shown)
            {
                _output.WriteLine(report.Text.TrimEnd());
            }

            _output.Flush();
            return shown.Count;
        }
    }
}
