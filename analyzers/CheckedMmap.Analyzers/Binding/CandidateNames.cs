using System;
using System.Collections.Concurrent;
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
        private const string EntryPointText = "EntryPoint";
        private const int TopLevelScope = -2;

        private static readonly HashSet<string> NoNames = new HashSet<string>(StringComparer.Ordinal);

        private readonly HashSet<string> _renamedBindings;

        // Names without "mmap" that any file may call (renamed bindings declared as members or in referenced assemblies,
        // and their member wrappers); names with "mmap" are found by the text search for "mmap" itself.
        private readonly HashSet<string> _all;

        // Names without "mmap" callable only inside one file: local-function bindings and local-function wrappers.
        private readonly Dictionary<SyntaxTree, HashSet<string>> _localsByTree;

        // The files worth searching; true when the whole file must be walked (no text, or a Unicode escape that can
        // spell a name in an identifier without its letters appearing in the text).
        private readonly Dictionary<SyntaxTree, bool> _candidateTrees;

        private CandidateNames(HashSet<string> renamedBindings, HashSet<string> all, Dictionary<SyntaxTree, HashSet<string>> localsByTree, Dictionary<SyntaxTree, bool> candidateTrees)
        {
            _renamedBindings = renamedBindings;
            _all = all;
            _localsByTree = localsByTree;
            _candidateTrees = candidateTrees;
        }

        /// <summary>False when no file can call mmap: then the analyzer registers nothing and binds nothing.</summary>
        public bool AnyCandidateFile => _candidateTrees.Count > 0;

        /// <summary>The files whose text can call mmap (the others are never searched).</summary>
        public IEnumerable<SyntaxTree> CandidateTrees => _candidateTrees.Keys;

        /// <summary>Whether a call through a method of this name, in a file with these local names, may be mmap or a wrapper of it (its symbol decides).</summary>
        private bool Accepts(string name, HashSet<string> locals) => MmapCallResolver.MayBeMmapName(name) || _all.Contains(name) || locals.Contains(name);

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

            HashSet<string> locals = _localsByTree.TryGetValue(tree, out HashSet<string>? own) ? own : NoNames;
            SyntaxNode root = tree.GetRoot(cancellationToken);
            if (walkAll || !tree.TryGetText(out SourceText? text))
            {
                foreach (SyntaxNode node in span is { } within ? root.DescendantNodes(within) : root.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call && MmapWrapperResolver.InvokedName(call.Expression) is { } name && Admits(call, name, locals, span))
                    {
                        calls.Add(call);
                    }
                }

                return calls;
            }

            string source = text.ToString();
            mayHoldGeneratedCode = source.IndexOf("GeneratedCode", StringComparison.Ordinal) >= 0 || source.IndexOf("#line", StringComparison.Ordinal) >= 0;
            AddCallsAt(root, source, MmapText, StringComparison.OrdinalIgnoreCase, locals, span, calls, cancellationToken);
            foreach (string name in _all.Concat(locals))
            {
                AddCallsAt(root, source, name, StringComparison.Ordinal, locals, span, calls, cancellationToken);
            }

            if (_all.Count > 0 || locals.Count > 0)
            {
                // One call can be found under two names ("Map" within "MapMemory").
                var distinct = new HashSet<InvocationExpressionSyntax>(calls);
                calls.Clear();
                calls.AddRange(distinct);
            }

            calls.Sort((a, b) => a.SpanStart.CompareTo(b.SpanStart));
            return calls;
        }

        private void AddCallsAt(SyntaxNode root, string source, string needle, StringComparison comparison, HashSet<string> locals, TextSpan? span, List<InvocationExpressionSyntax> calls, CancellationToken cancellationToken)
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
                if (token.IsKind(SyntaxKind.IdentifierToken) && InvocationNamedBy(token) is { } call && Admits(call, token.ValueText, locals, span))
                {
                    calls.Add(call);
                }
            }
        }

        private bool Admits(InvocationExpressionSyntax call, string invokedName, HashSet<string> locals, TextSpan? span) =>
            Accepts(invokedName, locals) && (span is not { } filter || filter.Contains(call.Span)) && !InAttribute(call);

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
        public static CandidateNames Of(Compilation compilation, CancellationToken cancellationToken) =>
            ByCompilation.GetOrCompute(compilation, cancellationToken, (c, token) => Scan(c, token));

        private static CandidateNames Scan(Compilation compilation, CancellationToken cancellationToken)
        {
            var renamed = new HashSet<string>(StringComparer.Ordinal);
            var candidateTrees = new Dictionary<SyntaxTree, bool>();
            List<(SyntaxTree Tree, TreeFacts Facts)>? declaring = null;
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TreeFacts facts = TreeFacts.Of(tree, cancellationToken);
                if (facts.Search != TreeSearch.None)
                {
                    candidateTrees[tree] = facts.Search == TreeSearch.WalkAll;
                }

                if (facts.RenamedMembers.Length > 0 || facts.RenamedLocals.Length > 0)
                {
                    (declaring ??= new List<(SyntaxTree, TreeFacts)>()).Add((tree, facts));

                    // Its own calls of the binding are searched even when the file never spells "mmap" (a const EntryPoint).
                    if (!candidateTrees.ContainsKey(tree))
                    {
                        candidateTrees[tree] = false;
                    }
                }
            }

            // Bindings any file may call: members of source and of referenced assemblies. A local function is called only
            // in the method that declares it, so its name (and a local wrapper's) is searched in its own file only.
            var global = new HashSet<string>(StringComparer.Ordinal);
            ReferencedBindings.AddRenamed(compilation, global, cancellationToken);
            foreach ((SyntaxTree _, TreeFacts facts) in declaring ?? Enumerable.Empty<(SyntaxTree, TreeFacts)>())
            {
                global.UnionWith(facts.RenamedMembers);
            }

            renamed.UnionWith(global);
            var all = new HashSet<string>(global, StringComparer.Ordinal);
            var localsByTree = new Dictionary<SyntaxTree, HashSet<string>>();
            foreach ((SyntaxTree tree, TreeFacts facts) in declaring ?? Enumerable.Empty<(SyntaxTree, TreeFacts)>())
            {
                HashSet<string>? locals = null;
                foreach (LocalBinding local in facts.RenamedLocals)
                {
                    renamed.Add(local.Name);
                    (locals ??= new HashSet<string>(StringComparer.Ordinal)).Add(local.Name);
                }

                // Wrappers of a renamed binding: methods of the declaring files whose body calls it (a private extern is
                // called from its own file). The wrapper resolver then checks which parameters really go to mmap.
                foreach (EnclosedCall call in facts.CallsByEnclosingMethod)
                {
                    if (!global.Contains(call.Invoked) && !CallsOwnLocal(call, facts.RenamedLocals))
                    {
                        continue;
                    }

                    if (call.EnclosingIsLocal)
                    {
                        (locals ??= new HashSet<string>(StringComparer.Ordinal)).Add(call.Enclosing);
                    }
                    else
                    {
                        all.Add(call.Enclosing);
                    }
                }

                if (locals is not null)
                {
                    locals.RemoveWhere(MmapCallResolver.MayBeMmapName);
                    localsByTree[tree] = locals;
                }
            }

            // Names with "mmap" in them are found by the text search for "mmap" already; the others are looked for in
            // every file (once per file and name: an IDE edit re-reads only the changed file).
            all.RemoveWhere(MmapCallResolver.MayBeMmapName);
            if (all.Count > 0)
            {
                string[] searched = all.ToArray();
                foreach (SyntaxTree tree in compilation.SyntaxTrees)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!candidateTrees.ContainsKey(tree) && TreeFacts.Of(tree, cancellationToken).MentionsAny(tree, searched))
                    {
                        candidateTrees[tree] = false;
                    }
                }
            }

            return new CandidateNames(renamed.Count > 0 ? renamed : NoNames, all.Count > 0 ? all : NoNames, localsByTree, candidateTrees);
        }

        /// <summary>A call of a local-function binding: same name, inside the member that declares the local function.</summary>
        private static bool CallsOwnLocal(EnclosedCall call, LocalBinding[] locals)
        {
            foreach (LocalBinding local in locals)
            {
                if (local.Name == call.Invoked && local.MemberStart == call.MemberStart)
                {
                    return true;
                }
            }

            return false;
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

            // Whether the text contains a name, per name asked: a compilation asks for the names other files may call.
            private ConcurrentDictionary<string, bool>? _mentions;

            private TreeFacts(TreeSearch search, string[] renamedMembers, LocalBinding[] renamedLocals, EnclosedCall[] callsByEnclosingMethod)
            {
                Search = search;
                RenamedMembers = renamedMembers;
                RenamedLocals = renamedLocals;
                CallsByEnclosingMethod = callsByEnclosingMethod;
            }

            public TreeSearch Search { get; }

            /// <summary>Methods declared here, named without "mmap", whose entry point may be mmap.</summary>
            public string[] RenamedMembers { get; }

            /// <summary>The same, declared as local functions (callable only in the member that declares them).</summary>
            public LocalBinding[] RenamedLocals { get; }

            /// <summary>Only in files that declare renamed bindings: each call's invoked name and its enclosing method.</summary>
            public EnclosedCall[] CallsByEnclosingMethod { get; }

            /// <summary>Whether the file's text contains any of <paramref name="names"/> (true when it has no text to search).</summary>
            public bool MentionsAny(SyntaxTree tree, string[] names)
            {
                if (!tree.TryGetText(out SourceText? text))
                {
                    return true;
                }

                ConcurrentDictionary<string, bool> mentions = LazyInitializer.EnsureInitialized(ref _mentions, () => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal))!;
                string? source = null;
                foreach (string name in names)
                {
                    if (!mentions.TryGetValue(name, out bool mentioned))
                    {
                        source ??= text.ToString();
                        mentioned = mentions.GetOrAdd(name, source.IndexOf(name, StringComparison.Ordinal) >= 0);
                    }

                    if (mentioned)
                    {
                        return true;
                    }
                }

                return false;
            }

            public static TreeFacts Of(SyntaxTree tree, CancellationToken cancellationToken) =>
                Cache.GetOrCompute(tree, cancellationToken, (t, token) => Compute(t, token));

            private static TreeFacts Compute(SyntaxTree tree, CancellationToken cancellationToken)
            {
                // The text is already in memory for parsed files; searching it is far cheaper than walking or binding.
                // A renamed binding needs an EntryPoint argument, so a file without that word cannot declare one.
                TreeSearch search = TreeSearch.WalkAll;
                string? source = null;
                if (tree.TryGetText(out SourceText? text))
                {
                    source = text.ToString();
                    search = HasUnicodeEscape(source) ? TreeSearch.WalkAll
                        : MmapCallResolver.MayBeMmapName(source) ? TreeSearch.Occurrences
                        : TreeSearch.None;
                    if (source.IndexOf(EntryPointText, StringComparison.Ordinal) < 0)
                    {
                        return new TreeFacts(search, Array.Empty<string>(), Array.Empty<LocalBinding>(), Array.Empty<EnclosedCall>());
                    }
                }

                SyntaxNode root = tree.GetRoot(cancellationToken);
                var members = new HashSet<string>(StringComparer.Ordinal);
                var locals = new List<LocalBinding>();
                if (source is null)
                {
                    foreach (SyntaxNode node in root.DescendantNodes())
                    {
                        AddIfRenamedBinding(node, members, locals);
                    }
                }
                else
                {
                    // From each "EntryPoint" of the text up to the declaration its attribute sits on: no walk of the file.
                    for (int at = source.IndexOf(EntryPointText, StringComparison.Ordinal); at >= 0; at = source.IndexOf(EntryPointText, at + EntryPointText.Length, StringComparison.Ordinal))
                    {
                        SyntaxToken token = root.FindToken(at);
                        if (token.IsKind(SyntaxKind.IdentifierToken) && token.Parent?.Parent is NameEqualsSyntax { Parent: AttributeArgumentSyntax { Parent.Parent.Parent.Parent: { } declaration } })
                        {
                            AddIfRenamedBinding(declaration, members, locals);
                        }
                    }
                }

                if (members.Count == 0 && locals.Count == 0)
                {
                    return new TreeFacts(search, Array.Empty<string>(), Array.Empty<LocalBinding>(), Array.Empty<EnclosedCall>());
                }

                var calls = new List<EnclosedCall>();
                foreach (SyntaxNode node in root.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call
                        && MmapWrapperResolver.InvokedName(call.Expression) is { } invoked
                        && EnclosingMethod(call) is { } enclosing)
                    {
                        calls.Add(new EnclosedCall(invoked, enclosing.Name, enclosing.IsLocal, MemberStart(call)));
                    }
                }

                return new TreeFacts(search, members.ToArray(), locals.ToArray(), calls.ToArray());
            }
        }

        /// <summary>A local-function binding and where the member that declares it starts (its scope).</summary>
        private readonly struct LocalBinding
        {
            public LocalBinding(string name, int memberStart)
            {
                Name = name;
                MemberStart = memberStart;
            }

            public string Name { get; }

            public int MemberStart { get; }
        }

        /// <summary>A call in a file that declares a renamed binding: the name it invokes, the method it sits in, and where its member starts.</summary>
        private readonly struct EnclosedCall
        {
            public EnclosedCall(string invoked, string enclosing, bool enclosingIsLocal, int memberStart)
            {
                Invoked = invoked;
                Enclosing = enclosing;
                EnclosingIsLocal = enclosingIsLocal;
                MemberStart = memberStart;
            }

            public int MemberStart { get; }

            public string Invoked { get; }

            public string Enclosing { get; }

            public bool EnclosingIsLocal { get; }
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

        /// <summary>
        /// A method or local function (a P/Invoke may be a local function) with six parameters, a name without "mmap" and
        /// an attribute whose EntryPoint may be mmap.
        /// </summary>
        private static void AddIfRenamedBinding(SyntaxNode node, HashSet<string> members, List<LocalBinding> locals)
        {
            (SyntaxToken name, ParameterListSyntax? parameters, SyntaxList<AttributeListSyntax> attributes) = node switch
            {
                MethodDeclarationSyntax method => (method.Identifier, method.ParameterList, method.AttributeLists),
                LocalFunctionStatementSyntax local => (local.Identifier, local.ParameterList, local.AttributeLists),
                _ => default,
            };

            if (parameters is not null
                && attributes.Count > 0
                && parameters.Parameters.Count == 6
                && !MmapCallResolver.MayBeMmapName(name.ValueText)
                && MayHaveMmapEntryPoint(attributes))
            {
                if (node is LocalFunctionStatementSyntax)
                {
                    locals.Add(new LocalBinding(name.ValueText, MemberStart(node)));
                }
                else
                {
                    members.Add(name.ValueText);
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
                        if (argument.NameEquals?.Name.Identifier.ValueText != EntryPointText)
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

        /// <summary>Where the member (method, accessor, constructor…) around this node starts; -1 outside any member.</summary>
        private static int MemberStart(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                if (current is GlobalStatementSyntax)
                {
                    return TopLevelScope; // Top-level local functions are visible in every top-level statement.
                }

                if (current is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax)
                {
                    return current.SpanStart;
                }
            }

            return -1;
        }

        private static (string Name, bool IsLocal)? EnclosingMethod(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case LocalFunctionStatementSyntax local:
                        return (local.Identifier.ValueText, true);
                    case MethodDeclarationSyntax method:
                        return (method.Identifier.ValueText, false);
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }
    }
}
