using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// MMAP010's two fixes, in one provider with one equivalence key: a narrow type becomes libc's width
    /// (<see cref="TypeWidening"/>), and a binding whose errno is read gets <c>SetLastError = true</c>
    /// (<see cref="SetLastErrorFix"/>). Tools that fix a rule at once (Fix All, <c>dotnet format analyzers</c>) take the
    /// provider and key that the rule's first diagnostic gets and apply them to every diagnostic of the rule, so two
    /// providers for one rule would leave one kind unfixed.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclarationCodeFix)), Shared]
    public sealed class DeclarationCodeFix : CodeFixProvider
    {
        private const string EquivalenceKey = nameof(DeclarationCodeFix);

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.Declaration);

        public override FixAllProvider GetFixAllProvider() => new FixBoth();

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Solution solution = context.Document.Project.Solution;
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (TypeWidening.RequestFor(diagnostic, solution, root) is { } request)
                {
                    if (!await TypeWidening.CanWidenAsync(solution, request, context.CancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    context.RegisterCodeFix(
                        CodeAction.Create("Declare it as " + request.WidenTo, ct => TypeWidening.WidenAsync(solution, new[] { request }, ct), EquivalenceKey),
                        diagnostic);
                }
                else if (SetLastErrorFix.Attribute(solution, diagnostic) is { } attribute)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(SetLastErrorFix.Title, ct => SetLastErrorFix.SetAsync(solution, new[] { attribute }, ct), EquivalenceKey),
                        diagnostic);
                }
            }
        }

        /// <summary>Every widening of the scope in one pass, then every SetLastError, at the attributes' places after it.</summary>
        private sealed class FixBoth : FixAllProvider
        {
            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                Solution solution = fixAllContext.Solution;
                var requests = new List<TypeWidening.Request>();
                var attributes = new List<(DocumentId Document, TextSpan Span)>();
                foreach (Diagnostic diagnostic in await FixAllDiagnostics.GetAsync(fixAllContext).ConfigureAwait(false))
                {
                    if (TypeWidening.RequestFor(diagnostic, solution, root: null) is { } request)
                    {
                        requests.Add(request);
                    }
                    else if (SetLastErrorFix.Attribute(solution, diagnostic) is { } attribute)
                    {
                        attributes.Add(attribute);
                    }
                }

                if (requests.Count == 0 && attributes.Count == 0)
                {
                    return null;
                }

                return CodeAction.Create("Declare the bindings as libc does", ct => FixAsync(solution, requests, attributes, ct), EquivalenceKey);
            }

            private static async Task<Solution> FixAsync(Solution solution, List<TypeWidening.Request> requests, List<(DocumentId Document, TextSpan Span)> attributes, CancellationToken cancellationToken)
            {
                Solution widened = requests.Count == 0 ? solution : await TypeWidening.WidenAsync(solution, requests, cancellationToken).ConfigureAwait(false);
                if (attributes.Count == 0)
                {
                    return widened;
                }

                // Widening a type earlier in a file moves the attributes after it: find them where they are now.
                var moved = new List<(DocumentId Document, TextSpan Span)>();
                foreach (IGrouping<DocumentId, (DocumentId Document, TextSpan Span)> inDocument in attributes.GroupBy(a => a.Document))
                {
                    Document? before = solution.GetDocument(inDocument.Key);
                    Document? after = widened.GetDocument(inDocument.Key);
                    IReadOnlyList<TextChange> changes = before is null || after is null || before == after
                        ? new List<TextChange>()
                        : (await after.GetTextChangesAsync(before, cancellationToken).ConfigureAwait(false)).ToList();
                    foreach ((DocumentId document, TextSpan span) in inDocument)
                    {
                        moved.Add((document, Shift(span, changes)));
                    }
                }

                return await SetLastErrorFix.SetAsync(widened, moved, cancellationToken).ConfigureAwait(false);
            }

            /// <summary>A span of the old text in the new one, for changes that do not overlap it (type names, casts).</summary>
            private static TextSpan Shift(TextSpan span, IReadOnlyList<TextChange> changes)
            {
                int delta = 0;
                foreach (TextChange change in changes)
                {
                    if (change.Span.End <= span.Start)
                    {
                        delta += (change.NewText?.Length ?? 0) - change.Span.Length;
                    }
                }

                return new TextSpan(span.Start + delta, span.Length);
            }
        }
    }
}
