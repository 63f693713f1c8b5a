using System.Collections.Concurrent;
using System.Linq;
using System.Collections.Immutable;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(IMethodSymbol method, MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough)
        {
            Method = method;
            Inner = inner;
            PassedThrough = passedThrough;
        }

        public IMethodSymbol Method { get; }

        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it.</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }
    }
}
