using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough, ImmutableDictionary<MmapParameter, IOperation> computed, long? constantLength = null)
        {
            Inner = inner;
            PassedThrough = passedThrough;
            Computed = computed;
            ConstantLength = constantLength;
        }

        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it.</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }

        /// <summary>
        /// mmap parameter → the wrapper's argument expression that computes it from the wrapper's parameters
        /// (<c>MmapFlagsToSystemFlags(flags)</c>), evaluated at each call site with that call's argument values.
        /// </summary>
        public ImmutableDictionary<MmapParameter, IOperation> Computed { get; }

        /// <summary>The length the wrapper maps whatever its arguments, when its mmap call passes a constant (<c>MapPage() =&gt; mmap(…, 4096, …)</c>).</summary>
        public long? ConstantLength { get; }

        /// <summary>Whether any argument of a call of the wrapper reaches mmap (its call sites have something to judge).</summary>
        public bool PassesArguments => !PassedThrough.IsEmpty || !Computed.IsEmpty;
    }
}
