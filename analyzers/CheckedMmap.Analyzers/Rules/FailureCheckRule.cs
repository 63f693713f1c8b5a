using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>
    /// MMAP009: mmap's (or mremap's) failure checked against NULL (they return MAP_FAILED, all ones, never NULL), or the
    /// result used before any check.
    /// </summary>
    internal static class FailureCheckRule
    {
        private const string Title = "mmap's failure checked against the wrong value, or not at all";
        private const string Description =
            "mmap returns MAP_FAILED ((void*)-1) when it fails, never NULL. A comparison with NULL (IntPtr.Zero, 0, null, default) " +
            "never sees the failure, and a result used without a check dereferences address -1. Compare with MAP_FAILED or -1 first.";

        public static readonly DiagnosticDescriptor NullCheck = new DiagnosticDescriptor(
            RuleIds.FailureCheck,
            Title,
            "{0}'s result (line {1}) is compared with NULL, but {0} fails with MAP_FAILED (-1), never NULL: compare with MAP_FAILED",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.FailureCheck));

        public static readonly DiagnosticDescriptor UncheckedUse = new DiagnosticDescriptor(
            RuleIds.FailureCheck,
            Title,
            "{0}'s result (line {1}) is used before it is compared with MAP_FAILED: when {0} fails this accesses address -1",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.FailureCheck));
    }
}
