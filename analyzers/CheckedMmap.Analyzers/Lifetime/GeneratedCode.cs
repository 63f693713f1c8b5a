using System.Threading;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>Generated code inside a hand-written file: a <c>#line hidden</c> region, or a member or type marked [GeneratedCode].</summary>
    internal static class GeneratedCode
    {
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
