using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>The invocations found at a name's occurrences in a file's text: no walk of the file.</summary>
    internal static class CallOccurrences
    {
        /// <summary>
        /// Adds the invocations whose invoked name is the identifier at an occurrence of <paramref name="needle"/>
        /// (<c>M(...)</c>, <c>x.M(...)</c>, <c>x?.M(...)</c>), within <paramref name="span"/> when given, once each.
        /// </summary>
        public static void Add(SyntaxNode root, string source, string needle, StringComparison comparison, TextSpan? span, HashSet<InvocationExpressionSyntax> seen, List<InvocationExpressionSyntax> calls, CancellationToken cancellationToken)
        {
            int start = span?.Start ?? 0;
            int end = span?.End ?? source.Length;
            while (start < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int found = source.IndexOf(needle, start, end - start, comparison);
                if (found < 0)
                {
                    return;
                }

                SyntaxToken token = root.FindToken(found);
                start = Math.Max(found + 1, token.Span.End);
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.Parent is SimpleNameSyntax name)
                {
                    ExpressionSyntax invoked = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access
                        : name.Parent is MemberBindingExpressionSyntax binding && binding.Name == name ? binding
                        : name;
                    if (invoked.Parent is InvocationExpressionSyntax call && call.Expression == invoked && seen.Add(call))
                    {
                        calls.Add(call);
                    }
                }
            }
        }
    }
}
