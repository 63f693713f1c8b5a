using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// MMAP014 (a libc call escapes the checked runtime): adopt the checked runtime in the type that declares the called
    /// binding, when that declaration is in the solution and the compilation references CheckedMmap.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AdoptCheckedRuntimeCodeFix)), Shared]
    public sealed class AdoptCheckedRuntimeCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.EscapesCheckedRuntime);

        public override FixAllProvider GetFixAllProvider() => new AdoptAll();

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (await BindingTypeAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is { } type)
                {
                    Solution solution = context.Document.Project.Solution;
                    context.RegisterCodeFix(
                        CodeAction.Create(CheckedRuntimeAdoption.Title, ct => CheckedRuntimeAdoption.AdoptAsync(solution, new[] { type }, ct), nameof(AdoptCheckedRuntimeCodeFix)),
                        diagnostic);
                }
            }
        }

        /// <summary>The type declaring the called binding, when it has bindings to forward.</summary>
        private static async Task<(DocumentId, TextSpan)?> BindingTypeAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
                || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
                || !CheckedRuntimeAdoption.IsAvailable(model.Compilation)
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } call
                || model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol method)
            {
                return null;
            }

            IMethodSymbol declared = method.PartialDefinitionPart ?? method;
            foreach (SyntaxReference reference in declared.DeclaringSyntaxReferences)
            {
                if (document.Project.Solution.GetDocument(reference.SyntaxTree) is { } bindingDocument
                    && await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is MethodDeclarationSyntax { Parent: TypeDeclarationSyntax type }
                    && await bindingDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is { } bindingModel
                    && CheckedRuntimeAdoption.Bindings(type, bindingModel, cancellationToken).Count > 0)
                {
                    return (bindingDocument.Id, type.Identifier.Span);
                }
            }

            return null;
        }

        private sealed class AdoptAll : FixAllProvider
        {
            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                var types = new List<(DocumentId, TextSpan)>();
                foreach (Diagnostic diagnostic in await FixAllDiagnostics.GetAsync(fixAllContext).ConfigureAwait(false))
                {
                    if (fixAllContext.Solution.GetDocument(diagnostic.Location.SourceTree) is { } document
                        && await BindingTypeAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false) is { } type)
                    {
                        types.Add(type);
                    }
                }

                return types.Count == 0 ? null : CodeAction.Create(CheckedRuntimeAdoption.Title, ct => CheckedRuntimeAdoption.AdoptAsync(fixAllContext.Solution, types, ct), nameof(AdoptCheckedRuntimeCodeFix));
            }
        }
    }
}
