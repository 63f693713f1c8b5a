using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>What every rule's descriptor shares: category and help link (the descriptors themselves are built with
    /// <c>new DiagnosticDescriptor</c> in each rule file, where release tracking can see them).</summary>
    internal static class RuleDescriptors
    {
        public const string Category = "CheckedMmap";

        /// <summary>docs/rules/MMAPnnn.md under the project's home (CheckedMmapHomeUrl, set once in Directory.Build.props).</summary>
        public const string HelpLinkBase = ProjectHome.Url + "/blob/main/docs/rules/";

        public static string HelpLink(string ruleId) => HelpLinkBase + ruleId + ".md";
    }
}
