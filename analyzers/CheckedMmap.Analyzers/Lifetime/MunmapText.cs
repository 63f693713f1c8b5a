using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// What one file's text says about munmap, read once per syntax tree: whether it says "munmap" at all (any case), and
    /// the names of the munmap bindings it declares under another name (<c>[DllImport("libc", EntryPoint = "munmap")]
    /// static extern int Unmap(...)</c>), found from each "EntryPoint" of the text without walking the file.
    /// </summary>
    internal sealed class MunmapText
    {
        public const string Word = "munmap";
        private const string EntryPointText = "EntryPoint";

        private static readonly ConditionalWeakTable<SyntaxTree, MunmapText> Cache = new ConditionalWeakTable<SyntaxTree, MunmapText>();

        private MunmapText(bool mentioned, string[] renamedBindings)
        {
            Mentioned = mentioned;
            RenamedBindings = renamedBindings;
        }

        /// <summary>True when the text says "munmap" (or the file has no text to read).</summary>
        public bool Mentioned { get; }

        public string[] RenamedBindings { get; }

        public static MunmapText Of(SyntaxTree tree, CancellationToken cancellationToken) =>
            Cache.GetOrCompute(tree, cancellationToken, (t, token) => Compute(t, token));

        private static MunmapText Compute(SyntaxTree tree, CancellationToken cancellationToken)
        {
            if (!tree.TryGetText(out SourceText? text))
            {
                return new MunmapText(true, Array.Empty<string>());
            }

            string source = text.ToString();
            if (source.IndexOf(Word, StringComparison.OrdinalIgnoreCase) < 0)
            {
                return new MunmapText(false, Array.Empty<string>());
            }

            if (source.IndexOf(EntryPointText, StringComparison.Ordinal) < 0)
            {
                return new MunmapText(true, Array.Empty<string>());
            }

            SyntaxNode root = tree.GetRoot(cancellationToken);
            var names = new List<string>();
            for (int at = source.IndexOf(EntryPointText, StringComparison.Ordinal); at >= 0; at = source.IndexOf(EntryPointText, at + EntryPointText.Length, StringComparison.Ordinal))
            {
                SyntaxToken token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken)
                    && token.Parent?.Parent is NameEqualsSyntax { Parent: AttributeArgumentSyntax { Expression: var value, Parent.Parent.Parent.Parent: { } declaration } }
                    && (value is not LiteralExpressionSyntax literal || literal.Token.ValueText == Word))
                {
                    SyntaxToken name = declaration switch
                    {
                        MethodDeclarationSyntax method => method.Identifier,
                        LocalFunctionStatementSyntax local => local.Identifier,
                        _ => default,
                    };
                    if (name.ValueText is { Length: > 0 } found && !MunmapResolver.MayBeMunmapName(found) && !MmapCallResolver.MayBeMmapName(found))
                    {
                        names.Add(found);
                    }
                }
            }

            return new MunmapText(true, names.ToArray());
        }
    }
}
