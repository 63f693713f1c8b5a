using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Lifetime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>
    /// What one file's text says about munmap, mremap, mprotect and madvise, read once per syntax tree: which of their
    /// names it spells (any case), the names of the bindings it declares under another name (<c>[DllImport("libc",
    /// EntryPoint = "munmap")] static extern int Unmap(...)</c>, from each "EntryPoint" of the text, and the forwarders
    /// MMAP014's fix makes of them under <c>#if CHECKED</c>, from each "Mman." of the text), found without walking the file. (munmap's wrappers are recognised at their calls: a source method declared in a file that says
    /// munmap.)
    /// </summary>
    internal sealed class LibcText
    {
        public const string Word = "munmap";
        public const string MremapWord = "mremap";
        public const string MprotectWord = "mprotect";
        public const string MadviseWord = "madvise";
        private const string EntryPointText = "EntryPoint";
        private const string MmanText = "Mman.";

        private static readonly ConditionalWeakTable<SyntaxTree, LibcText> Cache = new ConditionalWeakTable<SyntaxTree, LibcText>();

        // The text, to search for mprotect/madvise only when an analyzer asks (the tree holds it anyway).
        private readonly string? _source;
        private readonly bool _mremap;
        private int _argumentRuleFunction = -1;

        private LibcText(bool munmapOrMremap, bool mremap, string? source, string[] renamedBindings)
        {
            Mentioned = munmapOrMremap;
            _mremap = mremap;
            _source = source;
            RenamedBindings = renamedBindings;
        }

        /// <summary>True when the text says "munmap" or "mremap" (or the file has no text to read).</summary>
        public bool Mentioned { get; }

        /// <summary>True when the text says "mremap", "mprotect" or "madvise" (or the file has no text to read).</summary>
        public bool MentionsArgumentRuleFunction
        {
            get
            {
                if (_argumentRuleFunction < 0)
                {
                    _argumentRuleFunction = _source is null || _mremap || Says(_source, MprotectWord) || Says(_source, MadviseWord) ? 1 : 0;
                }

                return _argumentRuleFunction == 1;
            }
        }

        /// <summary>Bindings declared here under another name (<c>EntryPoint = "munmap"</c> on a method named otherwise).</summary>
        public string[] RenamedBindings { get; }

        public static LibcText Of(SyntaxTree tree, CancellationToken cancellationToken) =>
            Cache.GetOrCompute(tree, cancellationToken, (t, token) => Compute(t, token));

        private static LibcText Compute(SyntaxTree tree, CancellationToken cancellationToken)
        {
            if (!tree.TryGetText(out SourceText? text))
            {
                return new LibcText(true, true, null, Array.Empty<string>());
            }

            string source = text.ToString();
            bool munmap = Says(source, Word), mremap = Says(source, MremapWord);
            bool entryPoints = source.IndexOf(EntryPointText, StringComparison.Ordinal) >= 0;
            bool forwarders = source.IndexOf(MmanText, StringComparison.Ordinal) >= 0;
            if (!entryPoints && !forwarders)
            {
                return new LibcText(munmap || mremap, mremap, source, Array.Empty<string>());
            }

            SyntaxNode root = tree.GetRoot(cancellationToken);
            var names = new List<string>();

            // A binding MMAP014's fix adopted forwards to the checked runtime under #if CHECKED, where its EntryPoint is
            // not compiled: `static int Unmap(…) => global::CheckedMmap.Mman.munmap(…)` is found from its call of Mman.
            for (int at = forwarders ? source.IndexOf(MmanText, StringComparison.Ordinal) : -1; at >= 0; at = source.IndexOf(MmanText, at + MmanText.Length, StringComparison.Ordinal))
            {
                SyntaxToken token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == "Mman" && token.Parent is IdentifierNameSyntax mman
                    && (mman.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == mman ? qualified : (SyntaxNode)mman) is var type
                    && type.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: var function, Parent: InvocationExpressionSyntax call } access
                    && access.Expression == type
                    && LibcFunctionResolver.FromName(function) != LibcFunction.None
                    && call.FirstAncestorOrSelf<SyntaxNode>(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax) is { } forwarder
                    && CheckedForwarders.Body(forwarder) is { } body && CallNames.WithoutCasts(body) == call
                    && NameOf(forwarder) is { } found)
                {
                    names.Add(found);
                }
            }

            for (int at = entryPoints ? source.IndexOf(EntryPointText, StringComparison.Ordinal) : -1; at >= 0; at = source.IndexOf(EntryPointText, at + EntryPointText.Length, StringComparison.Ordinal))
            {
                SyntaxToken token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken)
                    && token.Parent?.Parent is NameEqualsSyntax { Parent: AttributeArgumentSyntax { Expression: var value, Parent.Parent.Parent.Parent: { } declaration } }
                    && (value is not LiteralExpressionSyntax literal || LibcFunctionResolver.FromName(literal.Token.ValueText) != LibcFunction.None || CallNames.IsMmapEntryPoint(literal.Token.ValueText))
                    && NameOf(declaration) is { } found)
                {
                    names.Add(found);
                }
            }

            return new LibcText(munmap || mremap, mremap, source, names.ToArray());
        }

        private static bool Says(string source, string word) => source.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>A method or local function's name, when it is not found by the "munmap"/"mmap" text searches already.</summary>
        private static string? NameOf(SyntaxNode declaration)
        {
            SyntaxToken name = declaration switch
            {
                MethodDeclarationSyntax method => method.Identifier,
                LocalFunctionStatementSyntax local => local.Identifier,
                _ => default,
            };
            return name.ValueText is { Length: > 0 } found && !MunmapResolver.MayBeMunmapName(found) && !CallNames.MayBeMmapName(found) && LibcFunctionResolver.FromName(found) == LibcFunction.None ? found : null;
        }
    }
}
