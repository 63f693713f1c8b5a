using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Semantic models of other trees, for reading the initializer of a static readonly field or the body of an
    /// expression-bodied property declared elsewhere. Only asked for while evaluating an mmap argument, so the cost
    /// is paid at mmap call sites only; one model per tree per compilation.
    /// </summary>
    internal sealed class SemanticModelProvider
    {
        private readonly Compilation _compilation;
        private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new ConcurrentDictionary<SyntaxTree, SemanticModel>();

        public SemanticModelProvider(Compilation compilation)
        {
            _compilation = compilation;
        }

        public SemanticModel? Get(SyntaxTree tree, SemanticModel? current)
        {
            if (current is not null && current.SyntaxTree == tree)
            {
                return current;
            }

            if (!_compilation.ContainsSyntaxTree(tree))
            {
                return null;
            }

#pragma warning disable RS1030 // Only reached for the declaration of a symbol an mmap argument names; cached per tree.
            return _models.GetOrAdd(tree, t => _compilation.GetSemanticModel(t));
#pragma warning restore RS1030
        }
    }
}
