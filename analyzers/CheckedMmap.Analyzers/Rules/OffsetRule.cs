using System;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP006: a non-zero offset.</summary>
    internal static class OffsetRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.Offset,
            "mmap with a non-zero offset",
            "mmap offset {0} {1}, not 0; the checked runtime and Miri reject it: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "An offset only means something for a file-backed mapping. CheckedMmap and Miri accept only offset 0.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Offset));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? offset = call.Offset;
            Verdict verdict = Verdict.Judge(offset?.Values, v => !MmapChecks.ZeroOffset(v));
            if (!verdict.Reports)
            {
                return;
            }

            report(Diagnostic.Create(Descriptor, offset!.Location, verdict.Verb("is"), verdict.Describe(Verdict.FormatNumber), MmapMessages.Offset));
        }
    }
}
