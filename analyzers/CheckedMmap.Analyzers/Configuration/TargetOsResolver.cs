using System.Collections.Concurrent;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Analyzers.Configuration
{
    /// <summary>
    /// The OS whose flag numbers a plain P/Invoke's arguments are read in, in order of precedence:
    /// <list type="number">
    /// <item><c>checkedmmap.target_os = linux|macos|freebsd</c> in .editorconfig (per file) or a global config;</item>
    /// <item>the MSBuild property <c>CheckedMmapTargetOS</c> (<c>build_property.CheckedMmapTargetOS</c>);</item>
    /// <item>the project's <c>RuntimeIdentifier</c> (<c>build_property.RuntimeIdentifier</c>: linux-*, osx-*, freebsd-*);</item>
    /// <item>Linux.</item>
    /// </list>
    /// </summary>
    internal sealed class TargetOsResolver
    {
        public const string EditorConfigKey = "checkedmmap.target_os";
        public const string TargetOsProperty = "build_property.CheckedMmapTargetOS";
        public const string RuntimeIdentifierProperty = "build_property.RuntimeIdentifier";

        private readonly AnalyzerConfigOptionsProvider _options;
        private readonly TargetOS _projectTarget;
        private readonly ConcurrentDictionary<SyntaxTree, TargetOS> _perTree = new ConcurrentDictionary<SyntaxTree, TargetOS>();

        public TargetOsResolver(AnalyzerOptions options)
        {
            _options = options.AnalyzerConfigOptionsProvider;
            _projectTarget = ProjectTarget(_options.GlobalOptions);
        }

        public TargetOS For(SyntaxTree tree) => _perTree.GetOrAdd(tree, t =>
            _options.GetOptions(t).TryGetValue(EditorConfigKey, out string? value) && MmapConstants.TryParseTarget(value, out TargetOS target)
                ? target
                : _projectTarget);

        private static TargetOS ProjectTarget(AnalyzerConfigOptions global)
        {
            if (global.TryGetValue(EditorConfigKey, out string? configured) && MmapConstants.TryParseTarget(configured, out TargetOS fromConfig))
            {
                return fromConfig;
            }

            if (global.TryGetValue(TargetOsProperty, out string? property) && MmapConstants.TryParseTarget(property, out TargetOS fromProperty))
            {
                return fromProperty;
            }

            if (global.TryGetValue(RuntimeIdentifierProperty, out string? rid) && MmapConstants.TryTargetFromRuntimeIdentifier(rid, out TargetOS fromRid))
            {
                return fromRid;
            }

            return TargetOS.Linux;
        }
    }
}
