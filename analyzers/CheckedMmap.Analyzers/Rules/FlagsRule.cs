using System;
using System.Linq;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>
    /// MMAP005: flags other than exactly MAP_PRIVATE|MAP_ANONYMOUS once MAP_FIXED (MMAP001) and MAP_SHARED (MMAP002)
    /// are set aside: extra bits, or a private mapping without MAP_ANONYMOUS. Values that fail the private/shared check are MMAP007's.
    /// </summary>
    internal static class FlagsRule
    {
        private const string Title = "mmap flags other than MAP_PRIVATE|MAP_ANONYMOUS";
        private const string Description =
            "CheckedMmap and Miri accept exactly MAP_PRIVATE|MAP_ANONYMOUS. Extra bits such as MAP_NORESERVE, MAP_POPULATE, " +
            "MAP_STACK or MAP_HUGETLB, and a missing MAP_ANONYMOUS, make the call unsupported.";

        public static readonly DiagnosticDescriptor ExtraBits = new DiagnosticDescriptor(
            RuleIds.Flags,
            Title,
            "mmap flags {0} {1}, which add {2} to MAP_PRIVATE|MAP_ANONYMOUS; the checked runtime and Miri reject it: \"{3}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Flags));

        /// <summary>Extra bits where a value is shared or a file mapping's: "which add … to MAP_PRIVATE|MAP_ANONYMOUS" would
        /// be untrue of it.</summary>
        public static readonly DiagnosticDescriptor ExtraBitsBesidesMappingType = new DiagnosticDescriptor(
            RuleIds.Flags,
            Title,
            "mmap flags {0} {1}, which set {2} besides the mapping type; the checked runtime and Miri reject it: \"{3}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Flags));

        public static readonly DiagnosticDescriptor MissingAnonymous = new DiagnosticDescriptor(
            RuleIds.Flags,
            Title,
            "mmap flags {0} {1}, without MAP_ANONYMOUS; the checked runtime and Miri reject it: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Flags));

        /// <summary>The same where the fd is -1 too: libc refuses such a call (EBADF) before any checker does.</summary>
        public static readonly DiagnosticDescriptor MissingAnonymousWithoutDescriptor = new DiagnosticDescriptor(
            RuleIds.Flags,
            Title,
            "mmap flags {0} {1}, without MAP_ANONYMOUS, and the fd is -1: the call always fails with EBADF; the checked runtime and Miri reject it too: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Flags));

        /// <summary>
        /// Whether a call whose flags take <paramref name="bad"/> fails with EBADF whatever else: the fd is -1 on every path
        /// and no value maps anonymous memory (no MAP_ANONYMOUS, nor a bit that implies it). The checks that come first
        /// in the kernel must pass where the values are known: a page-aligned offset, a length that is not 0.
        /// </summary>
        public static bool AlwaysFailsWithEbadf(MmapCallFacts call, System.Collections.Generic.IEnumerable<long> bad)
        {
            MmapConstants constants = call.Constants;
            int anonymous = constants.MapAnonymous | constants.AnonymousWithoutAnonymousBit;
            return call.FileDescriptor?.Values is { IsKnown: true, HasDescriptor: false } fd && fd.Values.All(v => v == -1)
                && !(call.Offset?.Values is { IsKnown: true } offset && offset.Values.Any(v => v % 4096 != 0))
                && !(call.Length?.Values is { IsKnown: true } length && length.Values.Contains(0))
                && bad.All(v => (MmapCallFacts.AsInt(v) & anonymous) == 0);
        }

        /// <summary>
        /// Too many values to list (six optional bits make 64): the bits every value has and the bits some value has
        /// decide, where the mapping type is the same in every value (all private, or all shared; else MMAP007's).
        /// A bit missing from the must mask is missing from some value; a bit in the may mask is in some value.
        /// </summary>
        private static void AnalyzeMasks(MmapCallFacts call, MmapArgument flags, Action<Diagnostic> report)
        {
            MmapConstants constants = call.Constants;
            int must = MmapCallFacts.AsInt(flags.Values.MustBits), may = MmapCallFacts.AsInt(flags.Values.MayBits);
            bool allPrivate = (must & MmapConstants.MAP_PRIVATE) != 0 && (may & MmapConstants.MAP_SHARED) == 0;
            bool allShared = (must & MmapConstants.MAP_SHARED) != 0 && (may & MmapConstants.MAP_PRIVATE) == 0;
            if (!allPrivate && !allShared)
            {
                return;
            }

            bool fileBacked = FileBackedRule.AlwaysFileBacked(call);
            string described = Verdict.DescribeBits(must, may, constants);

            // Extra bits: among private mappings only those with MAP_ANONYMOUS count (the others are reported below), so
            // only when every value has it is "some value adds a bit" a claim about such a value.
            bool everyValueCounts = allShared || fileBacked || MmapChecks.HasAnonymous(must, constants);
            int extraMay = MmapChecks.ExtraFlagBits(may, constants);
            if (everyValueCounts && extraMay != 0)
            {
                bool always = MmapChecks.ExtraFlagBits(must, constants) != 0;
                bool besidesType = allShared || !MmapChecks.HasAnonymous(must, constants);
                report(Diagnostic.Create(besidesType ? ExtraBitsBesidesMappingType : ExtraBits, flags.Location,
                    always ? "are" : "may be", described, constants.FormatFlags(extraMay), MmapMessages.Flags));
            }

            if (fileBacked || !allPrivate || MmapChecks.HasAnonymous(must, constants))
            {
                return;
            }

            bool neverAnonymous = !MmapChecks.HasAnonymous(may, constants);
            report(Diagnostic.Create(neverAnonymous && AlwaysFailsWithEbadf(call, new long[] { may }) ? MissingAnonymousWithoutDescriptor : MissingAnonymous,
                flags.Location, neverAnonymous ? "are" : "may be", described, MmapMessages.Flags));
        }

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? flags = call.Flags;
            MmapConstants constants = call.Constants;
            if (flags is null)
            {
                return;
            }

            if (flags.Values.HasBits)
            {
                AnalyzeMasks(call, flags, report);
                return;
            }

            // A private mapping without MAP_ANONYMOUS is reported as such (below) even when it has extra bits too: one
            // diagnostic per value, and "which add X to MAP_PRIVATE|MAP_ANONYMOUS" would be untrue of it. A file mapping
            // (MMAP003's) still gets its extra bits named here.
            bool fileBacked = FileBackedRule.AlwaysFileBacked(call);
            bool LacksAnonymous(int f) => MmapChecks.PrivateXorShared(f) && !MmapChecks.IsShared(f) && !MmapChecks.HasAnonymous(f, constants);

            Verdict extra = Verdict.Judge(flags.Values, v =>
            {
                int f = MmapCallFacts.AsInt(v);
                return MmapChecks.PrivateXorShared(f) && MmapChecks.ExtraFlagBits(f, constants) != 0 && (fileBacked || !LacksAnonymous(f));
            });
            if (extra.Reports)
            {
                int bits = extra.Bad.Aggregate(0, (acc, v) => acc | MmapChecks.ExtraFlagBits(MmapCallFacts.AsInt(v), constants));
                bool notPrivateAnonymous = extra.Bad.Any(v => MmapChecks.IsShared(MmapCallFacts.AsInt(v)) || !MmapChecks.HasAnonymous(MmapCallFacts.AsInt(v), constants));
                report(Diagnostic.Create(notPrivateAnonymous ? ExtraBitsBesidesMappingType : ExtraBits, flags.Location,
                    extra.Verb("are"), extra.Describe(v => constants.FormatFlags(MmapCallFacts.AsInt(v))), constants.FormatFlags(bits), MmapMessages.Flags));
            }

            // A mapping of a real fd lacks MAP_ANONYMOUS by design: MMAP003 already says what is wrong there.
            if (fileBacked)
            {
                return;
            }

            // Only private mappings: a shared one without MAP_ANONYMOUS is a shared file mapping, which MMAP002 reports.
            Verdict missing = Verdict.Judge(flags.Values, v => LacksAnonymous(MmapCallFacts.AsInt(v)));
            if (missing.Reports)
            {
                report(Diagnostic.Create(missing.Always && AlwaysFailsWithEbadf(call, missing.Bad) ? MissingAnonymousWithoutDescriptor : MissingAnonymous, flags.Location,
                    missing.Verb("are"), missing.Describe(v => constants.FormatFlags(MmapCallFacts.AsInt(v))), MmapMessages.Flags));
            }
        }
    }
}
