using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>
    /// Where a compilation can declare or reach munmap, mremap, mprotect and madvise, decided without a case-insensitive
    /// read of every file (each such read of a large project costs milliseconds): the member names of the compilation's
    /// declaration table (only the few whose names match are then bound to symbols), the binding libraries among its
    /// references, and, for bindings renamed through <c>EntryPoint = "munmap"</c>, one ordinal search per file for a
    /// string literal that starts with <c>"m</c>. Computed once per compilation.
    /// </summary>
    internal sealed class LibcPresence
    {
        private const string QuotedM = "\"m";

        private static readonly ConditionalWeakTable<Compilation, LibcPresence> ByCompilation = new ConditionalWeakTable<Compilation, LibcPresence>();
        private static readonly string[] QuotedNames = { "\"munmap\"", "\"mremap\"", "\"mprotect\"", "\"madvise\"", "\"mmap\"", "\"mmap64\"" };

        private LibcPresence(bool argumentRuleFunctions, string[] argumentRuleNames, string[] renamed, List<IMethodSymbol> declaredBindings)
        {
            MayCallArgumentRuleFunctions = argumentRuleFunctions;
            ArgumentRuleNames = argumentRuleNames;
            RenamedBindings = renamed;
            DeclaredMethods = declaredBindings;
        }

        /// <summary>Whether mremap, mprotect or madvise can be called at all: declared in source, renamed, or from a binding library.</summary>
        public bool MayCallArgumentRuleFunctions { get; }

        /// <summary>The exact names calls of mremap/mprotect/madvise are spelled with: declared members and the binding libraries' names.</summary>
        public string[] ArgumentRuleNames { get; }

        /// <summary>Names of bindings declared under another name (and of munmap's wrappers in their files).</summary>
        public string[] RenamedBindings { get; }

        /// <summary>Source methods whose name is mmap-like or one of the four functions', and those renamed through EntryPoint.</summary>
        public List<IMethodSymbol> DeclaredMethods { get; }

        public static LibcPresence Of(Compilation compilation, CancellationToken cancellationToken) =>
            ByCompilation.GetOrCompute(compilation, cancellationToken, (c, token) => Compute(c, token));

        private static LibcPresence Compute(Compilation compilation, CancellationToken cancellationToken)
        {
            // The declaration table's names (no symbol is created), then symbols for the few matching names only.
            var names = new HashSet<string>(StringComparer.Ordinal);
            compilation.ContainsSymbolsWithName(
                name =>
                {
                    if (IsLibcName(name))
                    {
                        lock (names)
                        {
                            names.Add(name);
                        }
                    }

                    return false;
                },
                SymbolFilter.Member,
                cancellationToken);

            bool argumentRules = false;
            var argumentRuleNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (IsArgumentRuleName(name))
                {
                    argumentRules = true;
                    argumentRuleNames.Add(name);
                }
            }

            foreach (AssemblyIdentity identity in compilation.ReferencedAssemblyNames)
            {
                if (identity.Name.StartsWith("Mono.Posix", StringComparison.Ordinal) || identity.Name == "Tmds.LibC" || identity.Name == "CheckedMmap")
                {
                    argumentRules = true;
                    argumentRuleNames.UnionWith(new[] { LibcText.MremapWord, LibcText.MprotectWord, LibcText.MadviseWord });
                }
            }

            var renamed = new HashSet<string>(StringComparer.Ordinal);
            var renamingTrees = new List<SyntaxTree>();
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!tree.TryGetText(out SourceText? text) || QuotesALibcName(text.ToString()))
                {
                    LibcText facts = LibcText.Of(tree, cancellationToken);
                    if (facts.RenamedBindings.Length > 0)
                    {
                        renamingTrees.Add(tree);
                        renamed.UnionWith(facts.RenamedBindings);
                        argumentRules |= facts.MentionsArgumentRuleFunction;
                    }
                }
            }

            argumentRuleNames.UnionWith(renamed);
            var methods = new List<IMethodSymbol>();
            foreach (string name in names)
            {
                AddMethods(compilation, name, methods, cancellationToken);
            }

            foreach (string name in renamed)
            {
                if (!names.Contains(name))
                {
                    AddMethods(compilation, name, methods, cancellationToken);
                }
            }

            return new LibcPresence(argumentRules, new List<string>(argumentRuleNames).ToArray(), new List<string>(renamed).ToArray(), methods);
        }

        private static void AddMethods(Compilation compilation, string name, List<IMethodSymbol> methods, CancellationToken cancellationToken)
        {
            foreach (ISymbol symbol in compilation.GetSymbolsWithName(name, SymbolFilter.Member, cancellationToken))
            {
                if (symbol is IMethodSymbol method && (method.IsExtern || method.IsPartialDefinition))
                {
                    methods.Add(method);
                }
            }
        }

        /// <summary>A string literal naming one of the functions ("munmap", "mprotect"…): only such files can rename a binding of them.</summary>
        private static bool QuotesALibcName(string source)
        {
            for (int at = source.IndexOf(QuotedM, StringComparison.Ordinal); at >= 0; at = source.IndexOf(QuotedM, at + 1, StringComparison.Ordinal))
            {
                foreach (string quoted in QuotedNames)
                {
                    if (string.CompareOrdinal(source, at, quoted, 0, quoted.Length) == 0)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool IsLibcName(string name) =>
            MmapCallResolver.MayBeMmapName(name) || Contains(name, LibcText.Word) || IsArgumentRuleName(name);

        private static bool IsArgumentRuleName(string name) =>
            Contains(name, LibcText.MremapWord) || Contains(name, LibcText.MprotectWord) || Contains(name, LibcText.MadviseWord);

        private static bool Contains(string name, string word) => name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
