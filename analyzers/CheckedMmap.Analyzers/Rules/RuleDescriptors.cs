using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>What every rule's descriptor shares: category and help link (the descriptors themselves are built with
    /// <c>new DiagnosticDescriptor</c> in each rule file, where release tracking can see them).</summary>
    internal static class RuleDescriptors
    {
        public const string Category = "CheckedMmap";

        /// <summary>Stable documentation base; docs/rules/MMAPnnn.md in the repository.</summary>
        public const string HelpLinkBase = "https://github.com/checkedmmap/checkedmmap/blob/main/docs/rules/";

        public static string HelpLink(string ruleId) => HelpLinkBase + ruleId + ".md";
    }
}
