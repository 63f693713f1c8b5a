using System;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP001: MAP_FIXED (or MAP_FIXED_NOREPLACE) in mmap's flags.</summary>
    internal static class MapFixedRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.MapFixed,
            "mmap with MAP_FIXED",
            "mmap flags {0} {1}, with {2}; the checked runtime and Miri reject it: \"{3}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "MAP_FIXED (and Linux's MAP_FIXED_NOREPLACE) place a mapping at a caller-chosen address, possibly over an existing one. " +
            "CheckedMmap and Miri only model malloc-like mappings and reject the call.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.MapFixed));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? flags = call.Flags;
            MmapConstants constants = call.Constants;
            if (flags is { Values.HasBits: true } many)
            {
                // Too many values to list: what every value has (or some value may have) decides.
                int must = MmapCallFacts.AsInt(many.Values.MustBits), may = MmapCallFacts.AsInt(many.Values.MayBits);
                bool always = MmapChecks.IsFixedFamily(must, constants);
                if (always || MmapChecks.IsFixedFamily(may, constants))
                {
                    int bits = always ? must : may;
                    string named = !MmapChecks.NoMapFixed(bits) && constants.MapFixedNoReplace != 0 && (bits & constants.MapFixedNoReplace) != 0
                        ? "MAP_FIXED and MAP_FIXED_NOREPLACE" : !MmapChecks.NoMapFixed(bits) ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE";
                    report(Diagnostic.Create(Descriptor, many.Location, always ? "are" : "may be", Verdict.DescribeBits(must, may, constants),
                        named, !MmapChecks.NoMapFixed(bits) ? MmapMessages.MapFixed : MmapMessages.Flags));
                }

                return;
            }

            Verdict verdict = Verdict.Judge(flags?.Values, v => MmapChecks.IsFixedFamily(MmapCallFacts.AsInt(v), constants));
            if (!verdict.Reports)
            {
                return;
            }

            bool fixedBit = false;
            bool noReplace = false;
            foreach (long v in verdict.Bad)
            {
                int f = MmapCallFacts.AsInt(v);
                fixedBit |= !MmapChecks.NoMapFixed(f);
                noReplace |= constants.MapFixedNoReplace != 0 && (f & constants.MapFixedNoReplace) != 0;
            }

            string which = fixedBit && noReplace ? "MAP_FIXED and MAP_FIXED_NOREPLACE" : fixedBit ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE";

            // Miri's MAP_FIXED check sees only the MAP_FIXED bit; MAP_FIXED_NOREPLACE alone fails its exact-flags check.
            string quote = fixedBit ? MmapMessages.MapFixed : MmapMessages.Flags;
            report(Diagnostic.Create(Descriptor, flags!.Location,
                verdict.Verb("are"), verdict.Describe(v => constants.FormatFlags(MmapCallFacts.AsInt(v))), which, quote));
        }
    }
}
