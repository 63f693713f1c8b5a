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
    /// case-insensitively: member names from the compilation's declaration table, the binding libraries among its
    /// references, and the files whose text says "EntryPoint" (the only ones that can rename a binding). Computed once
    /// per compilation.
    /// </summary>
    internal sealed class LibcPresence
    {
        private const string EntryPointText = "EntryPoint";

        private static readonly ConditionalWeakTable<Compilation, LibcPresence> ByCompilation = new ConditionalWeakTable<Compilation, LibcPresence>();

        private LibcPresence(bool argumentRuleFunctions, string[] renamed, HashSet<SyntaxTree> declarationTrees)
        {
            MayCallArgumentRuleFunctions = argumentRuleFunctions;
            RenamedBindings = renamed;
            DeclarationTrees = declarationTrees;
        }

        /// <summary>Whether mremap, mprotect or madvise can be called at all: declared in source, renamed, or from a binding library.</summary>
        public bool MayCallArgumentRuleFunctions { get; }

        /// <summary>Names of bindings of the four functions declared under another name (and of munmap's wrappers) in the "EntryPoint" files.</summary>
        public string[] RenamedBindings { get; }

        /// <summary>Files that declare a member named like mmap or one of the four functions, or that say "EntryPoint".</summary>
        public HashSet<SyntaxTree> DeclarationTrees { get; }

        public static LibcPresence Of(Compilation compilation, CancellationToken cancellationToken) =>
            ByCompilation.GetOrCompute(compilation, cancellationToken, (c, token) => Compute(c, token));

        private static LibcPresence Compute(Compilation compilation, CancellationToken cancellationToken)
        {
            bool argumentRules = false;
            var declarationTrees = new HashSet<SyntaxTree>();
            foreach (ISymbol symbol in compilation.GetSymbolsWithName(IsLibcName, SymbolFilter.Member, cancellationToken))
            {
                argumentRules |= IsArgumentRuleName(symbol.Name);
                foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
                {
                    declarationTrees.Add(reference.SyntaxTree);
                }
            }

            foreach (AssemblyIdentity identity in compilation.ReferencedAssemblyNames)
            {
                argumentRules |= identity.Name.StartsWith("Mono.Posix", StringComparison.Ordinal) || identity.Name == "Tmds.LibC" || identity.Name == "CheckedMmap";
            }

            var renamed = new HashSet<string>(StringComparer.Ordinal);
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!tree.TryGetText(out SourceText? text) || text.ToString().IndexOf(EntryPointText, StringComparison.Ordinal) >= 0)
                {
                    declarationTrees.Add(tree);
                    LibcText facts = LibcText.Of(tree, cancellationToken);
                    argumentRules |= facts.MentionsArgumentRuleFunction;
                    renamed.UnionWith(facts.RenamedBindings);
                }
            }

            return new LibcPresence(argumentRules, new List<string>(renamed).ToArray(), declarationTrees);
        }

        private static bool IsLibcName(string name) =>
            MmapCallResolver.MayBeMmapName(name) || Contains(name, LibcText.Word) || IsArgumentRuleName(name);

        private static bool IsArgumentRuleName(string name) =>
            Contains(name, LibcText.MremapWord) || Contains(name, LibcText.MprotectWord) || Contains(name, LibcText.MadviseWord);

        private static bool Contains(string name, string word) => name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
