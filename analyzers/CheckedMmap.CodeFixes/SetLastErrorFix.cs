using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// MMAP010 (errno read after a binding declared without SetLastError): set <c>SetLastError = true</c> on the binding's
    /// <c>DllImport</c>/<c>LibraryImport</c> attribute, wherever in the solution it is declared. Offered by
    /// <see cref="DeclarationCodeFix"/>.
    /// </summary>
    internal static class SetLastErrorFix
    {
        public const string Title = "Declare the binding with SetLastError = true";
        private const string SetLastError = "SetLastError";

        /// <summary>The import attribute the diagnostic names as its additional location, when it is in a document of the solution.</summary>
        public static (DocumentId Document, Microsoft.CodeAnalysis.Text.TextSpan Span)? Attribute(Solution solution, Diagnostic diagnostic) =>
            !diagnostic.Properties.ContainsKey(DeclarationRule.WidenToProperty)
                && diagnostic.AdditionalLocations.Count == 1 && diagnostic.AdditionalLocations[0] is { IsInSource: true } location
                && solution.GetDocumentId(location.SourceTree) is { } document
                ? (document, location.SourceSpan)
                : null;

        public static async Task<Solution> SetAsync(Solution solution, IEnumerable<(DocumentId Document, Microsoft.CodeAnalysis.Text.TextSpan Span)> attributes, CancellationToken cancellationToken)
        {
            foreach (IGrouping<DocumentId, (DocumentId Document, Microsoft.CodeAnalysis.Text.TextSpan Span)> inDocument in attributes.Distinct().GroupBy(a => a.Document))
            {
                if (solution.GetDocument(inDocument.Key) is not { } document || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
                {
                    continue;
                }

                var nodes = inDocument.Select(a => root.FindNode(a.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>()).OfType<AttributeSyntax>().Distinct().ToList();
                root = root.ReplaceNodes(nodes, (_, current) => WithSetLastError(current));
                solution = solution.WithDocumentSyntaxRoot(document.Id, root);
            }

            return solution;
        }

        private static AttributeSyntax WithSetLastError(AttributeSyntax attribute)
        {
            ExpressionSyntax yes = SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);
            AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            foreach (AttributeArgumentSyntax argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == SetLastError)
                {
                    return attribute.ReplaceNode(argument.Expression, yes.WithTriviaFrom(argument.Expression));
                }
            }

            AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(SetLastError).WithTrailingTrivia(SyntaxFactory.Space), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space)), null, yes);
            return attribute.WithArgumentList(arguments.AddArguments(added).WithAdditionalAnnotations(Formatter.Annotation));
        }
    }
}
