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
    /// Where a compilation can declare or reach munmap, mremap, mprotect and madvise, decided without reading every file
    /// (each extra read of a large project's text costs milliseconds): the usual spellings of their names looked up in the
    /// compilation's declaration table (only matching declarations are bound to symbols), the binding libraries among its
    /// references, and bindings renamed through <c>EntryPoint</c> in the files that name mmap. Computed once per compilation.
    /// </summary>
    internal sealed class LibcPresence
    {
        private static readonly ConditionalWeakTable<Compilation, LibcPresence> ByCompilation = new ConditionalWeakTable<Compilation, LibcPresence>();

        private LibcPresence(bool argumentRuleFunctions, string[] argumentRuleNames, string[] renamed, HashSet<SyntaxTree> interopTrees)
        {
            MayCallArgumentRuleFunctions = argumentRuleFunctions;
            ArgumentRuleNames = argumentRuleNames;
            RenamedBindings = renamed;
            InteropTrees = interopTrees;
        }

        /// <summary>Whether mremap, mprotect or madvise can be called at all: declared in source, renamed, or from a binding library.</summary>
        public bool MayCallArgumentRuleFunctions { get; }

        /// <summary>The exact names calls of mremap/mprotect/madvise are spelled with: declared members and the binding libraries' names.</summary>
        public string[] ArgumentRuleNames { get; }

        /// <summary>Names of bindings declared under another name (and of munmap's wrappers in their files).</summary>
        public string[] RenamedBindings { get; }

        /// <summary>The files that name mmap or declare mremap/mprotect/madvise by name: where bindings are declared.</summary>
        public HashSet<SyntaxTree> InteropTrees { get; }

        public static LibcPresence Of(Compilation compilation, CancellationToken cancellationToken) =>
            ByCompilation.GetOrCompute(compilation, cancellationToken, (c, token) => Compute(c, token));

        private static LibcPresence Compute(Compilation compilation, CancellationToken cancellationToken)
        {
            // Exact spellings are hash look-ups in the declaration table: no name is enumerated, no file is read.
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in Spellings)
            {
                if (compilation.ContainsSymbolsWithName(name, SymbolFilter.Member, cancellationToken))
                {
                    names.Add(name);
                }
            }

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

            // The interop files: those that name mmap, and those that declare mremap/mprotect/madvise by their own names
            // (symbols are created for these few names only: binding every mmap/munmap declaration of a large project
            // costs milliseconds).
            var interopTrees = new HashSet<SyntaxTree>(CandidateNames.Of(compilation, cancellationToken).CandidateTrees);
            foreach (string name in argumentRuleNames)
            {
                foreach (ISymbol symbol in compilation.GetSymbolsWithName(name, SymbolFilter.Member, cancellationToken))
                {
                    foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
                    {
                        interopTrees.Add(reference.SyntaxTree);
                    }
                }
            }

            var renamed = new HashSet<string>(StringComparer.Ordinal);
            foreach (SyntaxTree tree in interopTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LibcText facts = LibcText.Of(tree, cancellationToken);
                if (facts.RenamedBindings.Length > 0)
                {
                    renamed.UnionWith(facts.RenamedBindings);
                    argumentRules |= facts.MentionsArgumentRuleFunction;
                }
            }

            argumentRuleNames.UnionWith(renamed);
            return new LibcPresence(argumentRules, new List<string>(argumentRuleNames).ToArray(), new List<string>(renamed).ToArray(), interopTrees);
        }

        /// <summary>How real code spells the bindings' names (any other spelling is found only through EntryPoint).</summary>
        private static readonly string[] Spellings =
        {
            "mmap", "mmap64", "Mmap", "MMap", "Mmap64", "MMap64",
            "munmap", "Munmap", "MUnmap", "MunMap",
            "mremap", "Mremap", "MRemap",
            "mprotect", "Mprotect", "MProtect",
            "madvise", "Madvise", "MAdvise",
        };

        private static bool IsArgumentRuleName(string name) =>
            Contains(name, LibcText.MremapWord) || Contains(name, LibcText.MprotectWord) || Contains(name, LibcText.MadviseWord);

        private static bool Contains(string name, string word) => name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
