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
    internal sealed partial class CandidateNames
    {
        private const string MmapText = "mmap";
        private const string EntryPointText = "EntryPoint";

        private static readonly HashSet<string> NoNames = new HashSet<string>(StringComparer.Ordinal);

        private readonly HashSet<string> _renamedBindings;

        // Names without "mmap" that any file may call (renamed bindings declared as members or in referenced assemblies,
        // and their member wrappers); names with "mmap" are found by the text search for "mmap" itself.
        private readonly HashSet<string> _all;

        // The same names as one identifier scan, when one ordinal search per name would cost more.
        private readonly NameMatcher? _allMatcher;

        // Names without "mmap" callable only inside one file: local-function bindings and local-function wrappers.
        private readonly Dictionary<SyntaxTree, HashSet<string>> _localsByTree;

        // The files worth searching; true when the whole file must be walked (no text, or a Unicode escape that can
        // spell a name in an identifier without its letters appearing in the text).
        private readonly Dictionary<SyntaxTree, bool> _candidateTrees;

        private readonly ConcurrentDictionary<SyntaxTree, (InvocationExpressionSyntax[] Calls, bool MayHoldGeneratedCode)> _callsByTree =
            new ConcurrentDictionary<SyntaxTree, (InvocationExpressionSyntax[] Calls, bool MayHoldGeneratedCode)>();

        private readonly HashSet<string> _constructorWrapperTypes;

        private CandidateNames(HashSet<string> renamedBindings, HashSet<string> all, Dictionary<SyntaxTree, HashSet<string>> localsByTree, Dictionary<SyntaxTree, bool> candidateTrees, HashSet<string> constructorWrapperTypes)
        {
            _constructorWrapperTypes = constructorWrapperTypes;
            _renamedBindings = renamedBindings;
            _all = all;
            _allMatcher = all.Count > NameMatcher.PerNameSearchLimit ? new NameMatcher(all.ToArray()) : null;
            _localsByTree = localsByTree;
            _candidateTrees = candidateTrees;
        }

        /// <summary>False when no file can call mmap: then the analyzer registers nothing and binds nothing.</summary>
        public bool AnyCandidateFile => _candidateTrees.Count > 0;

        /// <summary>Whether some type's constructor hands its parameters to mmap (then object creations are worth a look).</summary>
        public bool AnyConstructorWrapper => _constructorWrapperTypes.Count > 0;

        /// <summary>The names of the types whose constructors may hand their parameters to mmap.</summary>
        public IEnumerable<string> ConstructorWrapperTypes => _constructorWrapperTypes;

        /// <summary>Whether a creation of a type of this name may run a constructor that hands its parameters to mmap (its symbol decides).</summary>
        public bool MayBeConstructorWrapper(string typeName) => _constructorWrapperTypes.Contains(typeName);

        /// <summary>The files whose text can call mmap (the others are never searched).</summary>
        public IEnumerable<SyntaxTree> CandidateTrees => _candidateTrees.Keys;

        /// <summary>Whether a call through a method of this name, in a file with these local names, may be mmap or a wrapper of it (its symbol decides).</summary>
        private bool Accepts(string name, HashSet<string> locals) => CallNames.MayBeMmapName(name) || _all.Contains(name) || locals.Contains(name);

        /// <summary>Whether a call inside a wrapper's body may be of another wrapper (a member of any name found to hand on its parameters).</summary>
        public bool MayBeWrapper(string name) => _all.Contains(name) || CallNames.MayBeMmapName(name);

        /// <summary>Whether a call inside a wrapper's body may be mmap itself.</summary>
        public bool MayBeBinding(string name) => CallNames.MayBeMmapName(name) || _renamedBindings.Contains(name);

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
            if (span is not null || !_candidateTrees.ContainsKey(tree))
            {
                return FindCandidateCalls(tree, span, out mayHoldGeneratedCode, cancellationToken);
            }

            // Every analyzer of the package asks for the same whole-file answer: it is searched for once per compilation.
            (InvocationExpressionSyntax[] Calls, bool MayHoldGeneratedCode) found = _callsByTree.GetOrAdd(tree, t =>
            {
                List<InvocationExpressionSyntax> calls = FindCandidateCalls(t, null, out bool generated, cancellationToken);
                return (calls.ToArray(), generated);
            });
            mayHoldGeneratedCode = found.MayHoldGeneratedCode;
            return new List<InvocationExpressionSyntax>(found.Calls);
        }

        private List<InvocationExpressionSyntax> FindCandidateCalls(SyntaxTree tree, TextSpan? span, out bool mayHoldGeneratedCode, CancellationToken cancellationToken)
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
                    if (node is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is { } name && Admits(call, name, locals, span))
                    {
                        calls.Add(call);
                    }
                }

                return calls;
            }

            string source = text.ToString();
            mayHoldGeneratedCode = GeneratedCode.MayBeIn(source);
            AddCallsAt(root, source, MmapText, StringComparison.OrdinalIgnoreCase, locals, span, calls, cancellationToken);
            if (_allMatcher is not null)
            {
                // Many names (a wrapper per mapping method): one search per shared start, or one scan of the file's identifiers.
                AddCallsAt(root, source, _allMatcher, locals, span, calls, cancellationToken);
            }

            foreach (string name in _allMatcher is null ? _all.Concat(locals) : locals)
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

        private void AddCallsAt(SyntaxNode root, string source, NameMatcher names, HashSet<string> locals, TextSpan? span, List<InvocationExpressionSyntax> calls, CancellationToken cancellationToken)
        {
            foreach (int at in names.AllIn(source, span?.Start ?? 0, span?.End ?? source.Length))
            {
                cancellationToken.ThrowIfCancellationRequested();
                AddCallAt(root, at, locals, span, calls);
            }
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

                SyntaxToken token = AddCallAt(root, found, locals, span, calls);
                start = token.Span.Contains(found) ? Math.Max(found + 1, token.Span.End) : found + 1; // past the token, or past trivia
            }
        }

        /// <summary>
        /// Adds the call invoked through the identifier at text position <paramref name="at"/> when it is admitted (not in
        /// a comment or other trivia); returns the token found there.
        /// </summary>
        private SyntaxToken AddCallAt(SyntaxNode root, int at, HashSet<string> locals, TextSpan? span, List<InvocationExpressionSyntax> calls)
        {
            SyntaxToken token = root.FindToken(at);
            if (token.Span.Contains(at) && token.IsKind(SyntaxKind.IdentifierToken) && CallNames.InvocationNamedBy(token) is { } call && Admits(call, token.ValueText, locals, span))
            {
                calls.Add(call);
            }

            return token;
        }

        private bool Admits(InvocationExpressionSyntax call, string invokedName, HashSet<string> locals, TextSpan? span) =>
            Accepts(invokedName, locals) && (span is not { } filter || filter.Contains(call.Span)) && !CallNames.InAttribute(call);
    }
}
