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
    /// (each extra read of a large project's text costs milliseconds): the binding libraries among its references, and the
    /// project's interop files (those that name mmap, and those that import mprotect, madvise or mremap), with the
    /// bindings (renamed ones included) they declare. Computed once per compilation.
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

        /// <summary>Names of bindings declared under another name in the interop files.</summary>
        public string[] RenamedBindings { get; }

        /// <summary>The files where a project's bindings are declared: those that name mmap, and those that import mprotect, madvise or mremap.</summary>
        public HashSet<SyntaxTree> InteropTrees { get; }

        public static LibcPresence Of(Compilation compilation, CancellationToken cancellationToken) =>
            ByCompilation.GetOrCompute(compilation, cancellationToken, (c, token) => Compute(c, token));

        private static LibcPresence Compute(Compilation compilation, CancellationToken cancellationToken)
        {
            // The interop files are those that name mmap (MMAP001-MMAP007's candidate files, already known): bindings and
            // renamed bindings of the other functions are looked for there. The declaration table is not asked: its first
            // name look-up in a compilation costs milliseconds.
            bool argumentRules = BindingLibraries.Of(compilation).Any;
            var argumentRuleNames = new HashSet<string>(StringComparer.Ordinal) { LibcText.MremapWord, LibcText.MprotectWord, LibcText.MadviseWord };

            var interopTrees = new HashSet<SyntaxTree>(CandidateNames.Of(compilation, cancellationToken).CandidateTrees);

            // A file can declare mprotect, madvise or mremap without naming mmap (a JIT's page-protection helpers): its
            // text says the libc name, in the entry point or the method name. Lower-case ordinal searches keep this to a
            // fraction of a microsecond per file.
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!interopTrees.Contains(tree) && DeclaresArgumentRuleFunction(tree))
                {
                    interopTrees.Add(tree);
                }
            }
            var renamed = new HashSet<string>(StringComparer.Ordinal);
            foreach (SyntaxTree tree in interopTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LibcText facts = LibcText.Of(tree, cancellationToken);
                renamed.UnionWith(facts.RenamedBindings);
                argumentRules |= facts.MentionsArgumentRuleFunction;
            }

            argumentRuleNames.UnionWith(renamed);
            return new LibcPresence(argumentRules, new List<string>(argumentRuleNames).ToArray(), new List<string>(renamed).ToArray(), interopTrees);
        }

        private static bool DeclaresArgumentRuleFunction(SyntaxTree tree)
        {
            if (!tree.TryGetText(out SourceText? text))
            {
                return false;
            }

            // "Import" (of DllImport, LibraryImport) is rare in other code: most files end after that one search.
            string source = text.ToString();
            return source.IndexOf("Import", StringComparison.Ordinal) >= 0
                && (source.IndexOf(LibcText.MprotectWord, StringComparison.Ordinal) >= 0
                    || source.IndexOf(LibcText.MadviseWord, StringComparison.Ordinal) >= 0
                    || source.IndexOf(LibcText.MremapWord, StringComparison.Ordinal) >= 0);
        }

        private static bool IsArgumentRuleName(string name) =>
            Contains(name, LibcText.MremapWord) || Contains(name, LibcText.MprotectWord) || Contains(name, LibcText.MadviseWord);

        private static bool Contains(string name, string word) => name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
