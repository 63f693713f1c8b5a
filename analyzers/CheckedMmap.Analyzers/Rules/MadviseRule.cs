using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP012: madvise with advice other than MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED.</summary>
    internal static class MadviseRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.Madvise,
            "madvise with advice other than MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL or MADV_WILLNEED",
            "madvise advice {0} {1}: {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Miri and the checked runtime accept only the advice that changes nothing observable (MADV_NORMAL, " +
                "MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED); MADV_DONTNEED, MADV_FREE and the others stop the test run (unsupported operation).",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Madvise));
    }
}
