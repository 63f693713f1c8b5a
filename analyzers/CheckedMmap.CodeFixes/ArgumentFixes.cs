using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>Shared plumbing: find the reported argument, and replace its expression.</summary>
    internal static class ArgumentFixes
    {
        /// <summary>The argument a diagnostic sits on, with its operation (parameter and value).</summary>
        public static async Task<(ArgumentSyntax Syntax, IArgumentOperation Operation, SemanticModel Model)?> FindAsync(
            Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            ArgumentSyntax? argument = node as ArgumentSyntax ?? node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (argument is null || argument.Span != diagnostic.Location.SourceSpan && argument.Expression.Span != diagnostic.Location.SourceSpan)
            {
                return null;
            }

            if (model.GetOperation(argument, cancellationToken) is not IArgumentOperation operation || operation.Parameter is null)
            {
                return null;
            }

            return (argument, operation, model);
        }

        /// <summary>
        /// Whether to spell a pointer-sized value as IntPtr/UIntPtr (<c>IntPtr.Zero</c>, <c>new IntPtr(-1)</c>) rather than
        /// a plain number: when the call already writes it that way, or when a number would not convert implicitly
        /// (IntPtr before C# 11's numeric IntPtr).
        /// </summary>
        public static bool SpellAsIntPtr(ArgumentSyntax argument, IArgumentOperation operation, SemanticModel model)
        {
            ITypeSymbol type = operation.Parameter!.Type;
            if (type.SpecialType != SpecialType.System_IntPtr && type.SpecialType != SpecialType.System_UIntPtr)
            {
                return false;
            }

            string text = argument.Expression.ToString();
            if (text.Contains("IntPtr"))
            {
                return true;
            }

            ITypeSymbol? literalType = model.Compilation.GetSpecialType(SpecialType.System_Int32);
            return !model.Compilation.ClassifyCommonConversion(literalType, type).IsImplicit;
        }

        /// <summary>"IntPtr" where <c>using System;</c> brings it in scope, else "System.IntPtr" (same for UIntPtr).</summary>
        public static string TypeName(SemanticModel model, int position, string name)
        {
            foreach (ISymbol symbol in model.LookupNamespacesAndTypes(position, container: null, name: name))
            {
                if (symbol is ITypeSymbol { ContainingNamespace.Name: "System" })
                {
                    return name;
                }
            }

            return "System." + name;
        }

        public static async Task<Document> ReplaceAsync(Document document, ArgumentSyntax argument, ExpressionSyntax replacement, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            ExpressionSyntax newExpression = replacement.WithTriviaFrom(argument.Expression);
            return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, newExpression));
        }
    }
}
