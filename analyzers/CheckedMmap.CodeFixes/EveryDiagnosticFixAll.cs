using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// Fix All for fixes that edit one document: each diagnostic of the fixer's rules gets the fix the fixer offers for it,
    /// whatever diagnostic started the Fix All and whatever its equivalence key. Roslyn's batch fixer keeps only the fixes
    /// whose key matches the starting diagnostic's fix; <c>dotnet format</c> starts from the first diagnostic its analyzer
    /// reported, which may be of another of the analyzer's rules or one with no fix, and then fixed nothing.
    /// </summary>
    internal static class EveryDiagnosticFixAll
    {
        public static FixAllProvider For(CodeFixProvider fixer) =>
            FixAllProvider.Create((context, document, diagnostics) => FixAsync(fixer, document, diagnostics, context.CancellationToken));

        private static async Task<Document?> FixAsync(CodeFixProvider fixer, Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            // Every fix is computed on the same text; a fix whose changes overlap an earlier one's is left for the next run
            // (two fixes of one local write the same change, which is kept once).
            var accepted = new List<TextChange>();
            foreach (Diagnostic diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (await ChangesForAsync(fixer, document, diagnostic, cancellationToken).ConfigureAwait(false) is not { Count: > 0 } changes)
                {
                    continue;
                }

                List<TextChange> fresh = changes.Where(change => !accepted.Contains(change)).ToList();
                if (fresh.Any(change => accepted.Any(other => Overlaps(change.Span, other.Span))))
                {
                    continue;
                }

                accepted.AddRange(fresh);
            }

            if (accepted.Count == 0)
            {
                return null;
            }

            SourceText text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            return document.WithText(text.WithChanges(accepted.OrderBy(change => change.Span.Start)));
        }

        private static async Task<IReadOnlyList<TextChange>?> ChangesForAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            CodeAction? action = null;
            var context = new CodeFixContext(document, diagnostic, (registered, _) => action ??= registered, cancellationToken);
            await fixer.RegisterCodeFixesAsync(context).ConfigureAwait(false);
            if (action is null)
            {
                return null;
            }

            foreach (CodeActionOperation operation in await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (operation is ApplyChangesOperation apply && apply.ChangedSolution.GetDocument(document.Id) is { } changed)
                {
                    return (await changed.GetTextChangesAsync(document, cancellationToken).ConfigureAwait(false)).ToList();
                }
            }

            return null;
        }

        // Changes that share text, or start at one point (two insertions there: their order would be a guess), or one
        // inserting inside the other's span.
        private static bool Overlaps(TextSpan a, TextSpan b) =>
            a.OverlapsWith(b) || a.Start == b.Start || StrictlyInside(a, b) || StrictlyInside(b, a);

        private static bool StrictlyInside(TextSpan insertion, TextSpan span) =>
            insertion.IsEmpty && insertion.Start > span.Start && insertion.Start < span.End;
    }
}
