using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>The syntax that runs one of its parts only under a condition, read the same way by every upward walk.</summary>
    internal static class PathConditions
    {
        /// <summary>
        /// Whether <paramref name="child"/> runs only when a condition of <paramref name="parent"/> is
        /// <paramref name="reachedWhen"/>: the statement of an <c>if</c> (true), its <c>else</c> (false), an arm of
        /// <c>?:</c>, the right side of <c>&amp;&amp;</c> (true) or <c>||</c> (false).
        /// </summary>
        public static bool TryConditionOf(SyntaxNode parent, SyntaxNode child, out ExpressionSyntax condition, out bool reachedWhen)
        {
            switch (parent)
            {
                case IfStatementSyntax ifStatement when child == ifStatement.Statement:
                    (condition, reachedWhen) = (ifStatement.Condition, true);
                    return true;
                case ElseClauseSyntax { Parent: IfStatementSyntax owner }:
                    (condition, reachedWhen) = (owner.Condition, false);
                    return true;
                case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue || child == conditional.WhenFalse:
                    (condition, reachedWhen) = (conditional.Condition, child == conditional.WhenTrue);
                    return true;
                case BinaryExpressionSyntax binary when child == binary.Right
                    && (binary.IsKind(SyntaxKind.LogicalAndExpression) || binary.IsKind(SyntaxKind.LogicalOrExpression)):
                    (condition, reachedWhen) = (binary.Left, binary.IsKind(SyntaxKind.LogicalAndExpression));
                    return true;
                default:
                    (condition, reachedWhen) = (null!, false);
                    return false;
            }
        }
    }
}
