using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Configuration
{
    /// <summary>
    /// MMAP015: <c>checkedmmap.target_os</c> set to a value the analyzer does not know, in a file whose numbers the rules
    /// read for some OS: reported once per file, on the first call the rules look at (a call named like mmap, munmap,
    /// mremap, mprotect or madvise, of a renamed binding or a wrapper, or a creation of a constructor wrapper). A
    /// compilation that can call none of them registers nothing.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SettingsAnalyzer : CompilationStartAnalyzer
    {
        private static readonly string[] OtherFunctions = { LibcText.Word, LibcText.MremapWord, LibcText.MprotectWord, LibcText.MadviseWord };

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(SettingRule.UnknownTargetOs);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            LibcPresence presence = LibcPresence.Of(context.Compilation, context.CancellationToken);
            if (!names.AnyCandidateFile && !presence.MayCallArgumentRuleFunctions)
            {
                return;
            }

            // Names come from source that may not parse (a declaration missing its identifier names nothing): an empty one
            // would be found everywhere.
            string[] functionNames = OtherFunctions.Concat(presence.ArgumentRuleNames).Concat(presence.RenamedBindings)
                .Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
            string[] constructorTypes = names.ConstructorWrapperTypes.Where(n => n.Length > 0).ToArray();
            var targets = new TargetOsResolver(context.Options);
            context.RegisterSyntaxTreeAction(tree =>
            {
                if (!tree.Options.AnalyzerConfigOptionsProvider.GetOptions(tree.Tree).TryGetValue(TargetOsResolver.EditorConfigKey, out string? value)
                    || MmapConstants.TryParseTarget(value, out _)
                    || FirstCall(tree.Tree, names, functionNames, constructorTypes, tree.CancellationToken) is not { } first)
                {
                    return;
                }

                tree.ReportDiagnostic(Diagnostic.Create(SettingRule.UnknownTargetOs, first.GetLocation(), value, SettingRule.Name(targets.For(tree.Tree))));
            });
        }

        /// <summary>The name of the file's first call the rules look at: its invoked name, or the created type's.</summary>
        private static SyntaxNode? FirstCall(SyntaxTree tree, CandidateNames names, string[] functionNames, string[] constructorTypes, CancellationToken cancellationToken)
        {
            SyntaxNode? first = null;
            List<InvocationExpressionSyntax> mmapCalls = names.CandidateCalls(tree, null, out _, cancellationToken);
            if (mmapCalls.Count > 0)
            {
                first = mmapCalls[0].Expression;
            }

            if (!tree.TryGetText(out SourceText? text))
            {
                return first;
            }

            string source = text.ToString();
            SyntaxNode root = tree.GetRoot(cancellationToken);
            var seen = new HashSet<InvocationExpressionSyntax>();
            var calls = new List<InvocationExpressionSyntax>();
            foreach (string name in functionNames)
            {
                CallOccurrences.Add(root, source, name, StringComparison.Ordinal, null, seen, calls, cancellationToken);
            }

            foreach (InvocationExpressionSyntax call in calls)
            {
                first = Earlier(first, call.Expression);
            }

            foreach (string type in constructorTypes)
            {
                for (int at = source.IndexOf(type, StringComparison.Ordinal); at >= 0; at = source.IndexOf(type, at + type.Length, StringComparison.Ordinal))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    SyntaxToken token = root.FindToken(at);
                    if (token.IsKind(SyntaxKind.IdentifierToken) && token.SpanStart == at && token.ValueText == type && CreatedType(token) is { } created)
                    {
                        first = Earlier(first, created);
                        break;
                    }
                }
            }

            return first;
        }

        /// <summary>The type name of <c>new T(…)</c> or of a primary-constructor base <c>: T(…)</c> that <paramref name="token"/> spells.</summary>
        private static SyntaxNode? CreatedType(SyntaxToken token)
        {
            SyntaxNode? name = token.Parent;
            while (name?.Parent is QualifiedNameSyntax qualified && qualified.Right == name || name?.Parent is AliasQualifiedNameSyntax)
            {
                name = name.Parent;
            }

            return name?.Parent switch
            {
                ObjectCreationExpressionSyntax creation when creation.Type == name => name,
                PrimaryConstructorBaseTypeSyntax baseType when baseType.Type == name => name,
                _ => null,
            };
        }

        private static SyntaxNode Earlier(SyntaxNode? known, SyntaxNode candidate) =>
            known is null || candidate.SpanStart < known.SpanStart ? candidate : known;
    }
}
