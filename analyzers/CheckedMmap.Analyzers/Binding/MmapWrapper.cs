using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough, ImmutableDictionary<MmapParameter, IOperation> computed)
        {
            Inner = inner;
            PassedThrough = passedThrough;
            Computed = computed;
        }

        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it.</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }

        /// <summary>
        /// mmap parameter → the wrapper's argument expression that computes it from the wrapper's parameters
        /// (<c>MmapFlagsToSystemFlags(flags)</c>), evaluated at each call site with that call's argument values.
        /// </summary>
        public ImmutableDictionary<MmapParameter, IOperation> Computed { get; }
    }
}
