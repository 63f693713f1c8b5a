// Where finished reports go besides the exception that carries them: the JSON-lines file named by
// CHECKEDMMAP_REPORT_FILE (CheckedMmapOptions.ReportFile) (one object per line, appended, for CI to attach), and,
// for reports no exception carries (faults that end the process, leaks at exit), the report writer.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using CheckedMmap.Contract;

namespace CheckedMmap.Reports
{
    internal static class ReportSink
    {
        private static readonly object FileGate = new object();

        /// <summary>Appends the report to the JSON-lines file, if one is set; never throws.</summary>
        public static void Record(FinishedReport report) => Record(report, printedTo: null);

        /// <summary>As <see cref="Record(FinishedReport)"/>, noting the standard error stream the report was printed on
        /// (<see cref="ProcessStandardError.Identity"/>).</summary>
        private static void Record(FinishedReport report, string? printedTo)
        {
            string? path = Registry.MmapRuntime.ReportFile;
            if (string.IsNullOrEmpty(path))
            {
                return;
            }

            try
            {
                string line = ToJson(report, printedTo) + "\n";
                lock (FileGate)
                {
                    string? dir = Path.GetDirectoryName(Path.GetFullPath(path!));
                    if (!string.IsNullOrEmpty(dir))
                    {
                        Directory.CreateDirectory(dir!);
                    }

                    // One write per line in append mode: lines from several processes do not interleave.
                    using var stream = new FileStream(path!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    byte[] bytes = Encoding.UTF8.GetBytes(line);
                    stream.Write(bytes, 0, bytes.Length);
                }
            }
            catch (Exception)
            {
                // A report file that cannot be written must not hide the report itself.
            }
        }

        /// <summary>Writes the report to the report writer (standard error unless overridden) and records it; never throws.</summary>
        public static void Print(FinishedReport report)
        {
            string? printedTo = null;
            try
            {
                TextWriter w = Registry.MmapRuntime.ReportWriter;
                w.Write(report.Text);
                w.Flush();
                printedTo = ProcessStandardError.IdentityOf(w);
            }
            catch (Exception)
            {
                // Printing is best effort on paths that are about to end the process.
            }

            Record(report, printedTo);
        }

        private static string ToJson(FinishedReport r, string? printedTo)
        {
            var sb = new StringBuilder(256 + r.Text.Length);
            sb.Append('{');
            Field(sb, "time", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(',');
            Field(sb, "pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), quoted: false).Append(',');
            Field(sb, "category", Category(r.Category)).Append(',');
            Field(sb, "kind", r.Kind).Append(',');
            Field(sb, "headline", r.Headline).Append(',');
            Field(sb, "summary", r.Summary).Append(',');
            Field(sb, "endsProcess", r.EndsProcess ? "true" : "false", quoted: false).Append(',');
            if (ExpectedReports.Active)
            {
                Field(sb, "expected", "true", quoted: false).Append(','); // provoked on purpose (MmapTracker.ExpectReports)
            }

            sb.Append("\"tests\":[");
            for (int i = 0; i < r.Tests.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }

                JsonString(sb, r.Tests[i]);
            }

            sb.Append("],");
            if (printedTo != null)
            {
                Field(sb, "printedTo", printedTo).Append(',');
            }

            if (r.Address is ulong a)
            {
                Field(sb, "address", MmapMessages.Hex(a)).Append(',');
            }

            if (r.Mapping is MappingInfo m)
            {
                sb.Append("\"mapping\":{");
                Field(sb, "name", m.Name).Append(',');
                Field(sb, "start", MmapMessages.Hex(m.Start)).Append(',');
                Field(sb, "size", m.SizeBytes.ToString(CultureInfo.InvariantCulture), quoted: false).Append(',');
                Field(sb, "state", m.State.ToString().ToLowerInvariant()).Append(',');
                Field(sb, "createdBy", m.CreatedBy);
                if (m.DestroyedBy != null)
                {
                    sb.Append(',');
                    Field(sb, "destroyedBy", m.DestroyedBy);
                }

                sb.Append("},");
            }

            Field(sb, "report", r.Text);
            sb.Append('}');
            return sb.ToString();
        }

        private static string Category(ReportCategory c) => c switch
        {
            ReportCategory.UndefinedBehavior => "undefined-behavior",
            ReportCategory.Unsupported => "unsupported",
            ReportCategory.Leak => "leak",
            _ => "fault",
        };

        private static StringBuilder Field(StringBuilder sb, string name, string value, bool quoted = true)
        {
            sb.Append('"').Append(name).Append("\":");
            return quoted ? JsonString(sb, value) : sb.Append(value);
        }

        private static StringBuilder JsonString(StringBuilder sb, string value)
        {
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            sb.Append(c);
                        }

                        break;
                }
            }

            return sb.Append('"');
        }
    }
}
