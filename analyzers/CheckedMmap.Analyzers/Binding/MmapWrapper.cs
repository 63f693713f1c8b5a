using System.Collections.Immutable;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough)
        {
            Inner = inner;
            PassedThrough = passedThrough;
        }

        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it.</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }
    }
}
