using System.Collections.Generic;
using System.Collections.Immutable;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Analyzers.Configuration
{
    /// <summary>
    /// MMAP015: <c>checkedmmap.target_os</c> set to a value the analyzer does not know, in a file whose mmap calls it
    /// leaves read for another OS. Reported once per such file, on its first call named like mmap (a file that names mmap
    /// only elsewhere, in a comment or a pragma, has nothing the setting changes). A compilation whose source names no
    /// mmap registers nothing.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SettingsAnalyzer : CompilationStartAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(SettingRule.UnknownTargetOs);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            if (!names.AnyCandidateFile)
            {
                return;
            }

            var candidateTrees = new HashSet<SyntaxTree>(names.CandidateTrees);
            var targets = new TargetOsResolver(context.Options);
            context.RegisterSyntaxTreeAction(tree =>
            {
                if (!candidateTrees.Contains(tree.Tree)
                    || !tree.Options.AnalyzerConfigOptionsProvider.GetOptions(tree.Tree).TryGetValue(TargetOsResolver.EditorConfigKey, out string? value)
                    || MmapConstants.TryParseTarget(value, out _))
                {
                    return;
                }

                List<InvocationExpressionSyntax> calls = names.CandidateCalls(tree.Tree, null, out _, tree.CancellationToken);
                if (calls.Count > 0)
                {
                    tree.ReportDiagnostic(Diagnostic.Create(SettingRule.UnknownTargetOs, calls[0].Expression.GetLocation(), value, SettingRule.Name(targets.For(tree.Tree))));
                }
            });
        }
    }
}
