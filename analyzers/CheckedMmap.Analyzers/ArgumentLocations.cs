using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers
{
    /// <summary>Where one argument of a call is written, for diagnostics about it.</summary>
    internal static class ArgumentLocations
    {
        /// <summary>The argument as written, or the call for an argument the source does not write (a default value, a
        /// params array).</summary>
        public static Location Of(IArgumentOperation argument, IOperation call) =>
            (Written(argument, call) ?? call.Syntax).GetLocation();

        /// <summary>Whether the source writes <paramref name="argument"/> in <paramref name="call"/>.</summary>
        public static bool IsWritten(IArgumentOperation argument, IOperation call) => Written(argument, call) is not null;

        /// <summary>The syntax the source writes <paramref name="argument"/> as, or null for one it does not write.</summary>
        public static SyntaxNode? Written(IArgumentOperation argument, IOperation call)
        {
            if (!argument.IsImplicit)
            {
                return argument.Syntax;
            }

            // An extension method called as one (flags.MapFlags(4096)): its `this` argument is the receiver before the dot.
            if (call.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access }
                && argument.Parameter is { Ordinal: 0, ContainingSymbol: IMethodSymbol { IsExtensionMethod: true } }
                && access.Expression.Span.Contains(argument.Syntax.Span))
            {
                return access.Expression;
            }

            // Roslyn makes an argument written as checked(…) or unchecked(…) implicit, with the expression inside as its
            // syntax: the argument is still the one written around it.
            for (SyntaxNode? node = argument.Syntax; node is not null && node != call.Syntax; node = node.Parent)
            {
                if (node is ArgumentSyntax written && written.Parent?.Parent == call.Syntax)
                {
                    return written;
                }
            }

            return null;
        }
    }
}
