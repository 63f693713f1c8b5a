// The report file (CHECKEDMMAP_REPORT_FILE) holds one JSON object per report. Its readers live in three places: the
// runtime (a parent reading a child process's reports), the test platform extension, and the VSTest logger, which
// runs in vstest.console, where CheckedMmap.dll is not loaded. So this file is compiled into the runtime and, as
// source, into the logger's assembly: one reader for all of them.
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace CheckedMmap.Testing
{
    /// <summary>One line of a report file.</summary>
    internal sealed class ReportFileRecord
    {
        public ReportFileRecord(string category, string kind, string summary, string text, bool endsProcess)
        {
            Category = category;
            Kind = kind;
            Summary = summary;
            Text = text;
            EndsProcess = endsProcess;
        }

        /// <summary>"undefined-behavior", "unsupported", "leak" or "fault".</summary>
        public string Category { get; }

        public string Kind { get; }

        /// <summary>The text of the SUMMARY line after "SUMMARY: CheckedMmap: ".</summary>
        public string Summary { get; }

        /// <summary>The whole report.</summary>
        public string Text { get; }

        /// <summary>True when no test result holds the report: the process ended on it (a fault), or it was made at the
        /// end of the run (leaks at exit).</summary>
        public bool EndsProcess { get; }
    }

    internal static class ReportFileRecords
    {
        /// <summary>The reports of a report file, in the order they were written; none when the file does not exist. A
        /// line cut short when its process ended is skipped (its text went to that process's standard error too), as is a
        /// line that holds no JSON object.</summary>
        /// <exception cref="IOException">The file exists but cannot be read.</exception>
        /// <exception cref="System.UnauthorizedAccessException">The file may not be read.</exception>
        public static List<ReportFileRecord> Read(string path)
        {
            var list = new List<ReportFileRecord>();
            if (!File.Exists(path))
            {
                return list;
            }

            foreach (string line in File.ReadAllLines(path))
            {
                if (line.Length == 0)
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

                    list.Add(new ReportFileRecord(
                        Text(root, "category"), Text(root, "kind"), Text(root, "summary"), Text(root, "report"),
                        root.TryGetProperty("endsProcess", out JsonElement ends) && ends.ValueKind == JsonValueKind.True));
                }
                catch (JsonException)
                {
                    // cut short: see above
                }
            }

            return list;
        }

        private static string Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() ?? string.Empty
                : string.Empty;
    }
}
