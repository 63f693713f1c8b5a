using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace CheckedMmap.Benchmarks.Harness
{
    /// <summary>A benchmark target and whether this run met it.</summary>
    internal sealed record TargetResult(string Target, string Goal, string Measured, bool? Met, string Note);

    /// <summary>Collects the run's tables as markdown, with the targets summarised first.</summary>
    internal sealed class Report
    {
        private readonly StringBuilder _body = new();
        private readonly List<TargetResult> _targets = new();

        public void Heading(string text) => _body.Append("\n### ").Append(text).Append("\n\n");

        public void Paragraph(string text) => _body.Append(text).Append("\n\n");

        public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            _body.Append("| ").Append(string.Join(" | ", headers)).Append(" |\n");
            _body.Append('|').Append(string.Concat(headers.Select(_ => "---|"))).Append('\n');
            foreach (IReadOnlyList<string> row in rows)
            {
                _body.Append("| ").Append(string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))).Append(" |\n");
            }

            _body.Append('\n');
        }

        public void Target(TargetResult result)
        {
            _targets.Add(result);
            Console.WriteLine($"  target {(result.Met switch { true => "MET   ", false => "MISSED", null => "N/A   " })} {result.Target}: {result.Measured} (goal {result.Goal}) {result.Note}");
        }

        /// <summary>This report's targets and body as JSON, for a section measured in a child process.</summary>
        public string Export() => System.Text.Json.JsonSerializer.Serialize(
            new ExportedReport(_targets, _body.ToString(), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds));

        /// <summary>Appends a report that <see cref="Export"/> wrote: its targets after this report's, its body after this
        /// body. Returns the CPU time the exporting process had used.</summary>
        public TimeSpan Import(string json)
        {
            ExportedReport exported = System.Text.Json.JsonSerializer.Deserialize<ExportedReport>(json)
                ?? throw new InvalidOperationException("the child process wrote no report");
            _targets.AddRange(exported.Targets);
            _body.Append(exported.Body);
            return TimeSpan.FromSeconds(exported.ProcessorSeconds);
        }

        private sealed record ExportedReport(List<TargetResult> Targets, string Body, double ProcessorSeconds);

        public string Render(string header)
        {
            var text = new StringBuilder();
            text.Append(header).Append("\n\n### Targets\n\n");
            text.Append("| Target | Goal | Measured | Verdict | Why |\n|---|---|---|---|---|\n");
            foreach (TargetResult t in _targets)
            {
                string verdict = t.Met switch { true => "met", false => "**missed**", null => "not measured" };
                text.Append($"| {t.Target} | {t.Goal} | {t.Measured} | {verdict} | {t.Note} |\n");
            }

            text.Append(_body);
            return text.ToString();
        }

        public static string Ns(double ns) => ns switch
        {
            double.NaN => "n/a",
            >= 1_000_000 => (ns / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
            >= 10_000 => (ns / 1_000).ToString("0.0", CultureInfo.InvariantCulture) + " µs",
            >= 1_000 => (ns / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
            _ => ns.ToString("0", CultureInfo.InvariantCulture) + " ns",
        };

        public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + " ms";

        public static string Pct(double fraction) => (fraction * 100).ToString(fraction < 0.1 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + "%";
    }
}
