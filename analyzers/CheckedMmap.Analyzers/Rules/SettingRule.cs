using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>MMAP015: a CheckedMmap setting in .editorconfig or a global config whose value the analyzer does not know.</summary>
    internal static class SettingRule
    {
        public static readonly DiagnosticDescriptor UnknownTargetOs = new DiagnosticDescriptor(
            RuleIds.UnknownSetting,
            "Unknown CheckedMmap setting value",
            "checkedmmap.target_os = '{0}' names no OS CheckedMmap knows (linux, macos, osx, darwin or freebsd, in any case): the flag numbers in this file are read as {1}'s",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "The flag numbers of mmap, mprotect, madvise and mremap differ between Linux, macOS and FreeBSD, and " +
                "checkedmmap.target_os says which OS a file's numbers are for. A value the analyzer does not know ('mac', a typo) is " +
                "skipped, and the next source decides (the CheckedMmapTargetOS property, the RuntimeIdentifier, else Linux): every " +
                "verdict in the file may then name another OS's flags. Reported once per file that calls mmap.",
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.UnknownSetting));

        /// <summary>How a message names the OS whose numbers a file is read in.</summary>
        public static string Name(TargetOS target) => target switch
        {
            TargetOS.MacOS => "macOS",
            TargetOS.FreeBSD => "FreeBSD",
            _ => "Linux",
        };
    }
}
