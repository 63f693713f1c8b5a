using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP014: in a compilation that defines CHECKED, a call of a libc binding that is not CheckedMmap.Mman.</summary>
    internal static class EscapeRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.EscapesCheckedRuntime,
            "libc call that escapes the checked runtime in a CHECKED build",
            "{0} calls libc's {1} in a build that defines CHECKED: this call escapes the checked runtime (call CheckedMmap.Mman.{1} under #if CHECKED)",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "With -p:CheckedMmap=true every mapping should go through CheckedMmap.Mman: a mapping made or changed by libc " +
                "directly is invisible to the checked runtime (no guard pages, no quarantine, no leak check), and a mapping made by one " +
                "and released by the other is reported as Undefined Behavior or corrupts both. Silent in builds without CHECKED.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.EscapesCheckedRuntime));
    }
}
