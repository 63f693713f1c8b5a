using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP003: a file descriptor other than -1 (a file-backed mapping), with its own wording for fd 0 +
    /// MAP_ANONYMOUS and for negative descriptors (no file at all).</summary>
    internal static class FileBackedRule
    {
        public static readonly DiagnosticDescriptor Descriptor = new DiagnosticDescriptor(
            RuleIds.FileBacked,
            "mmap of a file descriptor",
            "mmap file descriptor {0} {1}, not -1: a file-backed mapping; the checked runtime and Miri reject it: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Any fd other than -1 makes mmap map a file or device. CheckedMmap and Miri support only anonymous mappings, which take fd -1.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.FileBacked));

        /// <summary>Properties key, present when every value the call's flags can take has MAP_ANONYMOUS: only then does
        /// passing -1 make the call an anonymous mapping (without it, -1 fails with EBADF), so only then is the code fix
        /// offered.</summary>
        public const string AnonymousFlagsKey = "AnonymousFlags";

        private static readonly ImmutableDictionary<string, string?> AnonymousFlags =
            ImmutableDictionary<string, string?>.Empty.Add(AnonymousFlagsKey, "true");

        public static readonly DiagnosticDescriptor ZeroWithAnonymous = new DiagnosticDescriptor(
            RuleIds.FileBacked,
            "mmap of a file descriptor",
            "mmap file descriptor {0} 0 with MAP_ANONYMOUS: anonymous mappings take fd -1, and 0 is standard input (a classic bug); the checked runtime and Miri reject it: \"{1}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Any fd other than -1 makes mmap map a file or device. CheckedMmap and Miri support only anonymous mappings, which take fd -1.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.FileBacked));

        public static readonly DiagnosticDescriptor Negative = new DiagnosticDescriptor(
            RuleIds.FileBacked,
            "mmap of a file descriptor",
            "mmap file descriptor {0} {1}, not -1: a negative descriptor names no file (without MAP_ANONYMOUS mmap fails with EBADF; with it, Linux ignores the descriptor); the checked runtime and Miri accept only -1: \"{2}\"",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Any fd other than -1 makes mmap map a file or device. CheckedMmap and Miri support only anonymous mappings, which take fd -1.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.FileBacked));

        public static void Analyze(MmapCallFacts call, Action<Diagnostic> report)
        {
            MmapArgument? fd = call.FileDescriptor;
            bool alwaysAnonymous = call.FlagValues is { IsKnown: true } known
                && known.Values.All(v => MmapChecks.HasAnonymous(MmapCallFacts.AsInt(v), call.Constants));
            ImmutableDictionary<string, string?>? properties = alwaysAnonymous ? AnonymousFlags : null;
            if (fd is { Values.HasDescriptor: true })
            {
                // An fd from open()/socket()/a FileStream, or one a guard proved not to be -1 on the way here.
                bool always = !fd.Values.Values.Contains(-1);
                IEnumerable<string> named = fd.Values.Values.Where(v => !MmapChecks.AnonymousFd(v)).Select(Verdict.FormatNumber).Concat(new[] { "a real descriptor" });
                report(Diagnostic.Create(Descriptor, fd.Location, properties, always ? "is" : "may be", string.Join(" or ", named), MmapMessages.FileBacked));
                return;
            }

            Verdict verdict = Verdict.Judge(fd?.Values, v => !MmapChecks.AnonymousFd(v));
            if (!verdict.Reports)
            {
                return;
            }

            bool anonymous = call.FlagValues is { IsKnown: true } flags
                && flags.Values.Any(v => MmapChecks.HasAnonymous(MmapCallFacts.AsInt(v), call.Constants));
            if (anonymous && verdict.Bad.All(v => v == 0))
            {
                report(Diagnostic.Create(ZeroWithAnonymous, fd!.Location, properties, verdict.Verb("is"), MmapMessages.FileBacked));
                return;
            }

            DiagnosticDescriptor descriptor = verdict.Bad.All(v => v < 0) ? Negative : Descriptor;
            report(Diagnostic.Create(descriptor, fd!.Location, properties, verdict.Verb("is"), verdict.Describe(Verdict.FormatNumber), MmapMessages.FileBacked));
        }

        /// <summary>True when every value of the fd is a real descriptor (a file mapping for sure).</summary>
        public static bool AlwaysFileBacked(MmapCallFacts call)
        {
            if (call.FileDescriptor is { Values.HasDescriptor: true } fd)
            {
                return !fd.Values.Values.Contains(-1);
            }

            Verdict verdict = Verdict.Judge(call.FileDescriptor?.Values, v => !MmapChecks.AnonymousFd(v));
            return verdict.Reports && verdict.Always;
        }
    }
}
