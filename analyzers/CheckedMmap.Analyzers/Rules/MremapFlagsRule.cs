using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP013: mremap with MREMAP_FIXED or MREMAP_DONTUNMAP, or without MREMAP_MAYMOVE.</summary>
    internal static class MremapFlagsRule
    {
        private const string Title = "mremap with MREMAP_FIXED or MREMAP_DONTUNMAP, or without MREMAP_MAYMOVE";
        private const string Description =
            "Miri and the checked runtime implement mremap as realloc: it needs MREMAP_MAYMOVE (without it, mremap fails with " +
            "EINVAL, even when shrinking) and does not support MREMAP_FIXED or MREMAP_DONTUNMAP (the test run stops).";

        public static readonly DiagnosticDescriptor Fixed = new DiagnosticDescriptor(
            RuleIds.Mremap,
            Title,
            "mremap flags {0} {1}: {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Mremap));

        public static readonly DiagnosticDescriptor DontUnmap = new DiagnosticDescriptor(
            RuleIds.Mremap,
            Title,
            "mremap flags {0} {1}: {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Mremap));

        public static readonly DiagnosticDescriptor WithoutMayMove = new DiagnosticDescriptor(
            RuleIds.Mremap,
            Title,
            "mremap flags {0} {1}: {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Mremap));
    }
}
