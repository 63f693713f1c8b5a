// The report file (CHECKEDMMAP_REPORT_FILE) holds one JSON object per report. Its readers live in three places: the
// runtime (a parent reading a child process's reports), the test platform extension, and the VSTest logger, which
// runs in vstest.console, where CheckedMmap.dll is not loaded. So this file is compiled into the runtime and, as
// source, into the logger's assembly: one reader for all of them.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace CheckedMmap.Testing
{
    /// <summary>One line of a report file.</summary>
    internal sealed class ReportFileRecord
    {
        public ReportFileRecord(string category, string kind, string summary, string text, bool endsProcess, string? printedTo = null, IReadOnlyList<string>? tests = null,
            bool expected = false)
        {
            Expected = expected;
            Category = category;
            Kind = kind;
            Summary = summary;
            Text = text;
            EndsProcess = endsProcess;
            PrintedTo = printedTo;
            Tests = tests ?? Array.Empty<string>();
        }

        /// <summary>"undefined-behavior", "unsupported", "leak" or "fault".</summary>
        public string Category { get; }

        /// <summary>"buffer overflow", "use after munmap", "partial munmap", "leak", ...</summary>
        public string Kind { get; }

        /// <summary>The text of the SUMMARY line after "SUMMARY: CheckedMmap: ".</summary>
        public string Summary { get; }

        /// <summary>The whole report.</summary>
        public string Text { get; }

        /// <summary>True when no test result holds the report: the process ended on it (a fault), or it was made at the
        /// end of the run (leaks at exit).</summary>
        public bool EndsProcess { get; }

        /// <summary>The standard error stream the writing process printed the report on (its /proc link on Linux), or
        /// null when it was not printed there or that cannot be told.</summary>
        public string? PrintedTo { get; }

        /// <summary>The test methods on the report's stacks ("Namespace.Type.Method"), its call or access stack first,
        /// then the creation and destruction stacks of its mappings; none for a report written before the field existed.</summary>
        public IReadOnlyList<string> Tests { get; }

        /// <summary>True when the report was made inside <c>MmapTracker.ExpectReports()</c>: a test provoked it on purpose.</summary>
        public bool Expected { get; }

        /// <summary>
        /// True for a report carried by an exception into code that did not expect it (Undefined Behavior, an unsupported
        /// call, a fault in managed code): the test it happened in must fail, and if that test passed, the code under test
        /// caught the exception and hid the bug.
        /// </summary>
        public bool MustFailItsTest => !EndsProcess && !Expected && Category is "undefined-behavior" or "unsupported" or "fault";

        /// <summary>
        /// A test platform's name of a test as reports name it ("Namespace.Type.Method"): a nested type's '+' becomes '.',
        /// and the arguments of a data row ("Method(1, 2)") go.
        /// </summary>
        public static string TestName(string fullyQualifiedName)
        {
            int arguments = fullyQualifiedName.IndexOf('(');
            return (arguments > 0 ? fullyQualifiedName.Substring(0, arguments) : fullyQualifiedName).Replace('+', '.');
        }
    }

    /// <summary>
    /// Some tests of a run (those that failed; those with any result), by the names reports give them
    /// ("Namespace.Type.Method"): a failed test's result shows the reports made in it, so only the others are left to
    /// print. Safe to use from several threads.
    /// </summary>
    internal sealed class TestNames
    {
        private readonly HashSet<string> _names = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Keeps a test, named as its test platform names it (see <see cref="ReportFileRecord.TestName"/>).</summary>
        public void Add(string platformName)
        {
            lock (_names)
            {
                _names.Add(ReportFileRecord.TestName(platformName));
            }
        }

        /// <summary>Whether a test on the report's stacks is kept here (for the failed tests: their results show the report).</summary>
        public bool Show(ReportFileRecord report)
        {
            lock (_names)
            {
                foreach (string test in report.Tests)
                {
                    if (_names.Contains(test))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

    internal static class ReportFileRecords
    {
        /// <summary>The reports of a report file, in the order they were written; none when the file does not exist. A
        /// line cut short when its process ended is skipped (its text went to that process's standard error too), as is a
        /// line that holds no JSON object.</summary>
        /// <exception cref="IOException">The file exists but cannot be read.</exception>
        /// <exception cref="System.UnauthorizedAccessException">The file may not be read.</exception>
        public static List<ReportFileRecord> Read(string path) => Read(path, 0, endsProcessOnly: false);

        /// <summary>As <see cref="Read(string)"/>, from byte <paramref name="start"/> on (from the start when the file is
        /// shorter: it was cleared since), and with <paramref name="endsProcessOnly"/> only the reports no test result
        /// holds. The file is read while its writers may still hold it open.</summary>
        /// <exception cref="IOException">The file exists but cannot be read.</exception>
        /// <exception cref="System.UnauthorizedAccessException">The file may not be read.</exception>
        public static List<ReportFileRecord> Read(string path, long start, bool endsProcessOnly)
        {
            var list = new List<ReportFileRecord>();
            if (!File.Exists(path))
            {
                return list;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (start > 0 && start <= stream.Length)
            {
                stream.Seek(start, SeekOrigin.Begin);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                // The writer puts no space after the colon: lines of reports a test result holds need no parsing here.
                if (line.Length == 0 || (endsProcessOnly && line.IndexOf("\"endsProcess\":true", StringComparison.Ordinal) < 0))
                {
                    continue;
                }

                try
                {
                    using JsonDocument doc = JsonDocument.Parse(line);
                    JsonElement root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        continue; // not a report
                    }

                    var record = new ReportFileRecord(
                        Text(root, "category"), Text(root, "kind"), Text(root, "summary"), Text(root, "report"),
                        root.TryGetProperty("endsProcess", out JsonElement ends) && ends.ValueKind == JsonValueKind.True,
                        root.TryGetProperty("printedTo", out JsonElement printed) && printed.ValueKind == JsonValueKind.String ? printed.GetString() : null,
                        Texts(root, "tests"),
                        root.TryGetProperty("expected", out JsonElement expected) && expected.ValueKind == JsonValueKind.True);
                    if (!endsProcessOnly || record.EndsProcess)
                    {
                        list.Add(record);
                    }
                }
                catch (JsonException)
                {
                    // cut short: see above
                }
            }

            return list;
        }

        private static List<string> Texts(JsonElement root, string name)
        {
            var texts = new List<string>();
            if (root.TryGetProperty(name, out JsonElement array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in array.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is string text)
                    {
                        texts.Add(text);
                    }
                }
            }

            return texts;
        }

        private static string Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() ?? string.Empty
                : string.Empty;
    }
}
