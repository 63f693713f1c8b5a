using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Which calls can reach an mmap binding, decided from source text before anything is bound. An invoked name is a
    /// candidate when it contains "mmap" (any case) or is the name of a P/Invoke, in source or in a referenced assembly, that is mmap under another name
    /// (<c>[DllImport("libc", EntryPoint = "mmap")] static extern IntPtr Map(...)</c>) or of a method in the same files
    /// that calls one (a one-level wrapper). A file is searched only when its text contains such a name; in it, the
    /// candidate calls are found from the text occurrences of those names, so files and calls that cannot be mmap are
    /// never walked or bound. The call's symbol decides afterwards: a name let through wrongly costs one binding, never
    /// a diagnostic.
    /// </summary>
    internal sealed class CandidateNames
    {
        private const string MmapText = "mmap";

        private readonly HashSet<string> _renamedBindings;
        private readonly HashSet<string> _all;

        // The files worth searching; true when the whole file must be walked (no text, or a Unicode escape that can
        // spell a name in an identifier without its letters appearing in the text).
        private readonly Dictionary<SyntaxTree, bool> _candidateTrees;

        private CandidateNames(HashSet<string> renamedBindings, HashSet<string> all, Dictionary<SyntaxTree, bool> candidateTrees)
        {
            _renamedBindings = renamedBindings;
            _all = all;
            _candidateTrees = candidateTrees;
        }

        /// <summary>False when no file can call mmap: then the analyzer registers nothing and binds nothing.</summary>
        public bool AnyCandidateFile => _candidateTrees.Count > 0;

        /// <summary>Whether a call through a method of this name may be mmap or a wrapper of it (its symbol decides).</summary>
        public bool Accepts(string name) => MmapCallResolver.MayBeMmapName(name) || _all.Contains(name);

        /// <summary>Whether a call inside a wrapper's body may be mmap itself.</summary>
        public bool MayBeBinding(string name) => MmapCallResolver.MayBeMmapName(name) || _renamedBindings.Contains(name);

        /// <summary>
        /// The invocations of this file whose invoked name is a candidate, in source order, within <paramref name="span"/>
        /// when given. Empty, without touching the tree, for a file whose text names no candidate.
        /// </summary>
        /// <param name="mayHoldGeneratedCode">
        /// False when the file's text has neither "GeneratedCode" nor "#line": then no call in it can be in a
        /// [GeneratedCode] member or a hidden region, and the per-call check is skipped.
        /// </param>
        public List<InvocationExpressionSyntax> CandidateCalls(SyntaxTree tree, TextSpan? span, out bool mayHoldGeneratedCode, CancellationToken cancellationToken)
        {
            var calls = new List<InvocationExpressionSyntax>();
            mayHoldGeneratedCode = true;
            if (!_candidateTrees.TryGetValue(tree, out bool walkAll))
            {
                return calls;
            }

            SyntaxNode root = tree.GetRoot(cancellationToken);
            if (walkAll || !tree.TryGetText(out SourceText? text))
            {
                foreach (SyntaxNode node in span is { } within ? root.DescendantNodes(within) : root.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call && MmapWrapperResolver.InvokedName(call.Expression) is { } name && Admits(call, name, span))
                    {
                        calls.Add(call);
                    }
                }

                return calls;
            }

            string source = text.ToString();
            mayHoldGeneratedCode = source.IndexOf("GeneratedCode", StringComparison.Ordinal) >= 0 || source.IndexOf("#line", StringComparison.Ordinal) >= 0;
            AddCallsAt(root, source, MmapText, StringComparison.OrdinalIgnoreCase, span, calls, cancellationToken);
            foreach (string name in _all)
            {
                AddCallsAt(root, source, name, StringComparison.Ordinal, span, calls, cancellationToken);
            }

            if (_all.Count > 0)
            {
                // A wrapper whose name also contains "mmap" is found by both searches.
                var distinct = new HashSet<InvocationExpressionSyntax>(calls);
                calls.Clear();
                calls.AddRange(distinct);
            }

            calls.Sort((a, b) => a.SpanStart.CompareTo(b.SpanStart));
            return calls;
        }

        private void AddCallsAt(SyntaxNode root, string source, string needle, StringComparison comparison, TextSpan? span, List<InvocationExpressionSyntax> calls, CancellationToken cancellationToken)
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
                if (!token.Span.Contains(found))
                {
                    start = found + 1; // In a comment or other trivia.
                    continue;
                }

                start = Math.Max(found + 1, token.Span.End);
                if (token.IsKind(SyntaxKind.IdentifierToken) && InvocationNamedBy(token) is { } call && Admits(call, token.ValueText, span))
                {
                    calls.Add(call);
                }
            }
        }

        private bool Admits(InvocationExpressionSyntax call, string invokedName, TextSpan? span) =>
            Accepts(invokedName) && (span is not { } filter || filter.Contains(call.Span)) && !InAttribute(call);

        /// <summary>
        /// A call in an attribute never runs: attribute arguments must be constants (CS0182). It is not bound either,
        /// because Roslyn's own binder can throw on such arguments (a ref to a readonly field: no member contains it).
        /// </summary>
        private static bool InAttribute(SyntaxNode call)
        {
            for (SyntaxNode? node = call.Parent; node is not null and not MemberDeclarationSyntax and not CompilationUnitSyntax; node = node.Parent)
            {
                if (node is AttributeSyntax)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The invocation whose invoked name is this identifier: <c>M(...)</c>, <c>x.M(...)</c>, <c>x?.M(...)</c>, <c>a::M(...)</c>.</summary>
        private static InvocationExpressionSyntax? InvocationNamedBy(SyntaxToken identifier)
        {
            if (identifier.Parent is not SimpleNameSyntax name)
            {
                return null;
            }

            ExpressionSyntax invoked = name.Parent switch
            {
                MemberAccessExpressionSyntax access when access.Name == name => access,
                MemberBindingExpressionSyntax binding when binding.Name == name => binding,
                AliasQualifiedNameSyntax alias when alias.Name == name => alias,
                _ => name,
            };

            return invoked.Parent is InvocationExpressionSyntax call && call.Expression == invoked ? call : null;
        }

        private static readonly ConditionalWeakTable<Compilation, CandidateNames> ByCompilation = new ConditionalWeakTable<Compilation, CandidateNames>();

        /// <summary>The candidates of a compilation, computed once per compilation (the driver may start it more than once).</summary>
        public static CandidateNames Of(Compilation compilation, CancellationToken cancellationToken)
        {
            if (ByCompilation.TryGetValue(compilation, out CandidateNames? known))
            {
                return known;
            }

            CandidateNames computed = Scan(compilation, cancellationToken);
            return ByCompilation.GetValue(compilation, _ => computed);
        }

        private static CandidateNames Scan(Compilation compilation, CancellationToken cancellationToken)
        {
            var renamed = new HashSet<string>(StringComparer.Ordinal);
            var candidateTrees = new Dictionary<SyntaxTree, bool>();
            List<TreeFacts>? declaring = null;
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TreeFacts facts = TreeFacts.Of(tree, cancellationToken);
                if (facts.Search != TreeSearch.None)
                {
                    candidateTrees[tree] = facts.Search == TreeSearch.WalkAll;
                }

                if (facts.RenamedBindings.Length > 0)
                {
                    renamed.UnionWith(facts.RenamedBindings);
                    (declaring ??= new List<TreeFacts>()).Add(facts);
                }
            }

            ReferencedBindings.AddRenamed(compilation, renamed, cancellationToken);
            if (renamed.Count == 0)
            {
                return new CandidateNames(renamed, new HashSet<string>(StringComparer.Ordinal), candidateTrees);
            }

            // Wrappers of a renamed binding: methods of the declaring files whose body calls it (a private extern is
            // called from its own file). The wrapper resolver then checks which parameters really go to mmap.
            var all = new HashSet<string>(renamed, StringComparer.Ordinal);
            foreach (TreeFacts facts in declaring ?? Enumerable.Empty<TreeFacts>())
            {
                foreach (KeyValuePair<string, string> call in facts.CallsByEnclosingMethod)
                {
                    if (renamed.Contains(call.Key))
                    {
                        all.Add(call.Value);
                    }
                }
            }

            // Any file may call a renamed binding or its wrappers by name.
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                if (!candidateTrees.ContainsKey(tree) && tree.TryGetText(out SourceText? text) && ContainsAny(text.ToString(), all))
                {
                    candidateTrees[tree] = false;
                }
            }

            return new CandidateNames(renamed, all, candidateTrees);
        }

        private enum TreeSearch : byte
        {
            None,
            Occurrences,
            WalkAll,
        }

        /// <summary>
        /// What one file's text says, computed once per syntax tree and kept while the tree lives: in an IDE each edit
        /// makes a new compilation over mostly the same trees, so the compilation start re-reads only the changed files.
        /// </summary>
        private sealed class TreeFacts
        {
            private static readonly ConditionalWeakTable<SyntaxTree, TreeFacts> Cache = new ConditionalWeakTable<SyntaxTree, TreeFacts>();

            private TreeFacts(TreeSearch search, string[] renamedBindings, KeyValuePair<string, string>[] callsByEnclosingMethod)
            {
                Search = search;
                RenamedBindings = renamedBindings;
                CallsByEnclosingMethod = callsByEnclosingMethod;
            }

            public TreeSearch Search { get; }

            /// <summary>P/Invokes declared here whose name lacks "mmap" but whose entry point may be mmap.</summary>
            public string[] RenamedBindings { get; }

            /// <summary>Only in files that declare renamed bindings: each call's invoked name and its enclosing method.</summary>
            public KeyValuePair<string, string>[] CallsByEnclosingMethod { get; }

            public static TreeFacts Of(SyntaxTree tree, CancellationToken cancellationToken)
            {
                if (Cache.TryGetValue(tree, out TreeFacts? known))
                {
                    return known;
                }

                TreeFacts computed = Compute(tree, cancellationToken);
                return Cache.GetValue(tree, _ => computed);
            }

            private static TreeFacts Compute(SyntaxTree tree, CancellationToken cancellationToken)
            {
                // The text is already in memory for parsed files; searching it is far cheaper than walking or binding.
                // A renamed binding needs an EntryPoint argument, so a file without that word cannot declare one.
                TreeSearch search = TreeSearch.WalkAll;
                if (tree.TryGetText(out SourceText? text))
                {
                    string source = text.ToString();
                    search = HasUnicodeEscape(source) ? TreeSearch.WalkAll
                        : MmapCallResolver.MayBeMmapName(source) ? TreeSearch.Occurrences
                        : TreeSearch.None;
                    if (source.IndexOf("EntryPoint", StringComparison.Ordinal) < 0)
                    {
                        return new TreeFacts(search, Array.Empty<string>(), Array.Empty<KeyValuePair<string, string>>());
                    }
                }

                SyntaxNode root = tree.GetRoot(cancellationToken);
                var renamed = new HashSet<string>(StringComparer.Ordinal);
                ScanDeclarations(root, renamed);
                if (renamed.Count == 0)
                {
                    return new TreeFacts(search, Array.Empty<string>(), Array.Empty<KeyValuePair<string, string>>());
                }

                var calls = new List<KeyValuePair<string, string>>();
                foreach (SyntaxNode node in root.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call
                        && MmapWrapperResolver.InvokedName(call.Expression) is { } invoked
                        && EnclosingMethodName(call) is { } wrapper)
                    {
                        calls.Add(new KeyValuePair<string, string>(invoked, wrapper));
                    }
                }

                return new TreeFacts(search, renamed.ToArray(), calls.ToArray());
            }
        }

        /// <summary>A \u or \U anywhere (a single-character search: backslashes are rare outside string escapes).</summary>
        private static bool HasUnicodeEscape(string source)
        {
            for (int at = source.IndexOf('\\'); at >= 0 && at + 1 < source.Length; at = source.IndexOf('\\', at + 2))
            {
                if (source[at + 1] is 'u' or 'U')
                {
                    return true;
                }
            }

            return false;
        }

        private static bool ContainsAny(string source, HashSet<string> names)
        {
            foreach (string name in names)
            {
                if (source.IndexOf(name, StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Methods and local functions (a P/Invoke may be a local function) with six parameters, a name without "mmap"
        /// and an attribute whose EntryPoint may be mmap. Only files whose text says "EntryPoint" get here.
        /// </summary>
        private static void ScanDeclarations(SyntaxNode root, HashSet<string> renamed)
        {
            foreach (SyntaxNode node in root.DescendantNodes())
            {
                (SyntaxToken name, ParameterListSyntax parameters, SyntaxList<AttributeListSyntax> attributes) = node switch
                {
                    MethodDeclarationSyntax method => (method.Identifier, method.ParameterList, method.AttributeLists),
                    LocalFunctionStatementSyntax local => (local.Identifier, local.ParameterList, local.AttributeLists),
                    _ => default,
                };

                if (attributes.Count > 0
                    && parameters.Parameters.Count == 6
                    && !MmapCallResolver.MayBeMmapName(name.ValueText)
                    && MayHaveMmapEntryPoint(attributes))
                {
                    renamed.Add(name.ValueText);
                }
            }
        }

        /// <summary>
        /// An attribute with an EntryPoint of "mmap"/"mmap64" or not a literal (a const: the symbol decides). Any attribute
        /// name: DllImport may be spelled through a using alias, and a wrong guess costs one binding, never a diagnostic.
        /// </summary>
        private static bool MayHaveMmapEntryPoint(SyntaxList<AttributeListSyntax> lists)
        {
            foreach (AttributeListSyntax list in lists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (attribute.ArgumentList is null)
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
                            || (literal.IsKind(SyntaxKind.StringLiteralExpression) && MmapCallResolver.IsMmapEntryPoint(literal.Token.ValueText));
                    }
                }
            }

            return false;
        }

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
