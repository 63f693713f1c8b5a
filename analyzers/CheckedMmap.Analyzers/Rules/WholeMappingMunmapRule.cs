using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>
    /// MMAP008: a munmap that cannot release exactly one whole mapping: a length of 0, a length that rounds to another
    /// number of pages than the mapping's, an address inside the mapping, memory that is not a mapping, or a mapping
    /// unmapped a second time. One descriptor per case, one ID.
    /// </summary>
    internal static class WholeMappingMunmapRule
    {
        private const string Title = "munmap that cannot release exactly one whole mapping";
        private const string Description =
            "Miri and the checked runtime treat munmap as free(): it must be given a mapping's first address and its length " +
            "(rounded up to the page size). libc accepts a partial munmap, returns 0 and leaks the rest; a length of 0 fails " +
            "with EINVAL and frees nothing; unmapping twice, or unmapping memory that mmap did not return, is Undefined Behavior.";

        /// <summary>Properties key: the mapping's own length expression, when the code fix may write it at the munmap.</summary>
        public const string MappingLengthKey = "MappingLength";

        public static readonly DiagnosticDescriptor WrongLength = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "partial munmap: {0} of the {1} bytes mapped at {2}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor LongerLength = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "munmap of {0} bytes, but the mapping at {2} has {1}: munmap frees exactly one whole mapping",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor ZeroLength = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "munmap of 0 bytes{0}: it fails with EINVAL, frees nothing and the mapping leaks (Miri and the checked runtime: Undefined Behavior)",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor Interior = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "munmap at {0} past the start of the mapping made at {1}: munmap frees a whole mapping, from its first byte",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor NotMapping = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "munmap of memory from {0}, which is not an mmap mapping (Undefined Behavior)",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor Twice = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "the mapping made at {0} is unmapped a second time on this path (first at {1}): a double munmap is Undefined Behavior",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));

        public static readonly DiagnosticDescriptor ReleasedByMremap = new DiagnosticDescriptor(
            RuleIds.WholeMappingMunmap,
            Title,
            "the mapping made at {0} was released on this path by the mremap at {1}, which moves it (Miri and the checked runtime always do, Linux may): unmap the address mremap returned; a double munmap is Undefined Behavior",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.WholeMappingMunmap));
    }
}
