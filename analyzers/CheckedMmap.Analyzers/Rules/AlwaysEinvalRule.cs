using System;
using System.Linq;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>
    /// MMAP007: calls that fail with EINVAL before mapping anything: not exactly one of MAP_PRIVATE and MAP_SHARED,
    /// a zero length, or a length that cannot be rounded up to a page.
    /// </summary>
    internal static class AlwaysEinvalRule
    {
        /// <summary>The smallest page size of any target; a length that cannot be rounded to it cannot be rounded to any.</summary>
        private const ulong PageSize = 4096;

        private const string Title = "mmap call that fails with EINVAL";
        private const string Description =
            "mmap returns MAP_FAILED with errno EINVAL, under the checked runtime, Miri and the OS alike, when the flags set " +
            "neither or both of MAP_PRIVATE and MAP_SHARED, when the length is 0, or when the length cannot be rounded up to a page.";

        public static readonly DiagnosticDescriptor PrivateShared = new DiagnosticDescriptor(
            RuleIds.AlwaysEinval,
            Title,
            "mmap {0} with EINVAL: {1} (flags {2} {3})",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.AlwaysEinval));

        public static readonly DiagnosticDescriptor ZeroLength = new DiagnosticDescriptor(
            RuleIds.AlwaysEinval,
            Title,
            "mmap {0} with EINVAL: {1}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.AlwaysEinval));

        public static readonly DiagnosticDescriptor LengthOverflow = new DiagnosticDescriptor(
            RuleIds.AlwaysEinval,
            Title,
            "mmap {0} with EINVAL: {1} (length {2} {3})",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.AlwaysEinval));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            if (call.Flags is { Values.HasBits: true } many)
            {
                AnalyzeMasks(call, many, report);
            }
            else if (call.Flags is { } flags)
            {
                Verdict kind = Verdict.Judge(flags.Values, v => !MmapChecks.PrivateXorShared(MmapCallFacts.AsInt(v)));
                if (kind.Reports)
                {
                    // Linux maps a file with MAP_SHARED_VALIDATE: there only Miri and the checked runtime fail the call.
                    bool linuxMapsIt = kind.Bad.All(v => call.Constants.IsSharedValidateFileMapping(MmapCallFacts.AsInt(v)));
                    report(Diagnostic.Create(PrivateShared, flags.Location,
                        linuxMapsIt ? (kind.Always ? "fails" : "may fail") + " under the checked runtime and Miri" : Fails(kind),
                        MmapMessages.EinvalPrivateShared, kind.Verb("are"),
                        kind.Describe(v => call.Constants.FormatFlags(MmapCallFacts.AsInt(v))) + (linuxMapsIt ? ", a shared file mapping on Linux" : string.Empty)));
                }
            }

            if (call.Length is { } length)
            {
                Verdict zero = Verdict.Judge(length.Values, v => !MmapChecks.NonZeroLength(unchecked((ulong)v)));
                if (zero.Reports)
                {
                    report(Diagnostic.Create(ZeroLength, length.Location, Fails(zero), zero.Always ? MmapMessages.EinvalZeroLength : "the length may be 0"));
                }

                Verdict overflow = Verdict.Judge(length.Values, v =>
                    !MmapChecks.TryRoundUpToPageSize(unchecked((ulong)v), PageSize, MmapChecks.IsizeMax64, out _));
                if (overflow.Reports)
                {
                    report(Diagnostic.Create(LengthOverflow, length.Location,
                        Fails(overflow), MmapMessages.EinvalLengthOverflow, overflow.Verb("is"),
                        overflow.Describe(v => "0x" + unchecked((ulong)v).ToString("x", System.Globalization.CultureInfo.InvariantCulture))));
                }
            }
        }

        /// <summary>
        /// Too many flag values to list: the bits every value has (must) and some value has (may) decide. Neither bit in
        /// any value, or both in every value, always fails; a bit some value lacks while no value has the other, or a bit
        /// some value has while every value has the other, may fail.
        /// </summary>
        private static void AnalyzeMasks(MmapCallFacts call, MmapArgument flags, Action<Diagnostic> report)
        {
            const int Private = MmapConstants.MAP_PRIVATE, Shared = MmapConstants.MAP_SHARED;
            int must = MmapCallFacts.AsInt(flags.Values.MustBits), may = MmapCallFacts.AsInt(flags.Values.MayBits);
            bool always = (may & (Private | Shared)) == 0 || (must & (Private | Shared)) == (Private | Shared);
            bool sometimes = ((may & Shared) == 0 && (must & Private) == 0) || ((may & Private) == 0 && (must & Shared) == 0)
                || ((must & Private) != 0 && (may & Shared) != 0) || ((must & Shared) != 0 && (may & Private) != 0);
            if (!always && !sometimes)
            {
                return;
            }

            // Both bits in every value without MAP_ANONYMOUS in any: MAP_SHARED_VALIDATE, which Linux maps.
            bool linuxMapsIt = always && call.Constants.IsSharedValidateFileMapping(must) && (may & call.Constants.MapAnonymous) == 0;
            string fails = always ? "always fails" : "may fail";
            report(Diagnostic.Create(PrivateShared, flags.Location,
                linuxMapsIt ? "fails under the checked runtime and Miri" : fails,
                MmapMessages.EinvalPrivateShared, always ? "are" : "may be",
                Verdict.DescribeBits(must, may, call.Constants) + (linuxMapsIt ? ", a shared file mapping on Linux" : string.Empty)));
        }

        private static string Fails(Verdict verdict) => verdict.Always ? "always fails" : "may fail";
    }
}
