using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace CheckedMmap.Package.Tests.Infrastructure
{
    /// <summary>A diagnostic as a user sees it: one canonical MSBuild line, "file(line,col): warning ID: message [project]".</summary>
    public sealed record BuildDiagnostic(string File, int Line, int Column, string Severity, string Id, string Message)
    {
        private static readonly Regex CanonicalLine = new Regex(
            @"^\s*(?<file>[^\r\n]+?)\((?<line>\d+),(?<col>\d+)\): (?<sev>warning|error) (?<id>[A-Za-z]+\d+): (?<msg>.*?)(?: \[[^\]\r\n]*\])?\r?$",
            RegexOptions.Multiline | RegexOptions.CultureInvariant);

        public (string File, int Line, int Column, string Id) Position => (File, Line, Column, Id);

        /// <summary>Every distinct diagnostic in a build log (MSBuild repeats them in its summary).</summary>
        public static IReadOnlyList<BuildDiagnostic> Parse(string output) =>
            CanonicalLine.Matches(output)
                .Select(m => new BuildDiagnostic(
                    Path.GetFullPath(m.Groups["file"].Value.Trim()),
                    int.Parse(m.Groups["line"].Value),
                    int.Parse(m.Groups["col"].Value),
                    m.Groups["sev"].Value,
                    m.Groups["id"].Value,
                    m.Groups["msg"].Value))
                .Distinct()
                .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToList();

        /// <summary>Only the product's diagnostics (MMAPnnn).</summary>
        public static IReadOnlyList<BuildDiagnostic> ParseMmap(string output) =>
            Parse(output).Where(d => d.Id.StartsWith("MMAP", StringComparison.Ordinal)).ToList();
    }

    /// <summary>
    /// What a consumer's source says the analyzer must report: a comment <c>/*MMAPnnn*/</c> (or <c>/*macos:MMAPnnn*/</c>, only
    /// when the target is that OS) placed right before the offending argument, which starts where the comment ends.
    /// </summary>
    public static class ExpectedDiagnostics
    {
        private static readonly Regex Marker = new Regex(@"/\*(?:(?<os>[a-z]+):)?(?<id>MMAP\d{3})\*/", RegexOptions.CultureInvariant);

        public static IReadOnlyList<(string File, int Line, int Column, string Id)> Read(string file, string targetOS = "linux") =>
            FromLines(file, System.IO.File.ReadAllLines(file), targetOS);

        /// <summary>The markers of <paramref name="lines"/>, the text of <paramref name="file"/> as an editor holds it.</summary>
        public static IReadOnlyList<(string File, int Line, int Column, string Id)> FromLines(string file, string[] lines, string targetOS = "linux")
        {
            var expected = new List<(string File, int Line, int Column, string Id)>();
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (Match marker in Marker.Matches(lines[i]))
                {
                    string os = marker.Groups["os"].Value;
                    if (os.Length == 0 || os == targetOS)
                    {
                        expected.Add((Path.GetFullPath(file), i + 1, marker.Index + marker.Length + 1, marker.Groups["id"].Value));
                    }
                }
            }

            return expected.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Column).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        }
    }
}
