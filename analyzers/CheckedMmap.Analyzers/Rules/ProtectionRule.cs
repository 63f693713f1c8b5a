using System;
using System.Collections.Generic;
using System.Linq;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP004: protections other than exactly PROT_READ|PROT_WRITE, worded for reservations, executable memory and the rest.</summary>
    internal static class ProtectionRule
    {
        private const string Title = "mmap protections other than PROT_READ|PROT_WRITE";
        private const string Description =
            "CheckedMmap and Miri accept only PROT_READ|PROT_WRITE: no PROT_NONE reservations, no read-only or write-only " +
            "mappings, nothing executable. The same check applies to mprotect.";

        public static readonly DiagnosticDescriptor Reservation = new DiagnosticDescriptor(
            RuleIds.Protection,
            Title,
            "mmap protection {0} PROT_NONE, an address-space reservation; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: \"{1}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Protection));

        public static readonly DiagnosticDescriptor Executable = new DiagnosticDescriptor(
            RuleIds.Protection,
            Title,
            "mmap protection {0} {1}, executable memory; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Protection));

        public static readonly DiagnosticDescriptor Other = new DiagnosticDescriptor(
            RuleIds.Protection,
            Title,
            "mmap protection {0} {1}, not PROT_READ|PROT_WRITE; the checked runtime and Miri reject it: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Protection));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? prot = call.Protection;
            Verdict verdict = Verdict.Judge(prot?.Values, v => !MmapChecks.ReadWriteProtection(MmapCallFacts.AsInt(v)));
            if (!verdict.Reports)
            {
                return;
            }

            static string Name(long value) => MmapConstants.FormatProt(MmapCallFacts.AsInt(value));
            List<long> executable = verdict.Bad.Where(v => (MmapCallFacts.AsInt(v) & MmapConstants.PROT_EXEC) != 0).ToList();
            if (executable.Count > 0)
            {
                // Only the executable values are named "executable memory" (not a PROT_NONE beside them); any other value
                // makes the executable one a "may".
                bool always = verdict.Always && executable.Count == verdict.Bad.Count;
                report(Diagnostic.Create(Executable, prot!.Location, always ? "is" : "may be", Verdict.Describe(executable, Name), MmapMessages.Protections));
            }
            else if (verdict.Bad.All(v => MmapCallFacts.AsInt(v) == MmapConstants.PROT_NONE))
            {
                report(Diagnostic.Create(Reservation, prot!.Location, verdict.Verb("is"), MmapMessages.Protections));
            }
            else
            {
                report(Diagnostic.Create(Other, prot!.Location, verdict.Verb("is"), verdict.Describe(Name), MmapMessages.Protections));
            }
        }
    }
}
