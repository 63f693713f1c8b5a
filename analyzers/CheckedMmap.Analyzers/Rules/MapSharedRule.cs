using System;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP002: MAP_SHARED (without MAP_PRIVATE: both together always fail, which MMAP007 reports).</summary>
    internal static class MapSharedRule
    {
        private const string Title = "mmap with MAP_SHARED";
        private const string Description = "MAP_SHARED makes writes visible to other mappings of the same object (files, devices, other processes). " +
            "CheckedMmap and Miri accept only MAP_PRIVATE|MAP_ANONYMOUS.";

        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.MapShared,
            Title,
            "mmap flags {0} {1}, a shared mapping; the checked runtime and Miri support only private anonymous mappings: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.MapShared));

        /// <summary>A shared mapping without MAP_ANONYMOUS whose fd is -1: libc refuses it (EBADF) before any checker does.</summary>
        public static readonly DiagnosticDescriptor WithoutDescriptor = new DiagnosticDescriptor(
            RuleIds.MapShared,
            Title,
            "mmap flags {0} {1}, a shared mapping of no file: without MAP_ANONYMOUS and with fd -1, the call always fails with EBADF; the checked runtime and Miri support only private anonymous mappings: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.MapShared));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? flags = call.Flags;
            if (flags is { Values.HasBits: true } many)
            {
                int must = MmapCallFacts.AsInt(many.Values.MustBits), may = MmapCallFacts.AsInt(many.Values.MayBits);
                bool always = MmapChecks.IsShared(must) && (may & Contract.MmapConstants.MAP_PRIVATE) == 0;
                if (always || MmapChecks.IsShared(may))
                {
                    report(Diagnostic.Create(Descriptor, many.Location, always ? "are" : "may be", Verdict.DescribeBits(must, may, call.Constants), MmapMessages.Flags));
                }

                return;
            }

            Verdict verdict = Verdict.Judge(flags?.Values, v =>
            {
                int f = MmapCallFacts.AsInt(v);
                return MmapChecks.IsShared(f) && MmapChecks.PrivateXorShared(f);
            });
            if (!verdict.Reports)
            {
                return;
            }

            report(Diagnostic.Create(verdict.Always && FlagsRule.AlwaysFailsWithEbadf(call, verdict.Bad) ? WithoutDescriptor : Descriptor, flags!.Location,
                verdict.Verb("are"), verdict.Describe(v => call.Constants.FormatFlags(MmapCallFacts.AsInt(v))), MmapMessages.Flags));
        }
    }
}
