using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough, ImmutableDictionary<MmapParameter, IOperation> computed, ImmutableDictionary<MmapParameter, long> constants)
        {
            Inner = inner;
            PassedThrough = passedThrough;
            Computed = computed;
            Constants = constants;
        }

        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it.</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }

        /// <summary>
        /// mmap parameter → the wrapper's argument expression that computes it from the wrapper's parameters
        /// (<c>MmapFlagsToSystemFlags(flags)</c>), evaluated at each call site with that call's argument values.
        /// </summary>
        public ImmutableDictionary<MmapParameter, IOperation> Computed { get; }

        /// <summary>
        /// mmap parameter → the constant the wrapper's own mmap call passes, whatever its caller does (<c>MapPage() =&gt;
        /// mmap(…, 4096, …, MAP_PRIVATE | MAP_ANONYMOUS, …)</c>). The wrapper's own call is judged on them; its call sites
        /// read them as context.
        /// </summary>
        public ImmutableDictionary<MmapParameter, long> Constants { get; }

        /// <summary>The length the wrapper maps whatever its arguments, when its mmap call passes a constant.</summary>
        public long? ConstantLength => Constants.TryGetValue(MmapParameter.Length, out long length) && length >= 0 ? length : null;

        /// <summary>Whether any argument of a call of the wrapper reaches mmap (its call sites have something to judge).</summary>
        public bool PassesArguments => !PassedThrough.IsEmpty || !Computed.IsEmpty;
    }
}
