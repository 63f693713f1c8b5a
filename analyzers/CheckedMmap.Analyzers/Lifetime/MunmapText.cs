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
    /// What one file's text says about munmap, read once per syntax tree: whether it says "munmap" at all (any case), the
    /// names of the munmap bindings it declares under another name (<c>[DllImport("libc", EntryPoint = "munmap")]
    /// static extern int Unmap(...)</c>, from each "EntryPoint" of the text) and of the methods that call munmap (one-level
    /// wrappers, from each call's text occurrence), all found without walking the file.
    /// </summary>
    internal sealed class MunmapText
    {
        public const string Word = "munmap";
        public const string MremapWord = "mremap";
        private const string EntryPointText = "EntryPoint";

        private static readonly ConditionalWeakTable<SyntaxTree, MunmapText> Cache = new ConditionalWeakTable<SyntaxTree, MunmapText>();

        private MunmapText(bool mentioned, string[] renamedBindings)
        {
            Mentioned = mentioned;
            RenamedBindings = renamedBindings;
        }

        /// <summary>True when the text says "munmap" or "mremap" (or the file has no text to read).</summary>
        public bool Mentioned { get; }

        /// <summary>Names without "munmap" that may be munmap: renamed bindings declared here, and methods here that call munmap (wrappers).</summary>
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
            if (source.IndexOf(Word, StringComparison.OrdinalIgnoreCase) < 0 && source.IndexOf(MremapWord, StringComparison.OrdinalIgnoreCase) < 0)
            {
                return new MunmapText(false, Array.Empty<string>());
            }

            SyntaxNode root = tree.GetRoot(cancellationToken);
            var names = new List<string>();
            for (int at = source.IndexOf(EntryPointText, StringComparison.Ordinal); at >= 0; at = source.IndexOf(EntryPointText, at + EntryPointText.Length, StringComparison.Ordinal))
            {
                SyntaxToken token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken)
                    && token.Parent?.Parent is NameEqualsSyntax { Parent: AttributeArgumentSyntax { Expression: var value, Parent.Parent.Parent.Parent: { } declaration } }
                    && (value is not LiteralExpressionSyntax literal || literal.Token.ValueText == Word)
                    && NameOf(declaration) is { } found)
                {
                    names.Add(found);
                }
            }

            // One-level wrappers: the methods of this file that call munmap or one of its renamed bindings.
            var wrappers = new List<string>();
            AddEnclosingMethods(root, source, Word, StringComparison.OrdinalIgnoreCase, wrappers, cancellationToken);
            foreach (string renamed in names)
            {
                AddEnclosingMethods(root, source, renamed, StringComparison.Ordinal, wrappers, cancellationToken);
            }

            foreach (string wrapper in wrappers)
            {
                if (!names.Contains(wrapper))
                {
                    names.Add(wrapper);
                }
            }

            return new MunmapText(true, names.ToArray());
        }

        /// <summary>A method or local function's name, when it is not found by the "munmap"/"mmap" text searches already.</summary>
        private static string? NameOf(SyntaxNode declaration)
        {
            SyntaxToken name = declaration switch
            {
                MethodDeclarationSyntax method => method.Identifier,
                LocalFunctionStatementSyntax local => local.Identifier,
                _ => default,
            };
            return name.ValueText is { Length: > 0 } found && !MunmapResolver.MayBeMunmapName(found) && !MmapCallResolver.MayBeMmapName(found) ? found : null;
        }

        private static void AddEnclosingMethods(SyntaxNode root, string source, string needle, StringComparison comparison, List<string> names, CancellationToken cancellationToken)
        {
            for (int at = source.IndexOf(needle, comparison); at >= 0; at = source.IndexOf(needle, at + needle.Length, comparison))
            {
                cancellationToken.ThrowIfCancellationRequested();
                SyntaxToken token = root.FindToken(at);
                if (!token.IsKind(SyntaxKind.IdentifierToken) || token.Parent is not SimpleNameSyntax invoked
                    || invoked.FirstAncestorOrSelf<InvocationExpressionSyntax>() is null)
                {
                    continue;
                }

                SyntaxNode? declaration = invoked.FirstAncestorOrSelf<SyntaxNode>(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax);
                if (declaration is not null && NameOf(declaration) is { } name && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }
    }
}
