using System.Threading;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers
{
    /// <summary>Generated code inside a hand-written file: a <c>#line hidden</c> region, or a member or type marked [GeneratedCode].</summary>
    internal static class GeneratedCode
    {
        /// <summary>
        /// False when a file's text has neither "GeneratedCode" nor "#line": then nothing in it can be in a [GeneratedCode]
        /// member or a hidden region, and the per-node check is skipped.
        /// </summary>
        public static bool MayBeIn(string source) =>
            source.IndexOf("GeneratedCode", System.StringComparison.Ordinal) >= 0 || source.IndexOf("#line", System.StringComparison.Ordinal) >= 0;

        public static bool Contains(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            if (node.SyntaxTree.GetLineVisibility(node.SpanStart, cancellationToken) == LineVisibility.Hidden)
            {
                return true;
            }

            for (ISymbol? symbol = model.GetEnclosingSymbol(node.SpanStart, cancellationToken); symbol is not null and not INamespaceSymbol; symbol = symbol.ContainingSymbol)
            {
                foreach (AttributeData attribute in symbol.GetAttributes())
                {
                    if (attribute.AttributeClass is { Name: "GeneratedCodeAttribute" } type && type.ContainingNamespace?.ToDisplayString() == "System.CodeDom.Compiler")
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
