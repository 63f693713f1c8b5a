using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP011: mprotect with protections other than PROT_READ|PROT_WRITE (PROT_EXEC, PROT_NONE, read-only).</summary>
    internal static class MprotectRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.Mprotect,
            "mprotect with protections other than PROT_READ|PROT_WRITE",
            "mprotect protections {0} {1}: {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Miri and the checked runtime accept mprotect only with PROT_READ|PROT_WRITE: making memory executable, " +
                "read-only or inaccessible stops the test run (unsupported operation).",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Mprotect));
    }
}
