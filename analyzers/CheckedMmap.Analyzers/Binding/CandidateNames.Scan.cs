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
    /// <summary>The compilation-wide scan: which files to search and which names without "mmap" to search them for.</summary>
    internal sealed partial class CandidateNames
    {
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

            // Wrappers of bindings named like mmap, whatever their own name: members may be called from any file, local
            // functions only in their own.
            var wrapperMembers = new HashSet<string>(StringComparer.Ordinal);
            var constructorTypes = new HashSet<string>(StringComparer.Ordinal);
            Dictionary<SyntaxTree, HashSet<string>>? wrapperLocals = null;
            foreach (SyntaxTree tree in candidateTrees.Keys)
            {
                foreach (WrapperName wrapper in TreeFacts.Of(tree, cancellationToken).MmapWrappers)
                {
                    if (wrapper.IsConstructor)
                    {
                        constructorTypes.Add(wrapper.Name);
                    }
                    else if (!wrapper.IsLocal)
                    {
                        wrapperMembers.Add(wrapper.Name);
                    }
                    else
                    {
                        wrapperLocals ??= new Dictionary<SyntaxTree, HashSet<string>>();
                        if (!wrapperLocals.TryGetValue(tree, out HashSet<string>? names))
                        {
                            wrapperLocals[tree] = names = new HashSet<string>(StringComparer.Ordinal);
                        }

                        names.Add(wrapper.Name);
                    }
                }
            }

            if (wrapperMembers.Count > 0)
            {
                AddWrappersOfWrappers(compilation, wrapperMembers, constructorTypes, cancellationToken);
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
            all.UnionWith(wrapperMembers);
            var localsByTree = wrapperLocals ?? new Dictionary<SyntaxTree, HashSet<string>>();
            foreach ((SyntaxTree tree, TreeFacts facts) in declaring ?? Enumerable.Empty<(SyntaxTree, TreeFacts)>())
            {
                HashSet<string>? locals = localsByTree.TryGetValue(tree, out HashSet<string>? wrappersHere) ? wrappersHere : null;
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
                    locals.RemoveWhere(CallNames.MayBeMmapName);
                    localsByTree[tree] = locals;
                }
            }

            // Names with "mmap" in them are found by the text search for "mmap" already; the others are looked for in
            // every file (once per file and name: an IDE edit re-reads only the changed file).
            all.RemoveWhere(CallNames.MayBeMmapName);
            all.Remove(string.Empty); // a declaration still without its identifier
            if (all.Count > 0)
            {
                string[] searched = all.ToArray();
                NameMatcher? matcher = searched.Length > NameMatcher.PerNameSearchLimit ? new NameMatcher(searched) : null;
                foreach (SyntaxTree tree in compilation.SyntaxTrees)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!candidateTrees.ContainsKey(tree) && TreeFacts.Of(tree, cancellationToken).MentionsAny(tree, searched, matcher))
                    {
                        candidateTrees[tree] = false;
                    }
                }
            }

            return new CandidateNames(renamed.Count > 0 ? renamed : NoNames, all.Count > 0 ? all : NoNames, localsByTree, candidateTrees, constructorTypes);
        }

        /// <summary>
        /// Wrappers of wrappers, <see cref="MmapWrapperResolver.MaxNesting"/> levels at most: methods and constructors whose
        /// call of a member wrapper (any name) hands on their own parameters (<c>Reserve(size) =&gt; Mmap(…, size, …)</c>).
        /// Each level searches only the files whose text names a wrapper of the level before.
        /// </summary>
        private static void AddWrappersOfWrappers(Compilation compilation, HashSet<string> wrapperMembers, HashSet<string> constructorTypes, CancellationToken cancellationToken)
        {
            // A declaration missing its identifier (code being typed) names nothing: an empty name would match everywhere.
            string[] frontier = wrapperMembers.Where(n => n.Length > 0).ToArray();
            for (int level = 1; level < MmapWrapperResolver.MaxNesting && frontier.Length > 0; level++)
            {
                var found = new HashSet<WrapperName>();
                var initializers = new Dictionary<SyntaxNode, Dictionary<string, ExpressionSyntax>>();
                NameMatcher? matcher = frontier.Length > NameMatcher.PerNameSearchLimit ? new NameMatcher(frontier) : null;
                foreach (SyntaxTree tree in compilation.SyntaxTrees)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!TreeFacts.Of(tree, cancellationToken).MentionsAny(tree, frontier, matcher))
                    {
                        continue;
                    }

                    SyntaxNode root = tree.GetRoot(cancellationToken);
                    if (!tree.TryGetText(out SourceText? text) || CallNames.HasUnicodeEscape(text.ToString()))
                    {
                        var names = new HashSet<string>(frontier, StringComparer.Ordinal);
                        foreach (SyntaxNode node in root.DescendantNodes())
                        {
                            if (node is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is { } name && names.Contains(name))
                            {
                                TreeFacts.AddIfWrapper(call, found, initializers);
                            }
                        }

                        continue;
                    }

                    string source = text.ToString();
                    foreach (string name in frontier)
                    {
                        for (int at = source.IndexOf(name, StringComparison.Ordinal); at >= 0; at = source.IndexOf(name, at + name.Length, StringComparison.Ordinal))
                        {
                            SyntaxToken token = root.FindToken(at);
                            if (token.IsKind(SyntaxKind.IdentifierToken) && token.SpanStart == at && token.ValueText == name && CallNames.InvocationNamedBy(token) is { } call)
                            {
                                TreeFacts.AddIfWrapper(call, found, initializers);
                            }
                        }
                    }
                }

                var next = new List<string>();
                foreach (WrapperName wrapper in found)
                {
                    if (wrapper.IsConstructor)
                    {
                        constructorTypes.Add(wrapper.Name);
                    }
                    else if (!wrapper.IsLocal && wrapper.Name.Length > 0 && wrapperMembers.Add(wrapper.Name))
                    {
                        next.Add(wrapper.Name);
                    }
                }

                frontier = next.ToArray();
            }
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

            private TreeFacts(TreeSearch search, string[] renamedMembers, LocalBinding[] renamedLocals, EnclosedCall[] callsByEnclosingMethod, WrapperName[] mmapWrappers)
            {
                Search = search;
                MmapWrappers = mmapWrappers;
                RenamedMembers = renamedMembers;
                RenamedLocals = renamedLocals;
                CallsByEnclosingMethod = callsByEnclosingMethod;
            }

            public TreeSearch Search { get; }

            /// <summary>
            /// Methods and local functions declared here that call a method named like mmap and hand it one of their own
            /// parameters: wrappers whatever their name (<c>MemoryMap.Create</c>); the wrapper resolver decides from symbols.
            /// </summary>
            public WrapperName[] MmapWrappers { get; }

            /// <summary>Methods declared here, named without "mmap", whose entry point may be mmap.</summary>
            public string[] RenamedMembers { get; }

            /// <summary>The same, declared as local functions (callable only in the member that declares them).</summary>
            public LocalBinding[] RenamedLocals { get; }

            /// <summary>Only in files that declare renamed bindings: each call's invoked name and its enclosing method.</summary>
            public EnclosedCall[] CallsByEnclosingMethod { get; }

            /// <summary>Whether the file's text contains any of <paramref name="names"/> (true when it has no text to search).</summary>
            // With many names (wrappers of any name: one per method that maps), one scan of the text's identifiers answers for
            // all of them; the answer is kept for the same set of names (a new compilation over the same trees, in an IDE).
            private NameMatcher? _lastMatcher;
            private bool _lastAnswer;

            public bool MentionsAny(SyntaxTree tree, string[] names, NameMatcher? matcher)
            {
                if (!tree.TryGetText(out SourceText? text))
                {
                    return true;
                }

                if (matcher is not null)
                {
                    NameMatcher? last = Volatile.Read(ref _lastMatcher);
                    if (last is not null && last.SameNames(matcher))
                    {
                        return _lastAnswer;
                    }

                    bool answer = matcher.AnyIn(text.ToString());
                    _lastAnswer = answer;
                    Volatile.Write(ref _lastMatcher, matcher);
                    return answer;
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
                    search = CallNames.HasUnicodeEscape(source) ? TreeSearch.WalkAll
                        : CallNames.MayBeMmapName(source) ? TreeSearch.Occurrences
                        : TreeSearch.None;
                }

                WrapperName[] wrappers = search == TreeSearch.None ? Array.Empty<WrapperName>() : FindMmapWrappers(tree.GetRoot(cancellationToken), source, cancellationToken);
                if (source is not null && source.IndexOf(EntryPointText, StringComparison.Ordinal) < 0)
                {
                    return new TreeFacts(search, Array.Empty<string>(), Array.Empty<LocalBinding>(), Array.Empty<EnclosedCall>(), wrappers);
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
                    return new TreeFacts(search, Array.Empty<string>(), Array.Empty<LocalBinding>(), Array.Empty<EnclosedCall>(), wrappers);
                }

                var calls = new List<EnclosedCall>();
                foreach (SyntaxNode node in root.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call
                        && CallNames.InvokedName(call.Expression) is { } invoked
                        && CallNames.EnclosingMethod(call) is { } enclosing)
                    {
                        calls.Add(new EnclosedCall(invoked, enclosing.Name, enclosing.IsLocal, CallNames.MemberStart(call)));
                    }
                }

                return new TreeFacts(search, members.ToArray(), locals.ToArray(), calls.ToArray(), wrappers);
            }

            /// <summary>From each text occurrence of "mmap" (or every call, in a file without text) to the method around the call.</summary>
            private static WrapperName[] FindMmapWrappers(SyntaxNode root, string? source, CancellationToken cancellationToken)
            {
                var found = new HashSet<WrapperName>();
                var initializers = new Dictionary<SyntaxNode, Dictionary<string, ExpressionSyntax>>();
                if (source is null || CallNames.HasUnicodeEscape(source))
                {
                    foreach (SyntaxNode node in root.DescendantNodes())
                    {
                        if (node is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is { } name && CallNames.MayBeMmapName(name))
                        {
                            AddIfWrapper(call, found, initializers);
                        }
                    }
                }
                else
                {
                    for (int at = source.IndexOf(MmapText, StringComparison.OrdinalIgnoreCase); at >= 0; at = source.IndexOf(MmapText, at + 1, StringComparison.OrdinalIgnoreCase))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        SyntaxToken token = root.FindToken(at);
                        if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.Contains(at) && CallNames.InvocationNamedBy(token) is { } call)
                        {
                            AddIfWrapper(call, found, initializers);
                        }
                    }
                }

                return found.Count == 0 ? Array.Empty<WrapperName>() : found.ToArray();
            }

            /// <summary>
            /// A method is a wrapper candidate when an argument of its mmap call names one of its parameters, directly or
            /// through the initializers of its locals (<c>int native = ToNative(flags);</c>), or when it returns or stores
            /// the call's result (<c>MapPage() =&gt; mmap(…)</c>, a mapping source for the lifetime rules).
            /// </summary>
            /// <param name="initializers">Each method's local initializers, read once per method for all its mmap calls.</param>
            internal static void AddIfWrapper(InvocationExpressionSyntax call, HashSet<WrapperName> found, Dictionary<SyntaxNode, Dictionary<string, ExpressionSyntax>> initializers)
            {
                if (CallNames.ConstructorRunning(call) is { } constructor)
                {
                    if (constructor.TypeName.Length == 0)
                    {
                        return; // a type being typed, still without its name
                    }

                    // new MappedRegion(size, flags): a constructor (or a primary constructor's initializers) that hands its
                    // parameters to mmap, judged at each creation and each : this(…) or : base(…) that runs it.
                    var type = new WrapperName(constructor.TypeName, isLocal: false, isConstructor: true);
                    if (!found.Contains(type) && ArgumentsNameParameters(call, constructor.Parameters, initializers))
                    {
                        found.Add(type);
                    }

                    return;
                }

                if (CallNames.EnclosingDeclaration(call) is not { } declaration || declaration.Name.Length == 0 || CallNames.MayBeMmapName(declaration.Name)
                    || found.Contains(new WrapperName(declaration.Name, declaration.IsLocal)))
                {
                    return;
                }

                if (ResultIsKept(call))
                {
                    found.Add(new WrapperName(declaration.Name, declaration.IsLocal));
                    return;
                }

                if (declaration.Parameters is not { Parameters.Count: > 0 } parameters)
                {
                    return;
                }

                if (ArgumentsNameParameters(call, parameters, initializers))
                {
                    found.Add(new WrapperName(declaration.Name, declaration.IsLocal));
                }
            }

            /// <summary>Whether an argument of the call names a parameter, directly or through the method's local initializers.</summary>
            private static bool ArgumentsNameParameters(InvocationExpressionSyntax call, ParameterListSyntax parameters, Dictionary<SyntaxNode, Dictionary<string, ExpressionSyntax>> initializers)
            {
                if (parameters.Parameters.Count == 0)
                {
                    return false;
                }

                SyntaxNode method = parameters.Parent!;
                initializers.TryGetValue(method, out Dictionary<string, ExpressionSyntax>? locals);
                HashSet<string>? followed = null;
                foreach (ArgumentSyntax argument in call.ArgumentList.Arguments)
                {
                    bool names = NamesAParameter(argument.Expression, parameters, ref locals, depth: 0, ref followed);
                    if (locals is not null)
                    {
                        initializers[method] = locals;
                    }

                    if (names)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>Whether the call's value is returned, or stored in a variable (which the method may return).</summary>
            private static bool ResultIsKept(InvocationExpressionSyntax call)
            {
                SyntaxNode node = call;
                while (node.Parent is CastExpressionSyntax or ParenthesizedExpressionSyntax)
                {
                    node = node.Parent;
                }

                return node.Parent is ReturnStatementSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax
                    || (node.Parent is AssignmentExpressionSyntax assignment && assignment.Right == node);
            }

            // Runs for every mmap call of a file. Roslyn's descendant walk keeps its own stack, so an argument of thousands
            // of terms (generated code) costs no call depth; locals are followed eight deep.
            /// <param name="followed">The locals whose initializers were already searched for this call (each once).</param>
            private static bool NamesAParameter(SyntaxNode node, ParameterListSyntax parameters, ref Dictionary<string, ExpressionSyntax>? initializers, int depth, ref HashSet<string>? followed)
            {
                foreach (SyntaxNode descendant in node.DescendantNodesAndSelf())
                {
                    if (descendant is not IdentifierNameSyntax identifier)
                    {
                        continue;
                    }

                    string name = identifier.Identifier.ValueText;
                    foreach (ParameterSyntax parameter in parameters.Parameters)
                    {
                        if (parameter.Identifier.ValueText == name)
                        {
                            return true;
                        }
                    }

                    if (depth < 8)
                    {
                        initializers ??= LocalInitializers(parameters.Parent!);
                        if (initializers.TryGetValue(name, out ExpressionSyntax? initializer) && (followed ??= new HashSet<string>(StringComparer.Ordinal)).Add(name)
                            && NamesAParameter(initializer, parameters, ref initializers, depth + 1, ref followed))
                        {
                            return true;
                        }
                    }
                }

                return false;
            }

            /// <summary>The initializers of the locals a method declares (the resolver checks from symbols that they are the only writes).</summary>
            private static Dictionary<string, ExpressionSyntax> LocalInitializers(SyntaxNode declaration)
            {
                var initializers = new Dictionary<string, ExpressionSyntax>(StringComparer.Ordinal);
                foreach (SyntaxNode node in declaration.DescendantNodes())
                {
                    if (node is VariableDeclaratorSyntax { Initializer.Value: { } value } declarator)
                    {
                        initializers[declarator.Identifier.ValueText] = value;
                    }
                }

                return initializers;
            }
        }

        /// <summary>Finds any of many names among a text's identifiers (no substring is allocated).</summary>
        private sealed class NameMatcher
        {
            /// <summary>Up to this many names, one ordinal search per name is cheaper than a scan of identifiers.</summary>
            public const int PerNameSearchLimit = 8;

            /// <summary>Up to this many distinct prefixes, one vectorized ordinal search per prefix beats a scan of identifiers.</summary>
            private const int PrefixSearchLimit = 4;

            private const int LongestPrefix = 6;

            private readonly string[] _sorted;
            private readonly Dictionary<int, List<string>> _byLengthAndFirst = new Dictionary<int, List<string>>();

            // Names often share their start (MapBuffer1, MapBuffer2, …): then the text is searched for those few starts.
            private readonly string[]? _prefixes;

            public NameMatcher(string[] names)
            {
                _sorted = names.Where(n => n.Length > 0).OrderBy(n => n, StringComparer.Ordinal).ToArray(); // "" names nothing
                foreach (string name in _sorted)
                {
                    int key = Key(name.Length, name[0]);
                    if (!_byLengthAndFirst.TryGetValue(key, out List<string>? bucket))
                    {
                        _byLengthAndFirst[key] = bucket = new List<string>();
                    }

                    bucket.Add(name);
                }

                int prefixLength = Math.Min(LongestPrefix, _sorted.Min(n => n.Length));
                string[] prefixes = _sorted.Select(n => n.Substring(0, prefixLength)).Distinct(StringComparer.Ordinal).ToArray();
                _prefixes = prefixLength >= 2 && prefixes.Length <= PrefixSearchLimit ? prefixes : null;
            }

            public bool SameNames(NameMatcher other) => ReferenceEquals(this, other) || _sorted.SequenceEqual(other._sorted, StringComparer.Ordinal);

            public bool AnyIn(string text)
            {
                if (_prefixes is null)
                {
                    return NextIn(text, 0, text.Length) >= 0;
                }

                foreach (string prefix in _prefixes)
                {
                    if (NextWithPrefix(text, prefix, 0, text.Length) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>
            /// Where the names start between <paramref name="from"/> and <paramref name="end"/>, in no particular order
            /// (one search per shared start, or one scan of identifiers).
            /// </summary>
            public IEnumerable<int> AllIn(string text, int from, int end)
            {
                if (_prefixes is null)
                {
                    for (int at = NextIn(text, from, end); at >= 0; at = NextIn(text, SkipIdentifier(text, at), end))
                    {
                        yield return at;
                    }

                    yield break;
                }

                foreach (string prefix in _prefixes)
                {
                    for (int at = NextWithPrefix(text, prefix, from, end); at >= 0; at = NextWithPrefix(text, prefix, at + 1, end))
                    {
                        yield return at;
                    }
                }
            }

            private int NextWithPrefix(string text, string prefix, int from, int end)
            {
                for (int at = text.IndexOf(prefix, from, end - from, StringComparison.Ordinal); at >= 0; at = text.IndexOf(prefix, at + 1, end - at - 1, StringComparison.Ordinal))
                {
                    if ((at == 0 || !IsIdentifierPart(text[at - 1])) && IsNameAt(text, at, out _))
                    {
                        return at;
                    }
                }

                return -1;
            }

            private static int SkipIdentifier(string text, int at)
            {
                while (at < text.Length && IsIdentifierPart(text[at]))
                {
                    at++;
                }

                return at;
            }

            /// <summary>Where the next identifier that is one of the names starts, from <paramref name="from"/> up to <paramref name="end"/>; -1 when none.</summary>
            public int NextIn(string text, int from, int end)
            {
                int i = from;
                while (i < end)
                {
                    if (!IsIdentifierStart(text[i]))
                    {
                        i++;
                        continue;
                    }

                    int start = i;
                    if (IsNameAt(text, start, out i))
                    {
                        return start;
                    }
                }

                return -1;
            }

            /// <summary>Whether the identifier starting at <paramref name="start"/> is one of the names; <paramref name="end"/> is where it ends.</summary>
            private bool IsNameAt(string text, int start, out int end)
            {
                end = start;
                while (end < text.Length && IsIdentifierPart(text[end]))
                {
                    end++;
                }

                if (end > start && _byLengthAndFirst.TryGetValue(Key(end - start, text[start]), out List<string>? bucket))
                {
                    foreach (string name in bucket)
                    {
                        if (string.CompareOrdinal(text, start, name, 0, name.Length) == 0)
                        {
                            return true;
                        }
                    }
                }

                return false;
            }

            private static int Key(int length, char first) => (length << 16) ^ first;

            private static bool IsIdentifierStart(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c > 127 && char.IsLetter(c));

            private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || (c >= '0' && c <= '9') || (c > 127 && char.IsLetterOrDigit(c));
        }

        /// <summary>A method, local function or constructor (named by its type) that hands its parameters to a call named like mmap.</summary>
        private readonly struct WrapperName : IEquatable<WrapperName>
        {
            public WrapperName(string name, bool isLocal, bool isConstructor = false)
            {
                Name = name;
                IsLocal = isLocal;
                IsConstructor = isConstructor;
            }

            public string Name { get; }

            public bool IsLocal { get; }

            public bool IsConstructor { get; }

            public bool Equals(WrapperName other) => Name == other.Name && IsLocal == other.IsLocal && IsConstructor == other.IsConstructor;

            public override bool Equals(object? obj) => obj is WrapperName other && Equals(other);

            public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name) ^ (IsLocal ? 1 : 0) ^ (IsConstructor ? 2 : 0);
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
                && !CallNames.MayBeMmapName(name.ValueText)
                && MayHaveMmapEntryPoint(attributes))
            {
                if (node is LocalFunctionStatementSyntax)
                {
                    locals.Add(new LocalBinding(name.ValueText, CallNames.MemberStart(node)));
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
                            || (literal.IsKind(SyntaxKind.StringLiteralExpression) && CallNames.IsMmapEntryPoint(literal.Token.ValueText));
                    }
                }
            }

            return false;
        }
    }
}
