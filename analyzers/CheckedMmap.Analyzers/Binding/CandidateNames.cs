using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Which invoked names the syntax filter lets through to binding: every name containing "mmap" (any case), plus
    /// the names of source P/Invokes that are mmap under another name (<c>[DllImport("libc", EntryPoint = "mmap")]
    /// static extern IntPtr Map(...)</c>) and of the methods in the same files that call them (one-level wrappers).
    /// Found once per compilation by a shallow walk of member declarations (no method body is visited, nothing is
    /// bound); the call's symbol decides afterwards, so a name let through wrongly costs one binding, never a diagnostic.
    /// </summary>
    internal sealed class CandidateNames
    {
        private static readonly HashSet<string> InteropAttributeNames = new HashSet<string>(StringComparer.Ordinal)
        {
            "DllImport", "DllImportAttribute", "LibraryImport", "LibraryImportAttribute", "GeneratedDllImport", "GeneratedDllImportAttribute",
        };

        private readonly HashSet<string> _renamedBindings;
        private readonly HashSet<string> _all;

        private CandidateNames(HashSet<string> renamedBindings, HashSet<string> all, bool sourceMentionsMmap)
        {
            _renamedBindings = renamedBindings;
            _all = all;
            SourceMayMentionMmap = sourceMentionsMmap;
        }

        /// <summary>
        /// False only when no source file's text contains "mmap" in any case: then no source member can have a name
        /// containing it, and the symbol-name search is skipped (a plain text search is far cheaper).
        /// </summary>
        public bool SourceMayMentionMmap { get; }

        /// <summary>True when source declares a P/Invoke whose name lacks "mmap" but whose entry point may be mmap.</summary>
        public bool HasRenamedBindings => _renamedBindings.Count > 0;

        /// <summary>Whether a call through a method of this name may be mmap or a wrapper of it (its symbol decides).</summary>
        public bool Accepts(string name) => MmapCallResolver.MayBeMmapName(name) || _all.Contains(name);

        /// <summary>Whether a call inside a wrapper's body may be mmap itself.</summary>
        public bool MayBeBinding(string name) => MmapCallResolver.MayBeMmapName(name) || _renamedBindings.Contains(name);

        public static CandidateNames Scan(Compilation compilation, CancellationToken cancellationToken)
        {
            var renamed = new HashSet<string>(StringComparer.Ordinal);
            List<SyntaxTree>? declaringTrees = null;
            bool mentionsMmap = false;
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // The text is already in memory for parsed files; searching it is much cheaper than walking members.
                // A renamed binding needs an EntryPoint argument, so a file without that word cannot declare one.
                if (tree.TryGetText(out SourceText? text))
                {
                    string source = text.ToString();
                    mentionsMmap |= MmapCallResolver.MayBeMmapName(source);
                    if (source.IndexOf("EntryPoint", StringComparison.Ordinal) < 0)
                    {
                        continue;
                    }
                }
                else
                {
                    mentionsMmap = true;
                }

                int before = renamed.Count;
                ScanMembers(tree.GetRoot(cancellationToken), renamed);
                if (renamed.Count != before)
                {
                    (declaringTrees ??= new List<SyntaxTree>()).Add(tree);
                }
            }

            if (declaringTrees is null)
            {
                return new CandidateNames(renamed, new HashSet<string>(StringComparer.Ordinal), mentionsMmap);
            }

            // Wrappers of a renamed binding: methods of the declaring files whose body calls it (a private extern is
            // called from its own file). The wrapper resolver then checks which parameters really go to mmap.
            var all = new HashSet<string>(renamed, StringComparer.Ordinal);
            foreach (SyntaxTree tree in declaringTrees)
            {
                foreach (SyntaxNode node in tree.GetRoot(cancellationToken).DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call
                        && MmapWrapperResolver.InvokedName(call.Expression) is { } invoked
                        && renamed.Contains(invoked)
                        && EnclosingMethodName(call) is { } wrapper)
                    {
                        all.Add(wrapper);
                    }
                }
            }

            return new CandidateNames(renamed, all, mentionsMmap);
        }

        private static void ScanMembers(SyntaxNode node, HashSet<string> renamed)
        {
            SyntaxList<MemberDeclarationSyntax> members = node switch
            {
                CompilationUnitSyntax unit => unit.Members,
                BaseNamespaceDeclarationSyntax ns => ns.Members,
                TypeDeclarationSyntax type => type.Members,
                _ => default,
            };

            foreach (MemberDeclarationSyntax member in members)
            {
                switch (member)
                {
                    case BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax:
                        ScanMembers(member, renamed);
                        break;
                    case MethodDeclarationSyntax method when method.AttributeLists.Count > 0
                        && method.ParameterList.Parameters.Count == 6
                        && !MmapCallResolver.MayBeMmapName(method.Identifier.ValueText)
                        && MayHaveMmapEntryPoint(method):
                        renamed.Add(method.Identifier.ValueText);
                        break;
                }
            }
        }

        /// <summary>An interop attribute whose EntryPoint is "mmap"/"mmap64" or not a literal (a const: the symbol decides).</summary>
        private static bool MayHaveMmapEntryPoint(MethodDeclarationSyntax method)
        {
            foreach (AttributeListSyntax list in method.AttributeLists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (!InteropAttributeNames.Contains(LastIdentifier(attribute.Name)) || attribute.ArgumentList is null)
                    {
                        continue;
                    }

                    foreach (AttributeArgumentSyntax argument in attribute.ArgumentList.Arguments)
                    {
                        if (argument.NameEquals?.Name.Identifier.ValueText != "EntryPoint")
                        {
                            continue;
                        }

                        return argument.Expression is not LiteralExpressionSyntax literal
                            || (literal.IsKind(SyntaxKind.StringLiteralExpression) && literal.Token.ValueText is "mmap" or "mmap64");
                    }
                }
            }

            return false;
        }

        private static string LastIdentifier(NameSyntax name) => name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => string.Empty,
        };

        private static string? EnclosingMethodName(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case LocalFunctionStatementSyntax local:
                        return local.Identifier.ValueText;
                    case MethodDeclarationSyntax method:
                        return method.Identifier.ValueText;
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }
    }
}
